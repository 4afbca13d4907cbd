// Notifications (API.md "Notifications, live updates, push", docs/notifications.md): every
// row of the table becomes exactly the notifications it names, in the recipient's language,
// through whole lifecycles; the feed's read state, counts and cursors; locale on the profile;
// the feed in the data export and erasure; and `notifications` as a read-only table of sync
// schema version 2 that version 1 clients never see.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import {
  startServer, api, registerUser, createAdmin, expectStatus, assertProblem, assertFieldError,
  uniqueEmail, PASSWORD, ISO_MS_Z_RE,
} from './harness.mjs';
import { newDevice, schemaV2 } from './watermelon.mjs';

const execFileP = promisify(execFile);

let srv;
let A;
let admin;

before(async () => {
  srv = await startServer();
  A = api(srv.base);
  admin = await createAdmin(srv);
});

after(async () => {
  await srv?.stop();
});

async function register(acceptLanguage) {
  const headers = acceptLanguage === undefined ? {} : { 'accept-language': acceptLanguage };
  const email = uniqueEmail('n');
  const res = await A.post('/auth/register', { body: { email, password: PASSWORD, name: 'N' }, headers });
  expectStatus(res, 201, `register (${acceptLanguage})`);
  return { user: res.body.user, accessToken: res.body.accessToken, email };
}

const DATA_KEYS = new Set(['taskId', 'applicationId', 'redemptionId', 'points', 'reason']);

// The whole feed of a user, newest first, checked for shape on the way.
async function feed(u) {
  const res = await A.get('/notifications?limit=100', { token: u.accessToken });
  expectStatus(res, 200, 'GET /notifications');
  assert.equal(res.body.nextCursor, null, 'the test feeds fit in one page');
  for (const n of res.body.items) {
    assert.deepEqual(Object.keys(n).sort(), ['body', 'createdAt', 'data', 'id', 'readAt', 'title', 'type']);
    assert.match(n.createdAt, ISO_MS_Z_RE);
    assert.ok(n.title.length > 0 && n.body.length > 0, 'rendered text');
    assert.ok(!/[{}]/.test(n.title + n.body), `placeholders filled: ${n.title} / ${n.body}`);
    for (const k of Object.keys(n.data)) assert.ok(DATA_KEYS.has(k), `data.${k} is allowed (no location, no email)`);
    assert.ok(!JSON.stringify(n).includes('@'), 'no email anywhere');
  }
  return res.body.items;
}

// A user's whole feed as [type, data] pairs in a canonical order, to compare with what the
// table says they must find (order is the cursor test's concern: the rows one event writes
// share a millisecond, and requests may too).
const sortedKeys = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
const canon = (pairs) => pairs.map(([type, data]) => JSON.stringify([type, sortedKeys(data)])).sort();
async function told(u) {
  return canon((await feed(u)).map((n) => [n.type, n.data]));
}
async function types(u) {
  return (await feed(u)).map((n) => n.type).sort();
}

async function newTask(creator, over = {}) {
  const res = await A.post('/tasks', {
    token: creator.accessToken,
    body: {
      title: 'Fix the bike', description: 'Flat tyre', category: 'repairs',
      location: { lat: 48.137, lng: 11.575 }, pointsReward: 25, ...over,
    },
  });
  expectStatus(res, 201, 'create task');
  return res.body;
}

async function apply(task, u) {
  const res = await A.post(`/tasks/${task.id}/applications`, { token: u.accessToken, body: { message: 'me' } });
  expectStatus(res, 201, 'apply');
  return res.body;
}

async function act(task, u, action, body) {
  const res = await A.post(`/tasks/${task.id}/${action}`, { token: u.accessToken, body });
  expectStatus(res, 200, action);
  return res.body;
}

async function accept(task, creator, app) {
  const res = await A.post(`/tasks/${task.id}/applications/${app.id}/accept`, { token: creator.accessToken });
  expectStatus(res, 200, 'accept');
}

// Runs a query on the server's database behind its back and returns its first value.
async function sqlValue(sql) {
  if (srv.dbUrl.startsWith('sqlite:')) {
    const { stdout } = await execFileP('sqlite3', ['-cmd', '.timeout 10000', srv.dbUrl.slice('sqlite:'.length), sql]);
    return stdout.trim();
  }
  const { stdout } = await execFileP('psql', [srv.dbUrl, '-At', '-c', sql]);
  return stdout.trim();
}

