// Help tasks (API.md "Help tasks", docs/tasks.md): create, read, edit, and the caller's own
// tasks (GET /users/me/tasks). The lifecycle, search and privacy live in the sibling files
// tasks_lifecycle / tasks_search / tasks_privacy.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  startServer, api, registerUser, assertProblem, assertFieldError, expectStatus,
  UUID_RE, ISO_MS_Z_RE,
} from './harness.mjs';

let srv;
let A;

before(async () => {
  srv = await startServer();
  A = api(srv.base);
});

after(async () => {
  await srv?.stop();
});

const TASK_KEYS = [
  'category', 'completedAt', 'createdAt', 'creatorId', 'description', 'helperId', 'id', 'imageUrls',
  'location', 'pointsReward', 'projectId', 'status', 'title', 'updatedAt',
];
const CATEGORIES = ['shopping', 'transport', 'garden', 'repairs', 'tech_help', 'pets', 'company', 'other'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function taskBody(over = {}) {
  return {
    title: 'Carry shopping upstairs',
    description: 'Third floor, no lift',
    category: 'shopping',
    location: { lat: 52.52, lng: 13.405 },
    pointsReward: 20,
    ...over,
  };
}

async function createTask(token, over = {}) {
  const res = await A.post('/tasks', { token, body: taskBody(over) });
  expectStatus(res, 201, 'POST /tasks');
  return res.body;
}

async function getTask(token, id) {
  const res = await A.get(`/tasks/${id}`, { token });
  expectStatus(res, 200, `GET /tasks/${id}`);
  return res.body;
}

// Moves a fresh task of `creator` to `assigned` with `helper` as its helper.
async function assign(creator, helper, task) {
  const app = await A.post(`/tasks/${task.id}/applications`, { token: helper.accessToken, body: { message: 'I can help' } });
  expectStatus(app, 201, 'apply');
  const acc = await A.post(`/tasks/${task.id}/applications/${app.body.id}/accept`, { token: creator.accessToken });
  expectStatus(acc, 200, 'accept');
  return acc.body;
}

function near(a, b, eps = 1e-9) {
  return Math.abs(a - b) < eps;
}

function assertTaskShape(t, what = 'task') {
  assert.deepEqual(Object.keys(t).sort(), TASK_KEYS, `${what}: keys of ${JSON.stringify(t)}`);
  assert.match(t.id, UUID_RE, `${what}: id`);
  assert.match(t.creatorId, UUID_RE, `${what}: creatorId`);
  assert.ok(CATEGORIES.includes(t.category), `${what}: category ${t.category}`);
  assert.equal(typeof t.location?.lat, 'number', `${what}: location.lat`);
  assert.equal(typeof t.location?.lng, 'number', `${what}: location.lng`);
  assert.ok(Number.isInteger(t.pointsReward), `${what}: pointsReward`);
  assert.ok(Array.isArray(t.imageUrls), `${what}: imageUrls`);
  assert.match(t.createdAt, ISO_MS_Z_RE, `${what}: createdAt`);
  assert.match(t.updatedAt, ISO_MS_Z_RE, `${what}: updatedAt`);
}

describe('POST /tasks', { concurrency: true }, () => {
  let u;
  before(async () => {
    u = await registerUser(srv.base);
  });

  it('creates an open task: 201 with the full task shape', async () => {
    const before = Date.now();
    const res = await A.post('/tasks', { token: u.accessToken, body: taskBody() });
    expectStatus(res, 201, 'POST /tasks');
    assert.match(res.headers.get('content-type') || '', /^application\/json\b/i);
    const t = res.body;
    assertTaskShape(t, 'created task');
    assert.equal(t.creatorId, u.user.id);
    assert.equal(t.helperId, null);
    assert.equal(t.projectId, null);
    assert.equal(t.title, 'Carry shopping upstairs');
    assert.equal(t.description, 'Third floor, no lift');
    assert.equal(t.category, 'shopping');
    assert.ok(near(t.location.lat, 52.52) && near(t.location.lng, 13.405), `the creator sees the true location: ${JSON.stringify(t.location)}`);
    assert.equal(t.pointsReward, 20);
    assert.equal(t.status, 'open');
    assert.deepEqual(t.imageUrls, []);
    assert.equal(t.completedAt, null);
    assert.ok(!('distanceMeters' in t), 'distanceMeters only in search results');
    const created = Date.parse(t.createdAt);
    assert.ok(created >= before - 5000 && created <= Date.now() + 5000, `createdAt is now: ${t.createdAt}`);
    const loc = res.headers.get('location');
    if (loc) assert.ok(loc.endsWith(`/tasks/${t.id}`), `Location header ${loc}`);
    // It can be read back unchanged.
    assert.deepEqual(await getTask(u.accessToken, t.id), t);
  });

  it('accepts every category, the limits, image URLs and /media paths', async () => {
    for (const category of CATEGORIES) {
      const t = await createTask(u.accessToken, { category });
      assert.equal(t.category, category);
    }
    const title = 'é'.repeat(120); // characters, not bytes
    const imageUrls = [
      'https://cdn.example.test/a.jpg', 'http://example.test/b.png', '/media/0f1e2d3c.webp',
      `https://cdn.example.test/${'x'.repeat(2048 - 'https://cdn.example.test/'.length)}`,
      ...Array.from({ length: 6 }, (_, i) => `https://cdn.example.test/${i}.jpg`),
    ];
    assert.equal(imageUrls.length, 10);
    const t = await createTask(u.accessToken, {
      title, description: 'd'.repeat(2000), pointsReward: 500, imageUrls,
      location: { lat: -90, lng: 180 },
    });
    assert.equal(t.title, title);
    assert.equal(t.description.length, 2000);
    assert.equal(t.pointsReward, 500);
    assert.deepEqual(t.imageUrls, imageUrls);
    const low = await createTask(u.accessToken, { pointsReward: 1, description: '', location: { lat: 90, lng: -180 } });
    assert.equal(low.pointsReward, 1);
    assert.equal(low.description, '');
  });

  it('accepts a task without a description', async () => {
    const body = taskBody();
    delete body.description;
    const res = await A.post('/tasks', { token: u.accessToken, body });
    expectStatus(res, 201, 'no description');
    assert.ok(res.body.description === '' || res.body.description === null, `description: ${res.text}`);
  });

  const invalid = [
    ['missing title', (b) => { delete b.title; }, 'title'],
    ['an empty title', (b) => { b.title = ''; }, 'title'],
    ['a whitespace-only title', (b) => { b.title = '   \t '; }, 'title'],
    ['a title of 121 characters', (b) => { b.title = 't'.repeat(121); }, 'title'],
    ['a numeric title', (b) => { b.title = 42; }, 'title'],
    ['a description of 2001 characters', (b) => { b.description = 'd'.repeat(2001); }, 'description'],
    ['missing location', (b) => { delete b.location; }, 'location'],
    ['a null location', (b) => { b.location = null; }, 'location'],
    ['lat 91', (b) => { b.location = { lat: 91, lng: 0 }; }, 'location'],
    ['lat -90.5', (b) => { b.location = { lat: -90.5, lng: 0 }; }, 'location'],
    ['lng 181', (b) => { b.location = { lat: 0, lng: 181 }; }, 'location'],
    ['lat as a string', (b) => { b.location = { lat: '52.5', lng: 13.4 }; }, 'location'],
    ['missing category', (b) => { delete b.category; }, 'category'],
    ['an unknown category', (b) => { b.category = 'babysitting'; }, 'category'],
    ['an upper-case category', (b) => { b.category = 'SHOPPING'; }, 'category'],
    ['pointsReward 0', (b) => { b.pointsReward = 0; }, 'pointsReward'],
    ['pointsReward -5', (b) => { b.pointsReward = -5; }, 'pointsReward'],
    ['pointsReward 501', (b) => { b.pointsReward = 501; }, 'pointsReward'],
    ['pointsReward 1.5', (b) => { b.pointsReward = 1.5; }, 'pointsReward'],
    ['pointsReward "10"', (b) => { b.pointsReward = '10'; }, 'pointsReward'],
    ['11 imageUrls', (b) => { b.imageUrls = Array.from({ length: 11 }, (_, i) => `https://cdn.example.test/${i}.jpg`); }, 'imageUrls'],
    ['a javascript: image URL', (b) => { b.imageUrls = ['javascript:alert(1)']; }, 'imageUrls'],
    ['a data: image URL', (b) => { b.imageUrls = ['data:image/png;base64,AAAA']; }, 'imageUrls'],
    ['an ftp image URL', (b) => { b.imageUrls = ['ftp://example.test/a.jpg']; }, 'imageUrls'],
    ['an image URL of 2049 characters', (b) => { b.imageUrls = [`https://cdn.example.test/${'x'.repeat(2049 - 25)}`]; }, 'imageUrls'],
    ['a non-string image URL', (b) => { b.imageUrls = [42]; }, 'imageUrls'],
    ['imageUrls not an array', (b) => { b.imageUrls = 'https://cdn.example.test/a.jpg'; }, 'imageUrls'],
    ['an unknown field', (b) => { b.priority = 'high'; }, 'priority'],
    ['a status of its own choosing', (b) => { b.status = 'completed'; }, 'status'],
    ['a helperId', (b) => { b.helperId = randomUUID(); }, 'helperId'],
    ['a projectId that is not one of the caller\'s projects', (b) => { b.projectId = randomUUID(); }, 'projectId'],
    ['a projectId that is not a UUID', (b) => { b.projectId = 'project-1'; }, 'projectId'],
  ];
  for (const [name, mutate, field] of invalid) {
    it(`rejects ${name} with 400 naming ${field}`, async () => {
      const body = taskBody({ title: `invalid ${name}` });
      mutate(body);
      const res = await A.post('/tasks', { token: u.accessToken, body });
      if (field === 'location') {
        // A nested location error may name location, location.lat or location.lng.
        const b = assertProblem(res, 400, 'VALIDATION_FAILED', name);
        assert.ok(b.errors?.some((e) => /location/.test(e.field)), `${name}: errors[] names location: ${res.text}`);
      } else if (field === 'imageUrls') {
        const b = assertProblem(res, 400, 'VALIDATION_FAILED', name);
        assert.ok(b.errors?.some((e) => /imageUrls/.test(e.field)), `${name}: errors[] names imageUrls: ${res.text}`);
      } else {
        assertFieldError(res, field, 'VALIDATION_FAILED', name);
      }
    });
  }

  it('rejects a body that is not a JSON object', async () => {
    assertProblem(await A.post('/tasks', { token: u.accessToken, body: [taskBody()] }), 400, undefined, 'array body');
    assertProblem(await A.post('/tasks', {
      token: u.accessToken, rawBody: '{"title": ', headers: { 'content-type': 'application/json' },
    }), 400, undefined, 'truncated JSON');
  });

  it('creates nothing on a 400', async () => {
    const v = await registerUser(srv.base);
    assertProblem(await A.post('/tasks', { token: v.accessToken, body: taskBody({ pointsReward: 0 }) }), 400);
    const mine = await A.get('/users/me/tasks?role=creator', { token: v.accessToken });
    expectStatus(mine, 200, 'own tasks');
    assert.deepEqual(mine.body.items, []);
  });

  it('requires a bearer token (401)', async () => {
    assertProblem(await A.post('/tasks', { body: taskBody() }), 401, 'UNAUTHENTICATED', 'POST /tasks without bearer');
    assertProblem(await A.post('/tasks', { token: 'not.a.jwt', body: taskBody() }), 401, undefined, 'garbage bearer');
  });
});

describe('GET /tasks/{id}', { concurrency: true }, () => {
  let creator;
  let other;
  before(async () => {
    [creator, other] = await Promise.all([registerUser(srv.base), registerUser(srv.base)]);
  });

  it('200 for the creator, with the true location', async () => {
    const t = await createTask(creator.accessToken, { location: { lat: 48.137154, lng: 11.576124 } });
    const got = await getTask(creator.accessToken, t.id);
    assertTaskShape(got);
    assert.deepEqual(got, t);
    assert.equal(got.location.lat, 48.137154);
    assert.equal(got.location.lng, 11.576124);
  });

  it('200 for another user while open', async () => {
    const t = await createTask(creator.accessToken);
    const got = await getTask(other.accessToken, t.id);
    assertTaskShape(got);
    assert.equal(got.id, t.id);
    assert.equal(got.title, t.title);
    assert.equal(got.status, 'open');
  });

  for (const bad of ['not-a-uuid', '12345', 'ffffffff-ffff-ffff-ffff-fffffffffffg']) {
    it(`non-UUID id ${bad} → 400 INVALID_ID`, async () => {
      assertProblem(await A.get(`/tasks/${bad}`, { token: creator.accessToken }), 400, 'INVALID_ID', bad);
    });
  }

  it('unknown UUID → 404 TASK_NOT_FOUND', async () => {
    assertProblem(await A.get(`/tasks/${randomUUID()}`, { token: creator.accessToken }), 404, 'TASK_NOT_FOUND');
  });

  it('requires a bearer token', async () => {
    const t = await createTask(creator.accessToken);
    assertProblem(await A.get(`/tasks/${t.id}`), 401, 'UNAUTHENTICATED');
  });
});

describe('PATCH /tasks/{id}', { concurrency: true }, () => {
  let creator;
  let other;
  before(async () => {
    [creator, other] = await Promise.all([registerUser(srv.base), registerUser(srv.base)]);
  });

  it('the creator edits an open task: 200, fields changed, updatedAt moves', async () => {
    const t = await createTask(creator.accessToken);
    await sleep(20);
    const change = {
      title: 'Walk the dog',
      description: 'A big friendly one',
      category: 'pets',
      location: { lat: 40.4168, lng: -3.7038 },
      pointsReward: 35,
      imageUrls: ['https://cdn.example.test/dog.jpg'],
    };
    const res = await A.patch(`/tasks/${t.id}`, { token: creator.accessToken, body: change });
    expectStatus(res, 200, 'PATCH');
    const p = res.body;
    assertTaskShape(p);
    assert.equal(p.id, t.id);
    assert.equal(p.title, change.title);
    assert.equal(p.description, change.description);
    assert.equal(p.category, 'pets');
    assert.ok(near(p.location.lat, 40.4168) && near(p.location.lng, -3.7038), JSON.stringify(p.location));
    assert.equal(p.pointsReward, 35);
    assert.deepEqual(p.imageUrls, change.imageUrls);
    assert.equal(p.status, 'open');
    assert.equal(p.createdAt, t.createdAt);
    assert.equal(p.creatorId, creator.user.id);
    assert.ok(Date.parse(p.updatedAt) > Date.parse(t.updatedAt), `updatedAt moves: ${t.updatedAt} → ${p.updatedAt}`);
    assert.deepEqual(await getTask(creator.accessToken, t.id), p, 'GET shows the edit');
  });

  it('a subset leaves the other fields alone', async () => {
    const t = await createTask(creator.accessToken, { imageUrls: ['/media/abc.jpg'] });
    const res = await A.patch(`/tasks/${t.id}`, { token: creator.accessToken, body: { pointsReward: 99 } });
    expectStatus(res, 200, 'PATCH pointsReward');
    assert.deepEqual({ ...res.body, updatedAt: undefined }, { ...t, pointsReward: 99, updatedAt: undefined });
  });

  it('validates like create and changes nothing on a 400', async () => {
    const t = await createTask(creator.accessToken);
    const cases = [
      [{ title: 't'.repeat(121) }, 'title'],
      [{ title: '' }, 'title'],
      [{ category: 'nope' }, 'category'],
      [{ pointsReward: 501 }, 'pointsReward'],
      [{ pointsReward: 0 }, 'pointsReward'],
      [{ imageUrls: ['javascript:alert(1)'] }, 'imageUrls'],
      [{ status: 'completed' }, 'status'],
      [{ helperId: other.user.id }, 'helperId'],
      [{ creatorId: other.user.id }, 'creatorId'],
      [{ unknownThing: 1 }, 'unknownThing'],
    ];
    for (const [body, field] of cases) {
      const res = await A.patch(`/tasks/${t.id}`, { token: creator.accessToken, body: { title: 'Should not stick', ...body } });
      if (field === 'imageUrls') {
        const b = assertProblem(res, 400, 'VALIDATION_FAILED', JSON.stringify(body));
        assert.ok(b.errors?.some((e) => /imageUrls/.test(e.field)), res.text);
      } else {
        assertFieldError(res, field, 'VALIDATION_FAILED', JSON.stringify(body));
      }
    }
    const lat = await A.patch(`/tasks/${t.id}`, { token: creator.accessToken, body: { location: { lat: 91, lng: 0 } } });
    const b = assertProblem(lat, 400, 'VALIDATION_FAILED', 'lat 91');
    assert.ok(b.errors?.some((e) => /location/.test(e.field)), lat.text);
    assert.deepEqual(await getTask(creator.accessToken, t.id), t, 'unchanged after the 400s');
  });

  it('another user → 403 FORBIDDEN, nothing changed', async () => {
    const t = await createTask(creator.accessToken);
    assertProblem(await A.patch(`/tasks/${t.id}`, { token: other.accessToken, body: { title: 'Hijacked' } }), 403, 'FORBIDDEN');
    assert.equal((await getTask(creator.accessToken, t.id)).title, t.title);
  });

  it('after accept → 409 TASK_NOT_OPEN with currentStatus "assigned"', async () => {
    const helper = await registerUser(srv.base);
    const t = await createTask(creator.accessToken);
    await assign(creator, helper, t);
    const res = await A.patch(`/tasks/${t.id}`, { token: creator.accessToken, body: { title: 'Too late' } });
    const b = assertProblem(res, 409, 'TASK_NOT_OPEN', 'PATCH assigned');
    assert.equal(b.currentStatus, 'assigned');
    assert.equal((await getTask(creator.accessToken, t.id)).title, t.title);
    const c = await createTask(creator.accessToken);
    expectStatus(await A.post(`/tasks/${c.id}/cancel`, { token: creator.accessToken }), 200, 'cancel');
    const b2 = assertProblem(await A.patch(`/tasks/${c.id}`, { token: creator.accessToken, body: { title: 'Too late' } }), 409, 'TASK_NOT_OPEN', 'PATCH cancelled');
    assert.equal(b2.currentStatus, 'cancelled');
  });

  it('non-UUID id → 400 INVALID_ID, unknown id → 404 TASK_NOT_FOUND, no token → 401', async () => {
    assertProblem(await A.patch('/tasks/nope', { token: creator.accessToken, body: { title: 'x' } }), 400, 'INVALID_ID');
    assertProblem(await A.patch(`/tasks/${randomUUID()}`, { token: creator.accessToken, body: { title: 'x' } }), 404, 'TASK_NOT_FOUND');
    const t = await createTask(creator.accessToken);
    assertProblem(await A.patch(`/tasks/${t.id}`, { body: { title: 'x' } }), 401, 'UNAUTHENTICATED');
  });
});

describe('GET /users/me/tasks', { concurrency: true }, () => {
  async function myTasks(token, query) {
    const res = await A.get(`/users/me/tasks${query ? `?${query}` : ''}`, { token });
    expectStatus(res, 200, `GET /users/me/tasks?${query}`);
    assert.ok(Array.isArray(res.body.items), res.text);
    assert.ok('nextCursor' in res.body, res.text);
    return res.body;
  }
  const ids = (page) => page.items.map((t) => t.id);

  it('role=creator, role=helper, no role, and status filters return the right tasks', async () => {
    const [alice, bob, carol] = await Promise.all([registerUser(srv.base), registerUser(srv.base), registerUser(srv.base)]);
    const a1 = await createTask(alice.accessToken, { title: 'a1' });
    await sleep(5);
    const a2 = await createTask(alice.accessToken, { title: 'a2' });
    await sleep(5);
    const b1 = await createTask(bob.accessToken, { title: 'b1' });
    await sleep(5);
    const c1 = await createTask(carol.accessToken, { title: 'c1' }); // Alice only applies, never helps
    await assign(alice, bob, a2); // bob helps alice with a2
    await assign(bob, alice, b1); // alice helps bob with b1
    const app = await A.post(`/tasks/${c1.id}/applications`, { token: alice.accessToken, body: { message: 'me?' } });
    expectStatus(app, 201, 'apply c1');

    assert.deepEqual(ids(await myTasks(alice.accessToken, 'role=creator')), [a2.id, a1.id], 'creator, newest first');
    assert.deepEqual(ids(await myTasks(alice.accessToken, 'role=helper')), [b1.id], 'helper');
    assert.deepEqual(new Set(ids(await myTasks(alice.accessToken, ''))), new Set([a1.id, a2.id, b1.id]), 'no role: created or helping');
    assert.deepEqual(ids(await myTasks(alice.accessToken, 'role=creator&status=open')), [a1.id], 'creator + open');
    assert.deepEqual(ids(await myTasks(alice.accessToken, 'role=creator&status=assigned')), [a2.id], 'creator + assigned');
    assert.deepEqual(ids(await myTasks(alice.accessToken, 'role=helper&status=assigned')), [b1.id], 'helper + assigned');
    assert.deepEqual(ids(await myTasks(alice.accessToken, 'role=helper&status=open')), [], 'helper + open');
    assert.deepEqual(ids(await myTasks(alice.accessToken, 'role=creator&status=completed')), [], 'creator + completed');
    assert.deepEqual(ids(await myTasks(bob.accessToken, 'role=helper')), [a2.id]);
    // The creator and the helper see the true location of their tasks here.
    const mine = await myTasks(alice.accessToken, 'role=helper');
    assert.deepEqual(mine.items[0].location, b1.location);
    assertTaskShape(mine.items[0]);
  });

  it('paginates with nextCursor: limit 2 over 5 tasks gives 3 pages, no duplicates', async () => {
    const u = await registerUser(srv.base);
    const created = [];
    for (let i = 0; i < 5; i++) {
      created.push((await createTask(u.accessToken, { title: `page task ${i}` })).id);
      await sleep(3);
    }
    const seen = [];
    let cursor = null;
    let pages = 0;
    do {
      const q = `role=creator&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await myTasks(u.accessToken, q);
      pages++;
      assert.ok(page.items.length <= 2, `page size ${page.items.length}`);
      seen.push(...ids(page));
      cursor = page.nextCursor;
      assert.ok(pages <= 5, 'pagination terminates');
    } while (cursor);
    assert.equal(pages, 3, 'three pages');
    assert.equal(new Set(seen).size, seen.length, `no duplicates: ${seen}`);
    assert.deepEqual(seen, [...created].reverse(), 'all five, newest first');
  });

  it('rejects role=foo, status=foo, limit=0 and limit=101 with 400', async () => {
    const u = await registerUser(srv.base);
    assertFieldError(await A.get('/users/me/tasks?role=foo', { token: u.accessToken }), 'role', 'VALIDATION_FAILED', 'role=foo');
    assertFieldError(await A.get('/users/me/tasks?status=foo', { token: u.accessToken }), 'status', 'VALIDATION_FAILED', 'status=foo');
    assertFieldError(await A.get('/users/me/tasks?limit=0', { token: u.accessToken }), 'limit', 'VALIDATION_FAILED', 'limit=0');
    assertFieldError(await A.get('/users/me/tasks?limit=101', { token: u.accessToken }), 'limit', 'VALIDATION_FAILED', 'limit=101');
    assertFieldError(await A.get('/users/me/tasks?cursor=garbage!!', { token: u.accessToken }), 'cursor', 'INVALID_CURSOR', 'garbage cursor');
  });

  it('requires a bearer token', async () => {
    assertProblem(await A.get('/users/me/tasks'), 401, 'UNAUTHENTICATED');
  });
});
