// Several nodes (API.md "Running on several nodes", docs/scaling.md): three `gooddeeds serve`
// processes on one PostgreSQL database share a Redis (started here on a free port) and sit
// behind Debian's nginx, run from deploy/nginx/gooddeeds.conf with only the node addresses
// and the port changed. Checked: the API through nginx; one rate-limit budget for the whole
// service (and X-Forwarded-For believed from nginx only); a logout on one node refused on
// the others at once; 30 redemptions over three nodes with a balance for 3; a live socket on
// node B told of a task completed through node C, and closed by a logout-all on node A;
// SIGKILL of a node under load loses no acknowledged write; Redis stopped and started again.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import {
  startServer, api, registerUser, loginOk, expectStatus, assertProblem, createAdmin, runBinary,
  createPgDatabase, dropPgDatabase, freePort, uniqueEmail, PASSWORD,
} from '../api/harness.mjs';
import { startFakeS3 } from '../fakes/s3_server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const EMAIL_IP_BURST = 6;

// A child process that is killed when the test process ends, whatever happens.
const children = new Set();
process.on('exit', () => {
  for (const c of children) try { c.kill('SIGKILL'); } catch {}
});
function child(cmd, args) {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d) => { out += d; });
  p.stderr.on('data', (d) => { out += d; });
  p.output = () => out;
  p.exited = new Promise((resolve) => p.on('exit', resolve));
  children.add(p);
  p.on('exit', () => children.delete(p));
  return p;
}

async function until(what, f, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await f()) return;
    } catch {}
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function startRedis(dir, port) {
  const p = child('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no', '--dir', dir]);
  await until('redis', async () => {
    const r = spawn('redis-cli', ['-p', String(port), 'ping']);
    let out = '';
    r.stdout.on('data', (d) => { out += d; });
    await new Promise((res) => r.on('exit', res));
    return out.trim() === 'PONG';
  });
  return p;
}

// deploy/nginx/gooddeeds.conf with our nodes and port, in a main configuration of its own
// (prefix, pid, logs and temp paths in `dir`), run in the foreground.
async function startNginx(dir, port, nodePorts) {
  let site = readFileSync(path.join(here, '../../deploy/nginx/gooddeeds.conf'), 'utf8');
  const servers = nodePorts.map((p) => `server 127.0.0.1:${p} max_fails=2 fail_timeout=10s;`).join('\n    ');
  site = site.replace(/(\s*server 10\.0\.0\.\d+:8080[^\n]*\n)+/, `\n    ${servers}\n`);
  site = site.replace(/listen 80;\s*listen \[::\]:80;/, `listen 127.0.0.1:${port};`);
  assert.match(site, new RegExp(`server 127.0.0.1:${nodePorts[0]}`), 'upstream replaced');
  assert.match(site, new RegExp(`listen 127.0.0.1:${port};`), 'listen replaced');
  writeFileSync(path.join(dir, 'gooddeeds.conf'), site);
  writeFileSync(path.join(dir, 'nginx.conf'), `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/gooddeeds.conf;
}
`);
  const p = child('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')]);
  await until('nginx', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200);
  return p;
}