describe('who is told of what', { concurrency: true }, () => {
  it('apply, accept, start, withdraw, re-accept, complete, reject with its reason, confirm', async () => {
    const [c, h1, h2, h3] = await Promise.all([register(), register(), register(), register()]);
    const task = await newTask(c);
    const a1 = await apply(task, h1);
    const a2 = await apply(task, h2);
    await accept(task, c, a1);
    await act(task, h1, 'start');
    await act(task, h1, 'withdraw');  // a2 is pending again; a1 withdrawn
    const a3 = await apply(task, h3);
    await accept(task, c, a2);        // a3 declined
    await act(task, h2, 'start');
    await act(task, h2, 'complete');
    await act(task, c, 'reject', { reason: 'The chain is still loose' });
    await act(task, h2, 'complete');
    await act(task, c, 'confirm');
    const t = { taskId: task.id };
    assert.deepEqual(await told(c), canon([
      ['application_received', { ...t, applicationId: a1.id }],
      ['application_received', { ...t, applicationId: a2.id }],
      ['task_started', t],
      ['task_withdrawn', t],
      ['application_received', { ...t, applicationId: a3.id }],
      ['task_started', t],
      ['task_completed', t],
      ['task_completed', t],
    ]));
    assert.deepEqual(await told(h1), canon([['application_accepted', { ...t, applicationId: a1.id }]]));
    assert.deepEqual(await told(h2), canon([
      ['application_declined', { ...t, applicationId: a2.id }],
      ['application_accepted', { ...t, applicationId: a2.id }],
      ['task_rejected', { ...t, reason: 'The chain is still loose' }],
      ['task_confirmed', { ...t, points: 25 }],
    ]));
    assert.deepEqual(await told(h3), canon([['application_declined', { ...t, applicationId: a3.id }]]));
    const [confirmed] = await feed(h2);
    assert.match(confirmed.title, /25/, 'the points are in the text');
    assert.match((await feed(h2))[1].body, /The chain is still loose/, 'the reason is in the text');
  });

  it('a cancel tells every live applicant (declined and cancelled), not the creator or a former helper', async () => {
    const [c, a, b, d] = await Promise.all([register(), register(), register(), register()]);
    const task = await newTask(c);
    const appA = await apply(task, a);
    const appB = await apply(task, b);
    const appD = await apply(task, d);
    await accept(task, c, appA);
    await act(task, a, 'withdraw');
    await act(task, c, 'cancel');
    const t = { taskId: task.id };
    assert.deepEqual(await types(c),
      ['application_received', 'application_received', 'application_received', 'task_withdrawn'].sort());
    assert.deepEqual(await told(a), canon([['application_accepted', { ...t, applicationId: appA.id }]]));
    for (const [u, app] of [[b, appB], [d, appD]]) {
      assert.deepEqual(await told(u), canon([
        ['application_declined', { ...t, applicationId: app.id }],
        ['application_declined', { ...t, applicationId: app.id }],
        ['task_cancelled', t],
      ]));
    }
  });

  it("an admin's take-down tells the creator, the helper and pending applicants", async () => {
    const [c, h, x, p] = await Promise.all([register(), register(), register(), register()]);
    const task = await newTask(c);
    const appH = await apply(task, h);
    const appX = await apply(task, x);
    await accept(task, c, appH);  // x declined
    await act(task, h, 'start');
    expectStatus(await A.post(`/admin/tasks/${task.id}/deactivate`, { token: admin.accessToken }), 200, 'deactivate');
    const t = { taskId: task.id };
    assert.deepEqual(await types(c),
      ['application_received', 'application_received', 'task_started', 'task_cancelled'].sort());
    assert.deepEqual(await told(h), canon([['application_accepted', { ...t, applicationId: appH.id }], ['task_cancelled', t]]));
    assert.deepEqual(await told(x), canon([['application_declined', { ...t, applicationId: appX.id }]]));
    // An open task taken down: its pending applicants are declined and told it is cancelled.
    const open = await newTask(c);
    const appP = await apply(open, p);
    expectStatus(await A.post(`/admin/tasks/${open.id}/deactivate`, { token: admin.accessToken }), 200, 'deactivate open');
    assert.deepEqual(await told(p), canon([
      ['application_declined', { taskId: open.id, applicationId: appP.id }],
      ['task_cancelled', { taskId: open.id }],
    ]));
  });

  it("admin adjustments and refunds tell the user; the user's own redemption does not", async () => {
    const u = await register();
    const give = async (amount, reason) => expectStatus(await A.post(`/admin/users/${u.user.id}/points`, {
      token: admin.accessToken, body: { amount, reason },
    }), 201, 'adjust');
    await give(50, 'Welcome bonus');
    const partner = await A.post('/admin/partners', { token: admin.accessToken, body: { name: 'Bakery' } });
    expectStatus(partner, 201, 'partner');
    const offer = await A.post(`/admin/partners/${partner.body.id}/offers`, {
      token: admin.accessToken, body: { title: 'Bread', pointsCost: 20, validDays: 30 },
    });
    expectStatus(offer, 201, 'offer');
    const r = await A.post('/redemptions', { token: u.accessToken, body: { offerId: offer.body.id } });
    expectStatus(r, 201, 'redeem');
    expectStatus(await A.post(`/admin/redemptions/${r.body.id}/refund`, {
      token: admin.accessToken, body: { reason: 'Shop closed' },
    }), 200, 'refund');
    await give(-10, 'Correction');
    assert.deepEqual(await told(u), canon([
      ['points_adjusted', { points: 50, reason: 'Welcome bonus' }],
      ['redemption_refunded', { redemptionId: r.body.id, points: 20, reason: 'Shop closed' }],
      ['points_adjusted', { points: -10, reason: 'Correction' }],
    ]));
    assert.deepEqual(await told(admin), [], 'the admin is told nothing');
  });

  it('a refused transition writes no notification', async () => {
    const [c, h] = await Promise.all([register(), register()]);
    const task = await newTask(c);
    const app = await apply(task, h);
    assertProblem(await A.post(`/tasks/${task.id}/applications`, { token: h.accessToken, body: { message: 'again' } }), 409, 'ALREADY_APPLIED');
    assertProblem(await A.post(`/tasks/${task.id}/start`, { token: h.accessToken }), 403);
    await accept(task, c, app);
    assertProblem(await A.post(`/tasks/${task.id}/confirm`, { token: c.accessToken }), 409, 'TASK_STATUS_CONFLICT');
    assert.deepEqual(await types(c), ['application_received']);
    assert.deepEqual(await types(h), ['application_accepted']);
  });
});

