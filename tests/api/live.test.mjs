// Live updates (API.md "Notifications, live updates, push", docs/notifications.md "Live"):
// GET /api/v1/live upgrades to a WebSocket; the first message authenticates; the server
// replays notifications newer than `since`, says ready, then pushes notification and task
// frames within a second of the commit.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import {
  startServer, api, registerUser, expectStatus, b64url, decodeJwtPart, createAdmin,
} from './harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const signKey = randomBytes(32);

let srv;
let A;

before(async () => {
  srv = await startServer({
    args: [
      '--outbox-poll-ms', '50', '--live-poll-ms', '50', '--live-auth-timeout-ms', '300',
      '--live-queue-bytes', '65536', '--live-ping-ms', '2000',
      '--token-keys', `test-k1:${signKey.toString('base64')}`,
    ],
  });
  A = api(srv.base);
});

after(async () => {
  await srv?.stop();
});

// A client socket that records frames and its close.
function connect() {
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/api/v1/live`);
  const c = { ws, frames: [], times: [], waiters: [] };
  c.closed = new Promise((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  ws.on('error', () => {});
  ws.on('message', (data) => {
    c.frames.push(JSON.parse(data.toString()));
    c.times.push(Date.now());
    for (const w of [...c.waiters]) w();
  });
  c.open = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  // Resolves with the first frame (index >= from) that matches, or rejects after timeoutMs.
  c.waitFor = (pred, timeoutMs = 3000, from = 0) => new Promise((resolve, reject) => {
    const check = () => {
      const i = c.frames.findIndex((f, j) => j >= from && pred(f));
      if (i < 0) return false;
      c.waiters = c.waiters.filter((w) => w !== check);
      clearTimeout(timer);
      resolve({ frame: c.frames[i], index: i, at: c.times[i] });
      return true;
    };
    const timer = setTimeout(() => {
      c.waiters = c.waiters.filter((w) => w !== check);
      reject(new Error(`no matching frame in ${timeoutMs} ms; got ${JSON.stringify(c.frames)}`));
    }, timeoutMs);
    if (!check()) c.waiters.push(check);
  });
  return c;
}

async function live(token, since) {
  const c = connect();
  await c.open;
  c.ws.send(JSON.stringify({ type: 'auth', accessToken: token, ...(since ? { since } : {}) }));
  await c.waitFor((f) => f.type === 'ready');
  return c;
}

async function createTask(user, title = 'Carry shopping') {
  const res = await A.post('/tasks', {
    token: user.accessToken,
    body: {
      title, description: 'Two bags', category: 'shopping',
      location: { lat: 48.137, lng: 11.575 }, pointsReward: 10,
    },
  });
  expectStatus(res, 201, 'create task');
  return res.body;
}

async function apply(user, task) {
  const res = await A.post(`/tasks/${task.id}/applications`, { token: user.accessToken, body: { message: 'me' } });
  expectStatus(res, 201, 'apply');
  return res.body;
}

async function accept(creator, task, app) {
  const started = Date.now();
  expectStatus(await A.post(`/tasks/${task.id}/applications/${app.id}/accept`, { token: creator.accessToken }), 200, 'accept');
  return started;
}

async function feed(user) {
  const res = await A.get('/notifications', { token: user.accessToken });
  expectStatus(res, 200, 'GET /notifications');
  return res.body.items;
}

describe('live socket', () => {
  it('answers ready after auth, then a notification and a task frame within a second of accept', async () => {
    const creator = await registerUser(srv.base);
    const helper = await registerUser(srv.base);
    const task = await createTask(creator);
    const app = await apply(helper, task);
    const hc = await live(helper.accessToken);
    const cc = await live(creator.accessToken);
    const from = hc.frames.length;
    const started = await accept(creator, task, app);
    const n = await hc.waitFor((f) => f.type === 'notification', 3000, from);
    const t = await hc.waitFor((f) => f.type === 'task' && f.task.id === task.id, 3000, from);
    assert.equal(n.frame.notification.type, 'application_accepted');
    assert.ok(n.at - started <= 1000, `notification after ${n.at - started} ms`);
    assert.ok(t.at - started <= 1000, `task frame after ${t.at - started} ms`);
    // The task as each sees it: the same JSON as GET /tasks/{id}.
    const asHelper = await A.get(`/tasks/${task.id}`, { token: helper.accessToken });
    assert.deepEqual(t.frame.task, asHelper.body);
    const ct = await cc.waitFor((f) => f.type === 'task' && f.task.id === task.id);
    const asCreator = await A.get(`/tasks/${task.id}`, { token: creator.accessToken });
    assert.deepEqual(ct.frame.task, asCreator.body);
    // The notification has the shape of the feed's items.
    const items = await feed(helper);
    assert.deepEqual(n.frame.notification, items.find((i) => i.id === n.frame.notification.id));
    // Frames never carry an email or a location.
    for (const c of [hc, cc]) {
      for (const f of c.frames) {
        const text = JSON.stringify(f);
        assert.ok(!text.includes('@example.test'), `no email in ${text}`);
        if (f.type === 'notification') assert.ok(!/location|"lat"|"lng"/.test(text), `no location in ${text}`);
      }
    }
    hc.ws.close();
    cc.ws.close();
  });

  it('replays the notifications newer than since, in order, without duplicates', async () => {
    const creator = await registerUser(srv.base);
    const helper = await registerUser(srv.base);
    const tasks = [];
    for (let i = 0; i < 3; i += 1) tasks.push(await createTask(creator, `Task ${i}`));
    const apps = [];
    for (const t of tasks) apps.push(await apply(helper, t));
    await accept(creator, tasks[0], apps[0]);
    const first = (await feed(helper))[0];
    await accept(creator, tasks[1], apps[1]);
    await accept(creator, tasks[2], apps[2]);
    const items = (await feed(helper)).reverse();  // oldest first
    const newer = items.slice(items.findIndex((i) => i.id === first.id) + 1).map((i) => i.id);
    assert.equal(newer.length, 2);
    await sleep(200);  // the relay has published them (to nobody)
    const c = await live(helper.accessToken, first.id);
    const ready = c.frames.findIndex((f) => f.type === 'ready');
    const replayed = c.frames.slice(0, ready).filter((f) => f.type === 'notification').map((f) => f.notification.id);
    assert.deepEqual(replayed, newer, 'replayed in order');
    // A new one arrives live, once; nothing replayed comes again.
    const more = await createTask(creator, 'Task 3');
    const app = await apply(helper, more);
    await accept(creator, more, app);
    await c.waitFor((f) => f.type === 'notification' && !newer.includes(f.notification.id), 3000, ready);
    await sleep(300);
    const ids = c.frames.filter((f) => f.type === 'notification').map((f) => f.notification.id);
    assert.equal(new Set(ids).size, ids.length, `no duplicates: ${ids}`);
    // Resuming from the last one seen replays nothing.
    const again = await live(helper.accessToken, ids[ids.length - 1]);
    assert.equal(again.frames[0].type, 'ready');
    c.ws.close();
    again.ws.close();
  });

  it('subscribes before it replays: notifications committed during the handshake come once', async () => {
    const creator = await registerUser(srv.base);
    const helper = await registerUser(srv.base);
    const task = await createTask(creator);
    const app = await apply(helper, task);
    const since = (await createTask(creator, 'other')) && null;
    const c = connect();
    await c.open;
    const acc = accept(creator, task, app);
    c.ws.send(JSON.stringify({ type: 'auth', accessToken: helper.accessToken, since }));
    await acc;
    await c.waitFor((f) => f.type === 'ready');
    await c.waitFor((f) => f.type === 'notification');
    await sleep(300);
    const ids = c.frames.filter((f) => f.type === 'notification').map((f) => f.notification.id);
    assert.equal(new Set(ids).size, ids.length);
    c.ws.close();
  });

  it('closes with 4001 on a bad token and on an expired one', async () => {
    const u = await registerUser(srv.base);
    const bad = connect();
    await bad.open;
    bad.ws.send(JSON.stringify({ type: 'auth', accessToken: `${u.accessToken}x` }));
    assert.equal((await bad.closed).code, 4001);

    const [h, p] = u.accessToken.split('.');
    const header = decodeJwtPart(h);
    const payload = decodeJwtPart(p);
    const now = Math.floor(Date.now() / 1000);
    const hh = b64url(header);
    const pp = b64url({ ...payload, iat: now - 7200, exp: now - 3600 });
    const expired = `${hh}.${pp}.${createHmac('sha256', signKey).update(`${hh}.${pp}`).digest('base64url')}`;
    const ex = connect();
    await ex.open;
    ex.ws.send(JSON.stringify({ type: 'auth', accessToken: expired }));
    const closed = await ex.closed;
    assert.equal(closed.code, 4001);
    assert.match(closed.reason, /expired/);
  });

  it('closes with 4000 without an auth message in time, or with something else first', async () => {
    const quiet = connect();
    await quiet.open;
    const t0 = Date.now();
    assert.equal((await quiet.closed).code, 4000);
    assert.ok(Date.now() - t0 < 3000, 'closed after --live-auth-timeout-ms');

    const wrong = connect();
    await wrong.open;
    wrong.ws.send('{"type":"hello"}');
    assert.equal((await wrong.closed).code, 4000);

    const garbage = connect();
    await garbage.open;
    garbage.ws.send('not json');
    assert.equal((await garbage.closed).code, 4000);

    const u = await registerUser(srv.base);
    const unknown = connect();
    await unknown.open;
    unknown.ws.send(JSON.stringify({ type: 'auth', accessToken: u.accessToken, since: '0190a0a0-0000-7000-8000-000000000000' }));
    assert.equal((await unknown.closed).code, 4000);

    const big = connect();
    await big.open;
    big.ws.send(JSON.stringify({ type: 'auth', accessToken: 'x'.repeat(10000) }));
    assert.equal((await big.closed).code, 1009);
  });

  it('closes the socket when its session ends (logout, refresh reuse, deactivation, erasure)', async () => {
    const u = await registerUser(srv.base);
    const c = await live(u.accessToken);
    expectStatus(await A.post('/auth/logout', { token: u.accessToken, body: { refreshToken: u.refreshToken } }), 204, 'logout');
    const closed = await c.closed;
    assert.equal(closed.code, 4001);

    const v = await registerUser(srv.base);
    const vc = await live(v.accessToken);
    const r1 = await A.post('/auth/refresh', { body: { refreshToken: v.refreshToken } });
    expectStatus(r1, 200, 'refresh');
    await A.post('/auth/refresh', { body: { refreshToken: v.refreshToken } });  // reuse
    assert.equal((await vc.closed).code, 4001, 'refresh-token reuse ends the session');

    const w = await registerUser(srv.base);
    const wc = await live(w.accessToken);
    expectStatus(await A.del('/users/me', { token: w.accessToken }), 204, 'erase');
    assert.equal((await wc.closed).code, 4001, 'erasure');

    const x = await registerUser(srv.base);
    const xc = await live(x.accessToken);
    const admin = await createAdmin(srv);
    expectStatus(await A.patch(`/admin/users/${x.user.id}`, { token: admin.accessToken, body: { isActive: false } }), 200,
      'deactivate');
    assert.equal((await xc.closed).code, 4001, 'admin deactivation');

    // An ended session cannot open a new socket.
    const again = connect();
    await again.open;
    again.ws.send(JSON.stringify({ type: 'auth', accessToken: u.accessToken }));
    assert.equal((await again.closed).code, 4001);
  });

  it('logout closes only that session\'s sockets', async () => {
    const u = await registerUser(srv.base);
    const other = await A.post('/auth/login', { body: { email: u.email, password: u.password } });
    expectStatus(other, 200, 'second session');
    const mine = await live(u.accessToken);
    const theirs = await live(other.body.accessToken);
    expectStatus(await A.post('/auth/logout', { token: u.accessToken, body: { refreshToken: u.refreshToken } }), 204, 'logout');
    assert.equal((await mine.closed).code, 4001);
    await sleep(200);
    assert.equal(theirs.ws.readyState, WebSocket.OPEN, 'the other session keeps its socket');
    theirs.ws.close();
  });

  it('a plain GET without the upgrade is not a socket', async () => {
    const res = await A.get('/live');
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'MALFORMED_REQUEST');
    assert.equal(res.headers.get('upgrade'), 'websocket');
  });
});

function rssKb(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return Number(m[1]);
}

async function liveSockets() {
  const text = await (await fetch(`${srv.origin}/metrics`)).text();
  return Number(text.match(/^gooddeeds_live_sockets (\d+)/m)[1]);
}

describe('live socket limits', () => {
  it('200 sockets: a client that stops reading is closed (pings go unanswered), memory stays bounded', async () => {
    const creator = await registerUser(srv.base);
    const reader = await registerUser(srv.base);
    const base = await liveSockets();
    const rss0 = rssKb(srv.proc.pid);
    const sockets = [];
    for (let i = 0; i < 200; i += 1) sockets.push(await live(reader.accessToken));
    assert.equal(await liveSockets(), base + 200);
    const rss1 = rssKb(srv.proc.pid);
    // Pause one: it reads nothing more, answers no ping, and the server drops it within
    // two ping intervals (--live-ping-ms 2000) while the others, which answer, stay.
    const stalled = sockets[0];
    stalled.ws._socket.pause();
    const task = await createTask(creator);
    const app = await apply(reader, task);
    await accept(creator, task, app);
    for (const s of sockets.slice(1)) await s.waitFor((f) => f.type === 'task' && f.task.id === task.id);
    const deadline = Date.now() + 10_000;
    while (await liveSockets() !== base + 199 && Date.now() < deadline) await sleep(200);
    assert.equal(await liveSockets(), base + 199, 'the stalled socket was closed and forgotten');
    const rss2 = rssKb(srv.proc.pid);
    for (const s of sockets) s.ws.terminate();
    while (await liveSockets() !== base && Date.now() < deadline + 5000) await sleep(100);
    assert.equal(await liveSockets(), base, 'closed sockets are freed');
    // Under the sanitizers (scripts/test's asan phase sets ASAN_OPTIONS) every allocation
    // carries redzones and freed memory waits in a quarantine: the bounds are the release
    // build's (about 20 kB a socket measured) times four.
    const slack = process.env.ASAN_OPTIONS ? 4 : 1;
    const perSocket = (rss1 - rss0) / 200;
    assert.ok(perSocket < 64 * slack, `${perSocket.toFixed(1)} kB of RSS per idle socket`);
    assert.ok(rss2 - rss0 < 32 * 1024 * slack, `RSS grew by ${rss2 - rss0} kB`);
  });
});

describe('live socket shutdown', () => {
  it('SIGTERM closes open sockets with 1001 and the server exits cleanly', async () => {
    const own = await startServer();
    try {
      const u = await registerUser(own.base);
      const ws = new WebSocket(`ws://127.0.0.1:${own.port}/api/v1/live`);
      const closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
      await new Promise((resolve) => ws.once('open', resolve));
      const ready = new Promise((resolve) => ws.once('message', resolve));
      ws.send(JSON.stringify({ type: 'auth', accessToken: u.accessToken }));
      await ready;
      const stopping = own.stop();  // asserts a graceful exit
      assert.equal(await closed, 1001);
      await stopping;
    } finally {
      await own.stop();
    }
  });
});