async function metric(node, name) {
  const text = await (await fetch(`${node.origin}/metrics`)).text();
  const m = text.match(new RegExp(`^${name} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}

// A live socket that records its frames and its close.
function liveSocket(port, token) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/live`);
  const c = { ws, frames: [] };
  c.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('error', () => {});
  ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', accessToken: token })));
  ws.on('message', (d) => c.frames.push({ at: Date.now(), frame: JSON.parse(d.toString()) }));
  c.waitFor = async (pred, timeoutMs) => {
    let hit;
    await until('a live frame', () => (hit = c.frames.find((f) => pred(f.frame))), timeoutMs);
    return hit;
  };
  return c;
}

// Media on an S3-compatible store shared by the nodes (the fake checks every signature).
const S3_BUCKET = 'gooddeeds-nodes';
const S3_KEY = { accessKeyId: 'AKIDGOODDEEDSNODES', secret: 'nodes/secret+key/0123456789abcdefghij' };
// A 1x1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64');

describe('three nodes behind nginx with Redis', () => {
  let dir, pg, redis, redisPort, nginx, lb, nodes, L, s3;
  const key = `nodes-k1:${randomBytes(32).toString('base64')}`;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gooddeeds-nodes-'));
    chmodSync(dir, 0o755);  // nginx's workers run as another user when the test is root
    redisPort = await freePort();
    redis = await startRedis(dir, redisPort);
    pg = await createPgDatabase();
    s3 = await startFakeS3({ accounts: [S3_KEY], buckets: [S3_BUCKET] });
    const args = [
      '--media-store', `s3://${S3_BUCKET}?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1`,
      '--s3-access-key-id', S3_KEY.accessKeyId, '--s3-secret-access-key', S3_KEY.secret,
      '--redis-url', `redis://127.0.0.1:${redisPort}/1`, '--trusted-proxies', '127.0.0.1/32',
      '--token-keys', key, '--workers', '1', '--hash-workers', '1',
      '--argon2-mem-bytes', String(8 * 1024 * 1024), '--argon2-ops', '1',
      '--auth-rate-per-email-ip-burst', String(EMAIL_IP_BURST), '--outbox-poll-ms', '50',
      '--live-poll-ms', '50', '--db-pool-size', '4', '--access-log', 'false',
    ];
    nodes = [];
    for (let i = 0; i < 3; ++i) nodes.push(await startServer({ databaseUrl: pg.url, args }));
    await until('every node ready and on Redis', async () => {
      for (const n of nodes) {
        if ((await fetch(`${n.origin}/readyz`)).status !== 200) return false;
        if ((await metric(n, 'gooddeeds_redis_connected')) !== 1) return false;
      }
      return true;
    });
    const nginxPort = await freePort();
    nginx = await startNginx(dir, nginxPort, nodes.map((n) => n.port));
    lb = `http://127.0.0.1:${nginxPort}/api/v1`;
    L = api(lb);
  });

  after(async () => {
    nginx?.kill('SIGTERM');
    await nginx?.exited;
    // The survivors must shut down gracefully with Redis attached; the third was SIGKILLed.
    for (const [i, n] of (nodes ?? []).entries()) {
      if (i === 2) await n.stop().catch(() => {});
      else await n.stop();
    }
    redis?.kill('SIGKILL');
    await s3?.stop();
    if (pg) await dropPgDatabase(pg).catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the API through nginx: register, login, tasks, sync', async () => {
    const u = await registerUser(lb);
    const s = await loginOk(lb, u.email);
    expectStatus(await L.get('/users/me', { token: s.accessToken }), 200, 'me');
    const t = await L.post('/tasks', {
      token: s.accessToken,
      body: { title: 'Through nginx', category: 'other', location: { lat: 48.1, lng: 11.5 }, pointsReward: 5 },
    });
    expectStatus(t, 201, 'task');
    // Round robin: every node sees the task at once (one database).
    for (const n of nodes) expectStatus(await api(n.base).get(`/tasks/${t.body.id}`, { token: s.accessToken }), 200, 'task on each node');
    const found = await L.get('/tasks?lat=48.1&lng=11.5&radiusKm=5', { token: s.accessToken });
    expectStatus(found, 200, 'search');
    const pull = await L.get('/sync/pull?lastPulledAt=null&schemaVersion=1&migration=null', { token: s.accessToken });
    expectStatus(pull, 200, 'sync pull');
    assert.ok(pull.body.changes.tasks.created.some((x) => x.id === t.body.id), 'the task is pulled');
    assertProblem(await L.get('/tasks/not-a-task', { token: s.accessToken }), undefined, undefined, 'errors stay problem+json');
  });

  it('serves a file uploaded through node A from nodes B and C (media on S3)', async () => {
    const u = await registerUser(nodes[0].base);
    const res = await fetch(`${nodes[0].base}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${u.accessToken}`, 'content-type': 'image/png' },
      body: PNG,
    });
    assert.equal(res.status, 201, await res.clone().text());
    const { url } = await res.json();
    const media = new URL(url, nodes[0].origin).pathname;  // /media/<name>, asked of each node
    const bodies = [];
    for (const n of nodes) {
      const got = await fetch(`${n.origin}${media}`);
      assert.equal(got.status, 200, `node ${n.port} serves ${media}`);
      assert.match(got.headers.get('content-type') || '', /^image\//);
      bodies.push(Buffer.from(await got.arrayBuffer()));
    }
    assert.ok(bodies[0].length > 0);
    assert.ok(bodies.every((b) => b.equals(bodies[0])), 'every node serves the same bytes');
  });

  it('holds one rate-limit budget across the nodes, per client address behind nginx', async () => {
    const email = uniqueEmail('rl');
    await registerUser(lb, { email });
    const wrong = (base, headers = {}) => api(base).post('/auth/login', { body: { email, password: 'not the password 1' }, headers });
    // EMAIL_IP_BURST failed logins spread over the three nodes spend the pair's budget ...
    for (let i = 0; i < EMAIL_IP_BURST - 1; ++i) expectStatus(await wrong(nodes[i % 3].base), 401, `attempt ${i}`);
    // (registration counted too)
    for (const n of nodes) {
      const r = await wrong(n.base);
      assertProblem(r, 429, 'RATE_LIMITED', 'over budget on every node');
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
    }
    // Behind nginx the client is the address nginx saw (here: what the X-Forwarded-For sent
    // to nginx says; nginx appends 127.0.0.1, which the nodes trust).
    const other = uniqueEmail('rl2');
    await registerUser(nodes[0].base, { email: other });
    const viaLb = (ip) => L.post('/auth/login', { body: { email: other, password: 'not the password 1' }, headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < EMAIL_IP_BURST; ++i) expectStatus(await viaLb('203.0.113.7'), 401, `lb attempt ${i}`);
    assertProblem(await viaLb('203.0.113.7'), 429, 'RATE_LIMITED', 'that client is out');
    expectStatus(await viaLb('203.0.113.8'), 401, 'another client still has its budget');
  });

  it('refuses a logged-out session on every node at once', async () => {
    const u = await registerUser(lb);
    const A = nodes.map((n) => api(n.base));
    for (const a of A) expectStatus(await a.get('/users/me', { token: u.accessToken }), 200, 'cached on each node');
    expectStatus(await A[0].post('/auth/logout', { token: u.accessToken, body: { refreshToken: u.refreshToken } }), 204, 'logout on node 1');
    for (const a of A.slice(1)) assertProblem(await a.get('/users/me', { token: u.accessToken }), 401, undefined, 'refused on the others');
  });

  it('lets 30 redemptions over three nodes spend a balance for 3, and the ledger holds', async () => {
    const admin = await createAdmin(nodes[0]);
    const p = await L.post('/admin/partners', { token: admin.accessToken, body: { name: 'Nodes cafe' } });
    expectStatus(p, 201, 'partner');
    const o = await L.post(`/admin/partners/${p.body.id}/offers`, { token: admin.accessToken, body: { title: 'Coffee', pointsCost: 10, validDays: 7 } });
    expectStatus(o, 201, 'offer');
    const u = await registerUser(lb);
    expectStatus(await L.post(`/admin/users/${u.user.id}/points`, { token: admin.accessToken, body: { amount: 35, reason: 'nodes' } }), 201, 'adjust');
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) =>
      api(nodes[i % 3].base).post('/redemptions', { token: u.accessToken, body: { offerId: o.body.id } })));
    assert.equal(results.filter((r) => r.status === 201).length, 3, results.map((r) => r.status).join(','));
    for (const r of results) if (r.status !== 201) assertProblem(r, 409, 'INSUFFICIENT_POINTS');
    const v = await runBinary(['verify-ledger', '--database', pg.url]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  it('tells a socket on node B of a task completed through node C, and closes it on a logout-all on node A', async () => {
    const creator = await registerUser(lb);
    const helper = await registerUser(lb);
    const C = api(nodes[2].base);
    const t = await C.post('/tasks', {
      token: creator.accessToken,
      body: { title: 'Live across nodes', category: 'other', location: { lat: 48.2, lng: 11.6 }, pointsReward: 5 },
    });
    expectStatus(t, 201, 'task');
    const app = await C.post(`/tasks/${t.body.id}/applications`, { token: helper.accessToken, body: {} });
    expectStatus(app, 201, 'apply');
    expectStatus(await C.post(`/tasks/${t.body.id}/applications/${app.body.id}/accept`, { token: creator.accessToken }), 200, 'accept');
    expectStatus(await C.post(`/tasks/${t.body.id}/start`, { token: helper.accessToken }), 200, 'start');
    const sock = liveSocket(nodes[1].port, creator.accessToken);
    await sock.waitFor((f) => f.type === 'ready', 5000);
    expectStatus(await C.post(`/tasks/${t.body.id}/complete`, { token: helper.accessToken }), 200, 'complete on node C');
    const done = Date.now();
    const note = await sock.waitFor((f) => f.type === 'notification' && f.notification.type === 'task_completed', 1000);
    const task = await sock.waitFor((f) => f.type === 'task' && f.task.id === t.body.id && f.task.status === 'pending_confirmation', 1000);
    assert.ok(note.at - done < 1000 && task.at - done < 1000, 'within a second');
    expectStatus(await api(nodes[0].base).post('/auth/logout-all', { token: creator.accessToken }), 204, 'logout-all on node A');
    const code = await Promise.race([sock.closed, sleep(1000).then(() => 'still open')]);
    assert.equal(code, 4001, 'the socket on node B is closed with 4001');
  });

  it('loses no acknowledged write when a node is killed under load, and nginx routes around it', async () => {
    const u = await registerUser(lb);
    const acked = [];
    const failed = [];
    let killedAt = 0;
    const stopAt = Date.now() + 3000;
    const writer = async () => {
      while (Date.now() < stopAt) {
        const r = await L.post('/tasks', {
          token: u.accessToken,
          body: { title: 'Under load', category: 'other', location: { lat: 48.3, lng: 11.7 }, pointsReward: 1 },
        }).catch((e) => ({ status: 0, error: e }));
        if (r.status === 201) acked.push(r.body.id);
        else failed.push({ status: r.status, at: Date.now() });
      }
    };
    const killer = (async () => {
      await sleep(1000);
      killedAt = Date.now();
      nodes[2].proc.kill('SIGKILL');
    })();
    await Promise.all([writer(), writer(), writer(), writer(), killer]);
    assert.ok(acked.length > 20, `writes went on (${acked.length} acknowledged)`);
    // Only requests in flight on the killed node can fail (nginx does not repeat a POST that
    // reached it); nothing after.
    assert.ok(failed.length <= 4, `at most the in-flight writes failed: ${JSON.stringify(failed)}`);
    for (const f of failed) assert.ok(f.status === 502 && f.at - killedAt < 1000, JSON.stringify(f));
    for (const id of acked) expectStatus(await L.get(`/tasks/${id}`, { token: u.accessToken }), 200, `acknowledged task ${id}`);
    // Reads go on too, every one answered.
    for (let i = 0; i < 10; ++i) expectStatus(await L.get('/users/me', { token: u.accessToken }), 200, 'read after the kill');
  });

  it('keeps answering while Redis is down (per-process limits, counted) and recovers when it is back', async () => {
    const alive = nodes.slice(0, 2);
    const before = await Promise.all(alive.map((n) => metric(n, 'gooddeeds_rate_limit_local_decisions_total')));
    redis.kill('SIGKILL');
    await redis.exited;
    await until('nodes notice', async () => (await Promise.all(alive.map((n) => metric(n, 'gooddeeds_redis_connected')))).every((v) => v === 0), 5000);
    const u = await registerUser(lb);
    for (let i = 0; i < 6; ++i) {
      expectStatus(await L.post('/auth/login', { body: { email: u.email, password: PASSWORD } }), 200, 'login without Redis');
      expectStatus(await L.get('/users/me', { token: u.accessToken }), 200, 'me without Redis');
    }
    expectStatus(await L.post('/auth/login', { body: { email: u.email, password: 'wrong password 12' } }), 401, 'a failure is still a 401');
    const during = await Promise.all(alive.map((n) => metric(n, 'gooddeeds_rate_limit_local_decisions_total')));
    assert.ok(during.reduce((a, b) => a + b) > before.reduce((a, b) => a + b), `local decisions counted: ${before} -> ${during}`);
    redis = await startRedis(dir, redisPort);
    await until('nodes reconnect', async () => (await Promise.all(alive.map((n) => metric(n, 'gooddeeds_redis_connected')))).every((v) => v === 1), 15_000);
    for (const n of alive) assert.match(n.stderr() + n.stdout(), /redis: command connection to .* is back/);
    // Shared again: a logout on one node is refused on the other at once.
    const v = await registerUser(lb);
    const [a, b] = alive.map((n) => api(n.base));
    expectStatus(await b.get('/users/me', { token: v.accessToken }), 200, 'cached');
    expectStatus(await a.post('/auth/logout', { token: v.accessToken, body: { refreshToken: v.refreshToken } }), 204, 'logout');
    assertProblem(await b.get('/users/me', { token: v.accessToken }), 401, undefined, 'refused after recovery');
    const after = await Promise.all(alive.map((n) => metric(n, 'gooddeeds_rate_limit_local_decisions_total')));
    assert.deepEqual(after, during, 'no local decisions once Redis is back');
  });
});
