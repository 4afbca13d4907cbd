// Offline sync (API.md "Offline sync", docs/sync.md) with the real WatermelonDB client:
// devices converge, deletes propagate, conflicts resolve, users stay apart, visibility
// changes arrive as created/deleted, bad pushes are refused whole, broken records alone.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer, api, registerUser, expectStatus, assertProblem, runBinary } from './harness.mjs';
import { newDevice, synced } from './watermelon.mjs';

let srv;
let A;

before(async () => {
  srv = await startServer();
  A = api(srv.base);
});

after(async () => {
  await srv?.stop();
});

const taskFields = (over = {}) => ({
  title: 'Carry shopping', description: 'Two bags', category: 'shopping', lat: 52.52, lng: 13.405,
  points_reward: 15, status: 'open', image_urls: '[]', project_id: null, ...over,
});

async function pull(user, lastPulledAt = null) {
  const res = await A.get(`/sync/pull?lastPulledAt=${lastPulledAt}&schemaVersion=1&migration=null`, { token: user.accessToken });
  expectStatus(res, 200, 'pull');
  return res.body;
}

function push(user, lastPulledAt, changes) {
  return A.post(`/sync/push?lastPulledAt=${lastPulledAt}`, { token: user.accessToken, body: { changes } });
}

const ids = (list) => list.map((r) => r.id ?? r).sort();