describe('live socket send queue', () => {
  it('a client that never reads is dropped once --live-queue-bytes are unsent, and freed', async () => {
    const own = await startServer({
      args: ['--outbox-poll-ms', '20', '--live-poll-ms', '20', '--live-queue-bytes', '16384', '--live-ping-ms', '600000'],
    });
    const B = api(own.base);
    const gauge = async () => Number((await (await fetch(`${own.origin}/metrics`)).text())
      .match(/^gooddeeds_live_sockets (\d+)/m)[1]);
    const here = path.dirname(fileURLToPath(import.meta.url));
    let client;
    try {
      const creator = await registerUser(own.base);
      const helper = await registerUser(own.base);
      client = spawn('python3', [path.join(here, 'live_stalled_client.py'), String(own.port), helper.accessToken, '120'],
        { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((resolve) => client.stdout.once('data', resolve));
      const deadline = Date.now() + 5000;
      while (await gauge() !== 1 && Date.now() < deadline) await sleep(50);
      assert.equal(await gauge(), 1, 'the stalled client is connected');
      const description = 'd'.repeat(2000);  // task frames of about 2.5 kB
      let actions = 0;
      while (await gauge() === 1 && actions < 150) {
        const t = await B.post('/tasks', {
          token: creator.accessToken,
          body: { title: `T${actions}`, description, category: 'shopping', location: { lat: 48.1, lng: 11.5 }, pointsReward: 1 },
        });
        expectStatus(t, 201, 'create');
        const a = await B.post(`/tasks/${t.body.id}/applications`, { token: helper.accessToken, body: {} });
        expectStatus(a, 201, 'apply');
        expectStatus(await B.post(`/tasks/${t.body.id}/applications/${a.body.id}/accept`, { token: creator.accessToken }), 200, 'accept');
        actions += 1;
        await sleep(30);
      }
      const end = Date.now() + 3000;
      while (await gauge() !== 0 && Date.now() < end) await sleep(50);
      assert.equal(await gauge(), 0, `dropped after ${actions} accepted tasks`);
    } finally {
      client?.kill();
      await own.stop();
    }
  });
});