describe('language', { concurrency: true }, () => {
  it('registration takes the first supported language of Accept-Language by q-order', async () => {
    const cases = [
      [undefined, 'en'], ['de-DE,de;q=0.9,en;q=0.8', 'de'], ['fr, en;q=0.5', 'en'],
      ['en;q=0.5, de;q=0.8', 'de'], ['fr-FR, it', 'en'], ['de;q=0, en;q=0.1', 'en'], ['DE-at', 'de'],
      ['garbage;;;', 'en'],
    ];
    for (const [header, locale] of cases) {
      const u = await register(header);
      assert.equal(u.user.locale, locale, `Accept-Language ${header}`);
      assert.equal((await A.get('/users/me', { token: u.accessToken })).body.locale, locale);
    }
  });

  it('texts come in the recipient\'s language at the time, from the tables', async () => {
    const [c, de, en] = await Promise.all([register('de'), register('de-CH'), register('en-GB')]);
    const task = await newTask(c, { title: 'Einkauf tragen' });
    await apply(task, de);
    const [n] = await feed(c);
    assert.equal(n.title, 'Neue Bewerbung');
    assert.match(n.body, /„Einkauf tragen“/);
    expectStatus(await A.patch('/users/me', { token: c.accessToken, body: { locale: 'en' } }), 200, 'PATCH locale');
    await apply(task, en);
    const [m, old] = await feed(c);
    assert.equal(m.title, 'New application');
    assert.match(m.body, /“Einkauf tragen”/);
    assert.equal(old.title, 'Neue Bewerbung', 'earlier rows keep their text');
  });

  it('PATCH /users/me takes locale de or en and nothing else', async () => {
    const u = await register();
    const ok = await A.patch('/users/me', { token: u.accessToken, body: { locale: 'de' } });
    expectStatus(ok, 200, 'de');
    assert.equal(ok.body.locale, 'de');
    for (const bad of ['fr', 'DE', '', null, 5, ['de']]) {
      assertFieldError(await A.patch('/users/me', { token: u.accessToken, body: { locale: bad } }), 'locale', 'VALIDATION_FAILED', JSON.stringify(bad));
    }
    assert.equal((await A.get('/users/me', { token: u.accessToken })).body.locale, 'de');
  });
});

