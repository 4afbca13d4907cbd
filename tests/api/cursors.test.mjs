// Pagination cursors on every paginated route (docs/openapi.yaml, parameter Cursor): a
// cursor is good only for the route, caller and query that gave it out. Forged, truncated,
// bit-flipped, garbled (invalid UTF-8) cursors and cursors of another query are 400
// INVALID_CURSOR naming `cursor` (never a 500, never the first page again), and walking the
// pages with the cursors the server hands out still lists every row once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, api, registerUser, expectStatus, assertFieldError, createAdmin, randomHex,
} from './harness.mjs';

let srv;
let A;
let admin;
let owner;  // creates tasks, gets points, redeems
let other;  // a second caller of the same routes
let task;   // owner's task with three applications
let task2;  // another with three
const centre = { lat: Math.random() * 120 - 60, lng: Math.random() * 340 - 170 };

before(async () => {
  srv = await startServer();
  A = api(srv.base);
  admin = await createAdmin(srv);
  [owner, other] = await Promise.all([registerUser(srv.base), registerUser(srv.base)]);
  const tasks = [];
  for (let i = 0; i < 3; i++) {
    const res = await A.post('/tasks', {
      token: owner.accessToken,
      body: { title: `Cursor task ${i}`, category: 'garden', pointsReward: 5, location: { lat: centre.lat + i * 0.001, lng: centre.lng } },
    });
    expectStatus(res, 201, 'POST /tasks');
    tasks.push(res.body);
  }
  [task, task2] = tasks;
  const applicants = await Promise.all([0, 1, 2].map(() => registerUser(srv.base)));
  for (const t of [task, task2]) {
    for (const a of applicants) {
      expectStatus(await A.post(`/tasks/${t.id}/applications`, { token: a.accessToken }), 201, 'apply');
    }
  }
  let partner;
  for (let i = 0; i < 3; i++) {
    const res = await A.post('/admin/partners', { token: admin.accessToken, body: { name: `Partner ${i} ${randomHex(3)}` } });
    expectStatus(res, 201, 'create partner');
    partner ??= res.body;
  }
  const offer = await A.post(`/admin/partners/${partner.id}/offers`, {
    token: admin.accessToken, body: { title: 'Bread', pointsCost: 1, validDays: 30 },
  });
  expectStatus(offer, 201, 'create offer');
  for (const user of [owner, other]) {
    for (let i = 0; i < 3; i++) {
      const res = await A.post(`/admin/users/${user.user.id}/points`, {
        token: admin.accessToken, body: { amount: 10, reason: `credit ${i}` },
      });
      expectStatus(res, 201, 'admin adjustment');
    }
  }
  for (const user of [owner, other]) {
    for (let i = 0; i < 3; i++) {
      expectStatus(await A.post('/redemptions', { token: user.accessToken, body: { offerId: offer.body.id } }), 201, 'redeem');
    }
  }
});

after(async () => {
  await srv?.stop();
});

// Every paginated route: its path with the query that shapes it, who calls it, and the same
// route with another query (another shape, or another caller) whose cursors it must refuse.
const routes = () => [
  { name: 'GET /users/me/points', path: '/users/me/points', token: owner.accessToken,
    otherQuery: { path: '/users/me/points', token: other.accessToken } },
  { name: 'GET /users/me/tasks', path: '/users/me/tasks?role=creator', token: owner.accessToken,
    otherQuery: { path: '/users/me/tasks?role=creator&status=open', token: owner.accessToken } },
  { name: 'GET /tasks (search)', path: `/tasks?lat=${centre.lat}&lng=${centre.lng}&category=garden`, token: other.accessToken,
    otherQuery: { path: `/tasks?lat=${centre.lat}&lng=${centre.lng}&category=garden&radius=4000`, token: other.accessToken } },
  { name: 'GET /tasks/{id}/applications', path: `/tasks/${task.id}/applications`, token: owner.accessToken,
    otherQuery: { path: `/tasks/${task2.id}/applications`, token: owner.accessToken } },
  { name: 'GET /partners', path: '/partners', token: undefined,
    otherQuery: { path: '/admin/partners', token: admin.accessToken } },
  { name: 'GET /admin/partners', path: '/admin/partners', token: admin.accessToken,
    otherQuery: { path: '/partners', token: undefined } },
  { name: 'GET /users/me/redemptions', path: '/users/me/redemptions', token: owner.accessToken,
    otherQuery: { path: '/users/me/redemptions', token: other.accessToken } },
];