describe('offline sync with WatermelonDB', () => {
  it('two devices of one user converge after offline edits on both, deletes included', async () => {
    const u = await registerUser(srv.base);
    const d1 = newDevice(srv.base, u);
    const d2 = newDevice(srv.base, u);
    await d1.sync();
    await d2.sync();
    const p = await d1.create('projects', { name: 'Garden', description: null, user_id: u.user.id });
    const t = await d1.create('tasks', taskFields({ project_id: p.id, creator_id: u.user.id, title: 'Mow the lawn' }));
    const gone = await d1.create('tasks', taskFields({ creator_id: u.user.id, title: 'Short-lived' }));
    await d1.sync();
    await d2.sync();
    assert.deepEqual(ids(await d2.rows('tasks')), ids([t, gone]));
    // Offline on both: d1 renames the project, d2 edits the task and deletes the other one.
    await d1.update('projects', p.id, { name: 'Front garden' });
    await d2.update('tasks', t.id, { description: 'Front and back' });
    await d2.remove('tasks', gone.id);
    await d1.sync();
    await d2.sync();
    await d1.sync();
    await d2.sync();  // what the server set on d2's push (updated_at) comes back
    const [p1, p2] = [await d1.rows('projects'), await d2.rows('projects')];
    assert.deepEqual(p1.map(synced), p2.map(synced));
    assert.equal(p1[0].name, 'Front garden');
    const [t1, t2] = [await d1.rows('tasks'), await d2.rows('tasks')];
    assert.deepEqual(t1.map(synced), t2.map(synced));
    assert.deepEqual(ids(t1), [t.id]);
    assert.equal(t1[0].description, 'Front and back');
    // The server agrees: the deleted task is cancelled and gone from the REST view of mine.
    const server = await A.get(`/tasks/${t.id}`, { token: u.accessToken });
    expectStatus(server, 200, 'GET task');
    assert.equal(server.body.description, 'Front and back');
    assert.equal(server.body.projectId, p.id);
    const cancelled = await A.get(`/tasks/${gone.id}`, { token: u.accessToken });
    assert.equal(cancelled.body.status, 'cancelled');
  });

  it('conflicting edits of one record end with both devices and the server identical', async () => {
    const u = await registerUser(srv.base);
    const d1 = newDevice(srv.base, u);
    const d2 = newDevice(srv.base, u);
    const t = await d1.create('tasks', taskFields({ creator_id: u.user.id }));
    await d1.sync();
    await d2.sync();
    await d1.update('tasks', t.id, { title: 'From device one' });
    await d2.update('tasks', t.id, { title: 'From device two', points_reward: 30 });
    await d1.sync();
    await d2.sync();  // pulls d1's title, keeps its own edits, pushes them
    await d1.sync();
    await d2.sync();
    const [t1, t2] = [await d1.rows('tasks'), await d2.rows('tasks')];
    assert.deepEqual(t1.map(synced), t2.map(synced));
    const server = (await A.get(`/tasks/${t.id}`, { token: u.accessToken })).body;
    assert.equal(server.title, t1[0].title);
    assert.equal(server.pointsReward, t1[0].points_reward);
  });

  it("a second user never receives the first user's rows", async () => {
    const a = await registerUser(srv.base);
    const b = await registerUser(srv.base);
    const da = newDevice(srv.base, a);
    await da.create('projects', { name: 'Private', description: null, user_id: a.user.id });
    await da.create('tasks', taskFields({ creator_id: a.user.id }));
    await da.sync();
    const db = newDevice(srv.base, b);
    await db.sync();
    assert.equal((await db.rows('projects')).length, 0);
    assert.equal((await db.rows('tasks')).length, 0);
    const first = await pull(b);
    assert.equal(first.changes.tasks.created.length, 0);
  });

  it('a pull with an unchanged lastPulledAt returns nothing', async () => {
    const u = await registerUser(srv.base);
    const d = newDevice(srv.base, u);
    await d.create('projects', { name: 'One', description: null, user_id: u.user.id });
    await d.sync();
    const full = await pull(u);
    assert.equal(full.changes.projects.created.length, 1);
    const again = await pull(u, full.timestamp);
    for (const [table, c] of Object.entries(again.changes)) {
      assert.deepEqual([c.created, c.updated, c.deleted], [[], [], []], table);
    }
    assert.equal(again.timestamp >= full.timestamp, true);
    const twice = await pull(u, again.timestamp);
    assert.equal(twice.timestamp >= again.timestamp, true);
  });

  it('pulls racing several writers miss no change and send no record as created twice', async () => {
    const u = await registerUser(srv.base);
    const start = await pull(u);
    const expected = new Map();  // id → the title it ends with
    const createdSeen = new Map();  // id → how many pulls reported it created
    const latest = new Map();  // id → the newest version pulled
    let writing = true;
    const writer = async (w) => {
      for (let i = 0; i < 12; i++) {
        let id;
        if (i % 2) {  // a new task through sync
          id = randomUUID();
          const res = await push(u, start.timestamp, { tasks: { created: [taskFields({ id, creator_id: u.user.id, title: `w${w} push ${i}` })], updated: [], deleted: [] } });
          expectStatus(res, 200, 'push');
          expected.set(id, `w${w} push ${i}`);
        } else {  // and through REST, then edited
          const res = await A.post('/tasks', { token: u.accessToken, body: { title: `w${w} rest ${i}`, category: 'other', location: { lat: 50, lng: 8 }, pointsReward: 5 } });
          expectStatus(res, 201, 'create');
          id = res.body.id;
          expectStatus(await A.patch(`/tasks/${id}`, { token: u.accessToken, body: { title: `w${w} edited ${i}` } }), 200, 'edit');
          expected.set(id, `w${w} edited ${i}`);
        }
      }
    };
    const take = (page) => {
      for (const r of page.changes.tasks.created) {
        createdSeen.set(r.id, (createdSeen.get(r.id) ?? 0) + 1);
        latest.set(r.id, r);
      }
      for (const r of page.changes.tasks.updated) {
        assert.ok(latest.has(r.id), `${r.id} updated before it was created`);
        latest.set(r.id, r);
      }
    };
    let cursor = start.timestamp;
    let pulls = 0;
    const puller = async () => {
      while (writing) {
        const page = await pull(u, cursor);
        take(page);
        cursor = page.timestamp;
        pulls += 1;
      }
    };
    const pulling = puller();
    await Promise.all([0, 1, 2, 3].map(writer));
    writing = false;
    await pulling;
    take(await pull(u, cursor));
    assert.ok(pulls > 1, 'the pulls overlapped the writes');
    assert.equal(latest.size, expected.size);
    for (const [id, title] of expected) {
      assert.equal(createdSeen.get(id), 1, `${id} reported created once`);
      assert.equal(latest.get(id).title, title, `${id} ends as the server has it`);
    }
  });

  it('a helper gets the task when accepted and loses it (deleted) on withdrawal', async () => {
    const creator = await registerUser(srv.base);
    const helper = await registerUser(srv.base);
    const created = await A.post('/tasks', {
      token: creator.accessToken,
      body: { title: 'Fix a bike', category: 'repairs', location: { lat: 48.1, lng: 11.5 }, pointsReward: 20 },
    });
    expectStatus(created, 201, 'create');
    const hd = newDevice(srv.base, helper);
    await hd.sync();
    assert.equal((await hd.rows('tasks')).length, 0);
    const app = await A.post(`/tasks/${created.body.id}/applications`, { token: helper.accessToken, body: {} });
    expectStatus(app, 201, 'apply');
    expectStatus(await A.post(`/tasks/${created.body.id}/applications/${app.body.id}/accept`, { token: creator.accessToken }), 200, 'accept');
    await hd.sync();
    const rows = await hd.rows('tasks');
    assert.deepEqual(ids(rows), [created.body.id]);
    assert.equal(rows[0].status, 'assigned');
    assert.equal(rows[0].helper_id, helper.user.id);
    // The helper starts it offline; the push moves it along the lifecycle.
    await hd.update('tasks', created.body.id, { status: 'in_progress' });
    await hd.sync();
    assert.equal((await A.get(`/tasks/${created.body.id}`, { token: creator.accessToken })).body.status, 'in_progress');
    expectStatus(await A.post(`/tasks/${created.body.id}/withdraw`, { token: helper.accessToken }), 200, 'withdraw');
    await hd.sync();
    assert.equal((await hd.rows('tasks')).length, 0, 'a task the helper left arrives as deleted');
  });

  it('a record that breaks a rule is rejected alone, the rest applies', async () => {
    const u = await registerUser(srv.base);
    const other = await registerUser(srv.base);
    const d = newDevice(srv.base, u);
    const t = await d.create('tasks', taskFields({ creator_id: u.user.id }));
    await d.sync();
    const theirs = await A.post('/tasks', {
      token: other.accessToken,
      body: { title: 'Theirs', category: 'other', location: { lat: 1, lng: 1 }, pointsReward: 5 },
    });
    const fresh = randomUUID();
    const changes = {
      tasks: {
        created: [taskFields({ id: fresh, creator_id: u.user.id, title: 'Applied' })],
        updated: [
          taskFields({ id: t.id, creator_id: u.user.id, status: 'completed' }),  // illegal move
          taskFields({ id: theirs.body.id, creator_id: other.user.id, title: 'Hijacked' }),
        ],
        deleted: [randomUUID()],  // missing: fine
      },
      point_transactions: { created: [{ id: randomUUID(), user_id: u.user.id, amount: 1000, type: 'admin_adjustment', task_id: null, redemption_id: null, created_at: 1 }], updated: [], deleted: [] },
    };
    const res = await push(u, (await pull(u)).timestamp, changes);
    expectStatus(res, 200, 'push');
    assert.deepEqual(res.body.experimentalRejectedIds.tasks.sort(), [t.id, theirs.body.id].sort());
    assert.equal(res.body.experimentalRejectedIds.point_transactions.length, 1);
    expectStatus(await A.get(`/tasks/${fresh}`, { token: u.accessToken }), 200, 'the good record applied');
    assert.equal((await A.get(`/tasks/${t.id}`, { token: u.accessToken })).body.status, 'open');
    assert.equal((await A.get(`/tasks/${theirs.body.id}`, { token: other.accessToken })).body.title, 'Theirs');
    assert.equal((await A.get('/users/me/points', { token: u.accessToken })).body.balance, 0);
  });

  it('columns a client may not set are rejected per record, never silently changed', async () => {
    const u = await registerUser(srv.base);
    const other = await registerUser(srv.base);
    const d = newDevice(srv.base, u);
    const mine = await d.create('tasks', taskFields({ creator_id: u.user.id }));
    const project = await d.create('projects', { name: 'Mine', description: null, user_id: u.user.id });
    await d.sync();
    const forOther = randomUUID(), helped = randomUUID(), notOpen = randomUUID(), theirProject = randomUUID();
    const res = await push(u, (await pull(u)).timestamp, {
      projects: {
        created: [{ id: theirProject, name: 'For someone else', description: null, user_id: other.user.id }],
        updated: [{ id: project.id, name: 'Moved', description: null, user_id: other.user.id }],
        deleted: [],
      },
      tasks: {
        created: [
          taskFields({ id: forOther, creator_id: other.user.id }),            // another creator
          taskFields({ id: helped, creator_id: u.user.id, helper_id: other.user.id }),  // a helper
          taskFields({ id: notOpen, creator_id: u.user.id, status: 'assigned' }),  // not open
        ],
        updated: [
          taskFields({ id: mine.id, creator_id: other.user.id }),             // creator changed
        ],
        deleted: [],
      },
    });
    expectStatus(res, 200, 'push');
    assert.deepEqual(res.body.experimentalRejectedIds.tasks.sort(), [forOther, helped, notOpen, mine.id].sort());
    assert.deepEqual(res.body.experimentalRejectedIds.projects.sort(), [theirProject, project.id].sort());
    for (const id of [forOther, helped, notOpen]) {
      assertProblem(await A.get(`/tasks/${id}`, { token: other.accessToken }), 404, 'TASK_NOT_FOUND');
    }
    assert.equal((await A.get(`/tasks/${mine.id}`, { token: u.accessToken })).body.creatorId, u.user.id);
    const after = await pull(u);
    assert.deepEqual(after.changes.projects.created.map((p) => [p.id, p.name, p.user_id]), [[project.id, 'Mine', u.user.id]]);
    // Sending server-set columns back unchanged is fine (that is what a client does).
    const echoed = after.changes.tasks.created.find((t) => t.id === mine.id);
    const ok = await push(u, after.timestamp, { tasks: { created: [], updated: [{ ...echoed, title: 'Edited' }], deleted: [] } });
    expectStatus(ok, 200, 'push of an echoed record');
    assert.equal(ok.body.experimentalRejectedIds, undefined);
  });

  it('strings with NUL characters are rejected on every table, as REST refuses them', async () => {
    const u = await registerUser(srv.base);
    const p = randomUUID(), t = randomUUID(), good = randomUUID();
    const res = await push(u, (await pull(u)).timestamp, {
      projects: { created: [
        { id: p, name: '\u0000hidden tail', description: null, user_id: u.user.id },
        { id: good, name: 'Fine', description: 'tail\u0000', user_id: u.user.id },
      ], updated: [], deleted: [] },
      tasks: { created: [taskFields({ id: t, creator_id: u.user.id, title: 'Carry\u0000 this' })], updated: [], deleted: [] },
    });
    expectStatus(res, 200, 'push');
    assert.deepEqual(res.body.experimentalRejectedIds.projects.sort(), [p, good].sort());
    assert.deepEqual(res.body.experimentalRejectedIds.tasks, [t]);
    const after = await pull(u);
    assert.equal(after.changes.projects.created.length, 0);
    assert.equal(after.changes.tasks.created.length, 0);
  });

  it('a push from a position beyond the server clock is a 400 and applies nothing', async () => {
    const u = await registerUser(srv.base);
    const { timestamp } = await pull(u);
    const fresh = randomUUID();
    const res = await push(u, timestamp + 10 * 365 * 86400000, {
      tasks: { created: [taskFields({ id: fresh, creator_id: u.user.id })], updated: [], deleted: [] },
    });
    assertProblem(res, 400, 'VALIDATION_FAILED');
    assertProblem(await A.get(`/tasks/${fresh}`, { token: u.accessToken }), 404, 'TASK_NOT_FOUND');
    expectStatus(await push(u, timestamp, { tasks: { created: [taskFields({ id: fresh, creator_id: u.user.id })], updated: [], deleted: [] } }), 200, 'at the clock');
  });

  it('a push of a record changed on the server after lastPulledAt is a 409 and applies nothing', async () => {
    const u = await registerUser(srv.base);
    const d = newDevice(srv.base, u);
    const t = await d.create('tasks', taskFields({ creator_id: u.user.id }));
    await d.sync();
    const { timestamp } = await pull(u);
    expectStatus(await A.patch(`/tasks/${t.id}`, { token: u.accessToken, body: { title: 'Changed on the web' } }), 200, 'patch');
    const fresh = randomUUID();
    const res = await push(u, timestamp, {
      tasks: { created: [taskFields({ id: fresh, creator_id: u.user.id })], updated: [taskFields({ id: t.id, creator_id: u.user.id, title: 'Stale' })], deleted: [] },
    });
    assertProblem(res, 409, 'SYNC_CONFLICT');
    assertProblem(await A.get(`/tasks/${fresh}`, { token: u.accessToken }), 404, 'TASK_NOT_FOUND');
  });

  it('a large pull streams in chunks and parses whole', async () => {
    const u = await registerUser(srv.base);
    const created = Array.from({ length: 1500 }, (_, i) => taskFields({ id: randomUUID(), creator_id: u.user.id, title: `Task ${i}`, description: 'x'.repeat(200) }));
    expectStatus(await push(u, 1, { tasks: { created, updated: [], deleted: [] } }), 200, 'push 1,500');
    const res = await fetch(`${srv.base}/sync/pull?lastPulledAt=null&schemaVersion=1&migration=null`, { headers: { authorization: `Bearer ${u.accessToken}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('transfer-encoding'), 'chunked');
    assert.match(res.headers.get('content-type'), /application\/json/);
    assert.ok(res.headers.get('x-request-id'));
    const text = await res.text();
    assert.ok(text.length > 512 * 1024, `${text.length} bytes: more than one piece`);
    const body = JSON.parse(text);
    assert.deepEqual(ids(body.changes.tasks.created), ids(created));
    assert.equal(typeof body.timestamp, 'number');
    const again = await pull(u, body.timestamp);
    assert.equal(again.changes.tasks.created.length, 0);
  });

  it('bad pushes are refused whole with a 4xx', async () => {
    const u = await registerUser(srv.base);
    const { timestamp } = await pull(u);
    const good = taskFields({ id: randomUUID(), creator_id: u.user.id });
    const cases = [
      ['unknown table', { users: { created: [], updated: [], deleted: [] } }],
      ['unknown column', { tasks: { created: [{ ...good, secret: 1 }], updated: [], deleted: [] } }],
      ['wrong type', { tasks: { created: [{ ...good, points_reward: 'ten' }], updated: [], deleted: [] } }],
      ['id of the wrong shape', { tasks: { created: [{ ...good, id: 'abc"; DROP' }], updated: [], deleted: [] } }],
      ['deleted id of the wrong shape', { projects: { created: [], updated: [], deleted: [42] } }],
      ['not a record', { tasks: { created: ['x'], updated: [], deleted: [] } }],
    ];
    for (const [what, changes] of cases) {
      const res = await push(u, timestamp, { ...changes, projects: changes.projects ?? { created: [{ id: randomUUID(), name: 'P', description: null }], updated: [], deleted: [] } });
      assertProblem(res, 400, 'VALIDATION_FAILED', what);
    }
    assertProblem(await A.post('/sync/push', { token: u.accessToken, body: { changes: {} } }), 400, 'VALIDATION_FAILED', 'no lastPulledAt');
    assertProblem(await A.post(`/sync/push?lastPulledAt=${timestamp}`, { token: u.accessToken, body: { nope: 1 } }), 400, 'VALIDATION_FAILED', 'no changes');
    assertProblem(await A.get('/sync/pull?lastPulledAt=yesterday', { token: u.accessToken }), 400, 'VALIDATION_FAILED', 'bad lastPulledAt');
    assertProblem(await A.get('/sync/pull?migration=%7B', { token: u.accessToken }), 400, 'VALIDATION_FAILED', 'bad migration');
    assert.equal((await pull(u)).changes.projects.created.length, 0, 'nothing applied');
    const big = await A.post(`/sync/push?lastPulledAt=${timestamp}`, {
      token: u.accessToken, rawBody: `{"changes":{"projects":{"created":[],"updated":[],"deleted":[]}},"pad":"${'x'.repeat(50 * 1024 * 1024)}"}`,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(big.status, 413);
  });

  it('--max-sync-push-bytes: a push over it is a 413, one under it applies', async () => {
    const small = await startServer({ args: ['--max-sync-push-bytes', '2048'] });
    try {
      const S = api(small.base);
      const u = await registerUser(small.base);
      const { timestamp } = (await S.get('/sync/pull?lastPulledAt=null&schemaVersion=1', { token: u.accessToken })).body;
      const over = await S.post(`/sync/push?lastPulledAt=${timestamp}`, {
        token: u.accessToken, body: { changes: { projects: { created: [{ id: randomUUID(), name: 'x'.repeat(190), description: 'y'.repeat(1990), user_id: u.user.id }], updated: [], deleted: [] } } },
      });
      assertProblem(over, 413, 'PAYLOAD_TOO_LARGE');
      const under = await S.post(`/sync/push?lastPulledAt=${timestamp}`, {
        token: u.accessToken, body: { changes: { projects: { created: [{ id: randomUUID(), name: 'Small', description: null, user_id: u.user.id }], updated: [], deleted: [] } } },
      });
      expectStatus(under, 200, 'a push under the limit');
    } finally {
      await small.stop();
    }
  });

  it('a client that just added a table gets all of its rows', async () => {
    const u = await registerUser(srv.base);
    const d = newDevice(srv.base, u);
    await d.create('projects', { name: 'Kept', description: null, user_id: u.user.id });
    await d.sync();
    const { timestamp } = await pull(u);
    const migration = encodeURIComponent(JSON.stringify({ from: 1, tables: ['projects'], columns: [] }));
    const res = await A.get(`/sync/pull?lastPulledAt=${timestamp}&schemaVersion=2&migration=${migration}`, { token: u.accessToken });
    expectStatus(res, 200, 'pull with migration');
    assert.equal(res.body.changes.projects.created.length, 1);
    assert.equal(res.body.changes.tasks.created.length, 0);
  });
});

describe('the change-log horizon', () => {
  let own;
  let B;
  before(async () => {
    own = await startServer();
    B = api(own.base);
  });
  after(async () => {
    await own?.stop();
  });

  it('a client older than the pruned log resyncs in full, drops what is gone and keeps its edits', async () => {
    const u = await registerUser(own.base);
    const d1 = newDevice(own.base, u);
    const d2 = newDevice(own.base, u);
    const kept = await d1.create('tasks', taskFields({ creator_id: u.user.id, title: 'Kept' }));
    const gone = await d1.create('projects', { name: 'Gone', description: null, user_id: u.user.id });
    await d1.sync();
    await d2.sync();
    const stale = d1.lastPull.timestamp;
    await d2.remove('projects', gone.id);
    await d2.sync();
    await d1.update('tasks', kept.id, { title: 'Edited offline' });
    const pruned = await runBinary(['prune-sync', '--database', own.dbUrl, '--keep-days', '0']);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, /deleted [1-9]\d* sync change/);

    // Below the horizon: a pull is everything again, as a replacement; a push may not touch
    // existing records (their changes are no longer known) but may create new ones.
    const old = await B.get(`/sync/pull?lastPulledAt=${stale}&schemaVersion=1&migration=null`, { token: u.accessToken });
    expectStatus(old, 200, 'stale pull');
    assert.equal(old.body.experimentalStrategy, 'replacement');
    assert.deepEqual(ids(old.body.changes.tasks.created), [kept.id]);
    assert.deepEqual(old.body.changes.projects.created, []);
    assertProblem(await B.post(`/sync/push?lastPulledAt=${stale}`, { token: u.accessToken, body: { changes: { tasks: { created: [], updated: [taskFields({ id: kept.id, creator_id: u.user.id, title: 'Blind' })], deleted: [] } } } }), 409, 'SYNC_CONFLICT');
    const fresh = randomUUID();
    expectStatus(await B.post(`/sync/push?lastPulledAt=${stale}`, { token: u.accessToken, body: { changes: { tasks: { created: [taskFields({ id: fresh, creator_id: u.user.id, title: 'New' })], updated: [], deleted: [] } } } }), 200, 'stale push of a new record');

    // The real client: the project deleted elsewhere disappears, the offline edit survives
    // the replacement and is pushed.
    await d1.sync();
    assert.equal(d1.lastPull.experimentalStrategy, 'replacement');
    assert.deepEqual(await d1.rows('projects'), []);
    assert.deepEqual(ids(await d1.rows('tasks')), [kept.id, fresh].sort());
    assert.equal((await B.get(`/tasks/${kept.id}`, { token: u.accessToken })).body.title, 'Edited offline');
    // From the new position on, pulls are incremental again.
    await d1.sync();
    assert.equal(d1.lastPull.experimentalStrategy, undefined);
    await d2.sync();
    assert.deepEqual((await d1.rows('tasks')).map(synced), (await d2.rows('tasks')).map(synced));
  });
});