describe('the feed', { concurrency: true }, () => {
  it('read, read-all and unreadCount; another user\'s notification is 404', async () => {
    const [c, h1, h2, other] = await Promise.all([register(), register(), register(), register()]);
    const task = await newTask(c);
    await apply(task, h1);
    await apply(task, h2);
    let res = await A.get('/notifications', { token: c.accessToken });
    assert.equal(res.body.unreadCount, 2);
    const [second, first] = res.body.items;
    assert.equal(first.readAt, null);
    expectStatus(await A.post(`/notifications/${first.id}/read`, { token: c.accessToken }), 204, 'read');
    res = await A.get('/notifications', { token: c.accessToken });
    assert.equal(res.body.unreadCount, 1);
    const readAt = res.body.items[1].readAt;
    assert.match(readAt, ISO_MS_Z_RE);
    expectStatus(await A.post(`/notifications/${first.id}/read`, { token: c.accessToken }), 204, 'read again');
    assert.equal((await A.get('/notifications', { token: c.accessToken })).body.items[1].readAt, readAt, 'the first read counts');
    const unread = await A.get('/notifications?unread=true', { token: c.accessToken });
    assert.deepEqual(unread.body.items.map((n) => n.id), [second.id]);
    assert.equal((await A.get('/notifications?unread=false', { token: c.accessToken })).body.items.length, 2);
    assertProblem(await A.post(`/notifications/${second.id}/read`, { token: other.accessToken }), 404, 'NOTIFICATION_NOT_FOUND');
    assertProblem(await A.post(`/notifications/${randomUUID()}/read`, { token: c.accessToken }), 404, 'NOTIFICATION_NOT_FOUND');
    assertProblem(await A.post('/notifications/not-a-uuid/read', { token: c.accessToken }), 400, 'INVALID_ID');
    assertFieldError(await A.get('/notifications?unread=yes', { token: c.accessToken }), 'unread');
    assert.equal((await A.get('/notifications', { token: other.accessToken })).body.items.length, 0);
    expectStatus(await A.post('/notifications/read-all', { token: other.accessToken }), 204, 'read-all of another');
    assert.equal((await A.get('/notifications', { token: c.accessToken })).body.unreadCount, 1, "another's read-all changes nothing here");
    expectStatus(await A.post('/notifications/read-all', { token: c.accessToken }), 204, 'read-all');
    res = await A.get('/notifications?unread=true', { token: c.accessToken });
    assert.equal(res.body.unreadCount, 0);
    assert.equal(res.body.items.length, 0);
    assertProblem(await A.get('/notifications'), 401);
  });

  it('pages newest first with cursors bound to the list, the filter and the caller', async () => {
    const c = await register();
    const other = await register();
    const task = await newTask(c);
    for (let i = 0; i < 5; i++) await apply(task, await register());
    const seen = [];
    let cursor = '';
    let pages = 0;
    for (;;) {
      const res = await A.get(`/notifications?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: c.accessToken });
      expectStatus(res, 200, 'page');
      assert.equal(res.body.unreadCount, 5);
      seen.push(...res.body.items);
      pages += 1;
      if (!res.body.nextCursor) break;
      cursor = res.body.nextCursor;
    }
    assert.equal(pages, 3);
    assert.equal(new Set(seen.map((n) => n.id)).size, 5);
    const times = seen.map((n) => n.createdAt);
    assert.deepEqual([...times].sort().reverse(), times, 'newest first');
    const first = await A.get('/notifications?limit=2', { token: c.accessToken });
    const next = encodeURIComponent(first.body.nextCursor);
    assertProblem(await A.get(`/notifications?limit=2&cursor=${next}&unread=true`, { token: c.accessToken }), 400, 'INVALID_CURSOR');
    assertProblem(await A.get(`/notifications?limit=2&cursor=${next}`, { token: other.accessToken }), 400, 'INVALID_CURSOR');
    assertProblem(await A.get('/notifications?cursor=garbage', { token: c.accessToken }), 400, 'INVALID_CURSOR');
    assertFieldError(await A.get('/notifications?limit=101', { token: c.accessToken }), 'limit');
    assertFieldError(await A.get('/notifications?limit=0', { token: c.accessToken }), 'limit');
    assert.equal((await A.get('/notifications', { token: c.accessToken })).body.items.length, 5, 'default limit 20');
  });

  it('the export holds locale and the feed; erasure removes the feed', async () => {
    const [c, h] = await Promise.all([register('de'), register()]);
    const task = await newTask(c);
    await apply(task, h);
    const exp = await A.get('/users/me/export', { token: c.accessToken });
    expectStatus(exp, 200, 'export');
    assert.equal(exp.body.profile.locale, 'de');
    assert.deepEqual(exp.body.notifications.map((n) => n.type), ['application_received']);
    assert.equal(await sqlValue(`SELECT count(*) FROM notifications WHERE user_id = '${c.user.id}'`), '1');
    expectStatus(await A.del('/users/me', { token: c.accessToken }), 204, 'erase');
    assert.equal(await sqlValue(`SELECT count(*) FROM notifications WHERE user_id = '${c.user.id}'`), '0');
  });
});

describe('sync: notifications in schema version 2', { concurrency: true }, () => {
  const pull = async (u, q) => {
    const res = await A.get(`/sync/pull?${q}`, { token: u.accessToken });
    expectStatus(res, 200, `pull ${q}`);
    return res.body;
  };
  const migration = encodeURIComponent(JSON.stringify({ from: 1, tables: ['notifications'], columns: [] }));

  it('a version 1 client never receives the table; version 2 gets it, migrating from 1 gets it whole', async () => {
    const [c, h] = await Promise.all([register(), register()]);
    const task = await newTask(c);
    const app = await apply(task, h);
    const v1 = await pull(c, 'lastPulledAt=null&schemaVersion=1&migration=null');
    assert.deepEqual(Object.keys(v1.changes).sort(), ['offers', 'partners', 'point_transactions', 'projects', 'redemptions', 'tasks']);
    assert.equal(v1.changes.tasks.created.length, 1);
    assert.ok(!('notifications' in (await pull(c, 'lastPulledAt=null')).changes), 'no schemaVersion is version 1');
    await accept(task, c, app);
    const v1Next = await pull(c, `lastPulledAt=${v1.timestamp}&schemaVersion=1&migration=null`);
    assert.ok(!('notifications' in v1Next.changes));
    assert.equal(v1Next.changes.tasks.updated.length, 1, 'other tables as before');
    // The client migrates to version 2: the feed comes whole, other tables carry their changes.
    const v2 = await pull(c, `lastPulledAt=${v1Next.timestamp}&schemaVersion=2&migration=${migration}`);
    assert.equal(v2.changes.notifications.created.length, 1);
    assert.equal(v2.changes.tasks.created.length + v2.changes.tasks.updated.length, 0);
    const [raw] = v2.changes.notifications.created;
    assert.deepEqual(Object.keys(raw).sort(), ['body', 'created_at', 'data', 'id', 'read_at', 'task_id', 'title', 'type', 'user_id']);
    assert.equal(raw.type, 'application_received');
    assert.equal(raw.user_id, c.user.id);
    assert.equal(raw.task_id, task.id);
    assert.equal(typeof raw.created_at, 'number');
    assert.equal(raw.read_at, null);
    assert.deepEqual(JSON.parse(raw.data), { taskId: task.id, applicationId: app.id });
    // Then changes as usual: a read is an update.
    expectStatus(await A.post(`/notifications/${raw.id}/read`, { token: c.accessToken }), 204, 'read');
    const v2Next = await pull(c, `lastPulledAt=${v2.timestamp}&schemaVersion=2&migration=null`);
    assert.equal(v2Next.changes.notifications.updated.length, 1);
    assert.equal(typeof v2Next.changes.notifications.updated[0].read_at, 'number');
    // A first pull on version 2 gets everything; the helper sees only their own.
    const hv2 = await pull(h, 'lastPulledAt=null&schemaVersion=2&migration=null');
    assert.deepEqual(hv2.changes.notifications.created.map((n) => n.type), ['application_accepted']);
  });

  it('pushes to notifications are refused per record; bad versions and migrations are 400', async () => {
    const u = await register();
    const { timestamp } = await pull(u, 'lastPulledAt=null&schemaVersion=2');
    const id = randomUUID();
    const res = await A.post(`/sync/push?lastPulledAt=${timestamp}`, {
      token: u.accessToken,
      body: { changes: { notifications: { created: [{ id, user_id: u.user.id, type: 'task_started', title: 'x', body: 'y', data: '{}', task_id: null, created_at: 1, read_at: null }], updated: [], deleted: [] } } },
    });
    expectStatus(res, 200, 'push');
    assert.deepEqual(res.body, { experimentalRejectedIds: { notifications: [id] } });
    assert.equal((await feed(u)).length, 0);
    const bad = [
      'schemaVersion=3', 'schemaVersion=0', 'schemaVersion=two', 'schemaVersion=2.0',
      `schemaVersion=1&migration=${migration}`,
      `schemaVersion=2&migration=${encodeURIComponent('{"tables":["notifications"]}')}`,
      `schemaVersion=2&migration=${encodeURIComponent('{"from":2,"tables":[],"columns":[]}')}`,
      `schemaVersion=2&migration=${encodeURIComponent('{"from":1,"tables":"notifications","columns":[]}')}`,
      `schemaVersion=2&migration=${encodeURIComponent('{"from":1,"tables":[],"columns":[{"table":"tasks"}]}')}`,
    ];
    for (const q of bad) {
      assertProblem(await A.get(`/sync/pull?lastPulledAt=${timestamp}&${q}`, { token: u.accessToken }), 400, 'VALIDATION_FAILED', q);
    }
  });

  it('a WatermelonDB device updated from schema 1 to 2 receives the feed whole, then its changes', async () => {
    const [c, h] = await Promise.all([register(), register()]);
    const task = await newTask(c);
    await apply(task, h);
    const d = newDevice(srv.base, c);
    await d.sync();
    assert.equal((await d.rows('tasks')).length, 1);
    await apply(task, await register());  // while the device is still on version 1
    await d.sync();
    assert.equal(d.lastPull.changes.notifications, undefined, 'version 1 pulls carry no feed');
    await d.upgrade(schemaV2);
    await d.sync();
    assert.equal(d.lastPull.changes.notifications.created.length, 2, 'the whole feed, older rows included');
    assert.equal(d.lastPull.changes.tasks.created.length + d.lastPull.changes.tasks.updated.length, 0);
    assert.equal((await d.rows('notifications')).length, 2);
    assert.equal((await d.rows('tasks')).length, 1, 'the records of version 1 are kept');
    await apply(task, await register());
    await d.sync();
    assert.equal(d.lastPull.changes.notifications.created.length, 1, 'then only what is new');
    assert.equal((await d.rows('notifications')).length, 3);
  });

  it('the WatermelonDB client on schema version 2 syncs the feed', async () => {
    const [c, h] = await Promise.all([register(), register()]);
    const task = await newTask(c);
    await apply(task, h);
    const d = newDevice(srv.base, c, schemaV2);
    await d.sync();
    let rows = await d.rows('notifications');
    assert.equal(rows.length, 1);
    assert.equal(rows[0].type, 'application_received');
    assert.equal(rows[0].read_at, null);
    await A.post(`/notifications/${rows[0].id}/read`, { token: c.accessToken });
    await apply(task, await register());
    await d.sync();
    rows = await d.rows('notifications');
    assert.equal(rows.length, 2);
    assert.equal(rows.filter((r) => r.read_at !== null).length, 1, 'the read arrived as an update');
  });
});

describe('openapi', () => {
  it('documents the notification paths and locale', async () => {
    const doc = (await A.get('/openapi.json')).body;
    for (const p of ['/notifications', '/notifications/{id}/read', '/notifications/read-all']) {
      assert.ok(p in doc.paths, `paths has ${p}`);
    }
    assert.ok('locale' in doc.components.schemas.User.properties);
    assert.ok('locale' in doc.components.schemas.ProfileUpdate.properties);
  });
});