const withCursor = (path, cursor, limit = 1) =>
  `${path}${path.includes('?') ? '&' : '?'}limit=${limit}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;

const b64 = (buf) => Buffer.from(buf).toString('base64url');
const unb64 = (s) => Buffer.from(s, 'base64url');

async function firstCursor(r) {
  const res = await A.get(withCursor(r.path), { token: r.token });
  expectStatus(res, 200, `${r.name} first page`);
  assert.ok(res.body.nextCursor, `${r.name}: a next page: ${res.text}`);
  return res.body.nextCursor;
}

async function refused(r, cursor, what) {
  const res = await A.get(withCursor(r.path, cursor), { token: r.token });
  assertFieldError(res, 'cursor', 'INVALID_CURSOR', `${r.name}: ${what}`);
}

const ids = (items) => items.map((i) => i.id);

describe('cursors on every paginated route', { concurrency: true }, () => {
  const names = ['GET /users/me/points', 'GET /users/me/tasks', 'GET /tasks (search)',
    'GET /tasks/{id}/applications', 'GET /partners', 'GET /admin/partners', 'GET /users/me/redemptions'];
  for (const name of names) {
    it(`${name}: paging walks every row once; bad cursors are 400 INVALID_CURSOR`, async () => {
      const r = routes().find((x) => x.name === name);
      // Valid paging, one row a page, against the single-page answer.
      const all = await A.get(withCursor(r.path, undefined, 100), { token: r.token });
      expectStatus(all, 200, `${r.name} all`);
      const walked = [];
      let cursor;
      for (let pages = 0; ; pages++) {
        assert.ok(pages < 50, `${r.name}: paging terminates`);
        const res = await A.get(withCursor(r.path, cursor), { token: r.token });
        expectStatus(res, 200, `${r.name} page ${pages}`);
        walked.push(...res.body.items);
        cursor = res.body.nextCursor;
        if (!cursor) break;
      }
      assert.ok(walked.length >= 3, `${r.name}: at least three rows`);
      assert.deepEqual(ids(walked), ids(all.body.items), `${r.name}: the pages concatenate to one page`);

      const good = await firstCursor(r);
      const raw = unb64(good);
      // Forged in the previous format: base64url("v1" NUL time NUL id).
      await refused(r, b64(`v1\u0000123\u0000${task.id}`), 'forged, old format');
      await refused(r, b64(`v1\u0000Partner\u0000${task.id}`), 'forged text key');
      // Forged in the current layout with a made-up tag.
      await refused(r, b64(Buffer.concat([raw.subarray(0, raw.length - 32), Buffer.alloc(32, 7)])), 'made-up tag');
      // Invalid UTF-8 inside the fields, with and without a tag.
      const badUtf8 = Buffer.from([0x01, 0x00, 0x02, 0xff, 0xfe, 0x00, 0x04, 0xc3, 0x28, 0xa0, 0xa1]);
      await refused(r, b64(badUtf8), 'invalid UTF-8');
      await refused(r, b64(Buffer.concat([badUtf8, raw.subarray(raw.length - 32)])), 'invalid UTF-8 with a tag');
      await refused(r, b64(Buffer.from([0x76, 0x31, 0x00, 0xff, 0xfe, 0x00, 0xc0, 0xaf])), 'invalid UTF-8, old format');
      // Truncated, extended, garbage, overlong.
      await refused(r, good.slice(0, -1), 'one character short');
      await refused(r, good.slice(0, -6), 'truncated');
      await refused(r, good.slice(0, 12), 'a prefix');
      await refused(r, `${good}A`, 'one character more');
      await refused(r, 'garbage!!', 'garbage');
      await refused(r, 'A'.repeat(2000), 'overlong');
      // Bit-flipped: in the version, the fields and the tag.
      for (const at of [0, 3, Math.floor(raw.length / 2), raw.length - 1]) {
        const flipped = Buffer.from(raw);
        flipped[at] ^= 0x10;
        await refused(r, b64(flipped), `bit flipped at byte ${at}`);
      }
      // A cursor of another query (another shape, route or caller).
      const elsewhere = await A.get(withCursor(r.otherQuery.path), { token: r.otherQuery.token });
      expectStatus(elsewhere, 200, `${r.name}: the other query`);
      assert.ok(elsewhere.body.nextCursor, `${r.name}: the other query has a next page: ${elsewhere.text}`);
      await refused(r, elsewhere.body.nextCursor, 'a cursor of another query');
      const back = await A.get(withCursor(r.otherQuery.path, good), { token: r.otherQuery.token });
      assertFieldError(back, 'cursor', 'INVALID_CURSOR', `${r.name}: its cursor on the other query`);
      // And the good one still works.
      expectStatus(await A.get(withCursor(r.path, good), { token: r.token }), 200, `${r.name}: the good cursor`);
    });
  }

  it('a cursor from one paginated route is refused on every other', async () => {
    const rs = routes();
    const cursors = await Promise.all(rs.map(firstCursor));
    for (const [i, r] of rs.entries()) {
      for (const [j, c] of cursors.entries()) if (i !== j) await refused(r, c, `cursor of ${rs[j].name}`);
    }
  });

  it('a second process with the same keys accepts the first one\'s cursors', async () => {
    const second = await startServer({ sameDatabaseAs: srv });
    try {
      const r = routes()[0];
      const cursor = await firstCursor(r);
      const res = await api(second.base).get(withCursor(r.path, cursor), { token: r.token });
      expectStatus(res, 200, 'the cursor on the second process');
      assert.equal(res.body.items.length, 1);
    } finally {
      await second.stop();
    }
  });
});
