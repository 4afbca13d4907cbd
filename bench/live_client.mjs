// The client side of bench/live_bench.sh: opens SOCKETS live sockets (USERS users, the
// rest sockets per user), measures the server's RSS per idle socket, then runs a steady
// lifecycle load (RATE accepted applications per second for SECONDS) and measures, for every
// notification frame, the time from the notification's createdAt (its insert, in the
// committing transaction) to the frame's arrival, and for every task frame from the task's
// updatedAt (the transition) to its arrival. Prints one JSON line.
//
//   node bench/live_client.mjs BASE_URL SERVER_PID
// Environment: SOCKETS (1000), USERS (100), RATE (5), DURATION_S (30), STALL (0): with
// STALL=1 every socket stops reading once ready (paused), and the line reports the server's
// peak RSS during the load and how long until it had dropped them all (gooddeeds_live_sockets).
import { readFileSync } from 'node:fs';
import WebSocket from '../tests/node_modules/ws/wrapper.mjs';

const [base, pidArg] = process.argv.slice(2);
const pid = Number(pidArg);
const SOCKETS = Number(process.env.SOCKETS || 1000);
const USERS = Number(process.env.USERS || 100);
const RATE = Number(process.env.RATE || 5);
const SECONDS = Number(process.env.DURATION_S || 30);
const STALL = process.env.STALL === '1';
const api = `${base}/api/v1`;
const liveGauge = async () => Number((await (await fetch(`${base}/metrics`)).text())
  .match(/^gooddeeds_live_sockets (\d+)/m)[1]);
const wsUrl = `${base.replace('http', 'ws')}/api/v1/live`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const rssKb = () => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);

async function call(method, path, token, body) {
  const res = await fetch(api + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function register(name) {
  return call('POST', '/auth/register', null, {
    email: `${name}-${Math.random().toString(16).slice(2)}@example.test`, password: 'bench password 12345', name,
  });
}

const latencies = [];
const taskLatencies = [];
let frames = 0;

function open(token) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl);
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', accessToken: token })));
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString());
      frames += 1;
      if (f.type === 'ready') resolve(ws);
      if (f.type === 'notification') latencies.push(Date.now() - Date.parse(f.notification.createdAt));
      if (f.type === 'task') taskLatencies.push(Date.now() - Date.parse(f.task.updatedAt));
    });
  });
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const creator = await register('creator');
const helpers = [];
for (let i = 0; i < USERS; i += 1) helpers.push(await register(`helper${i}`));
await sleep(500);
const rss0 = rssKb();
const sockets = [];
for (let i = 0; i < SOCKETS; i += 1) sockets.push(await open(helpers[i % USERS].accessToken));
await sleep(1000);
const rss1 = rssKb();
if (STALL) for (const ws of sockets) ws._socket.pause();
let rssPeak = rss1;
const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, rssKb()); }, 100);

// Steady load: each tick, a task, an application by the next helper, and its acceptance.
const started = Date.now();
let accepted = 0;
while (Date.now() - started < SECONDS * 1000) {
  const tickStart = Date.now();
  const h = helpers[accepted % USERS];
  const task = await call('POST', '/tasks', creator.accessToken, {
    title: `Bench ${accepted}`, description: 'bench', category: 'shopping', location: { lat: 48.1, lng: 11.5 }, pointsReward: 1,
  });
  const app = await call('POST', `/tasks/${task.id}/applications`, h.accessToken, {});
  await call('POST', `/tasks/${task.id}/applications/${app.id}/accept`, creator.accessToken);
  accepted += 1;
  await sleep(Math.max(0, 1000 / RATE - (Date.now() - tickStart)));
}
await sleep(2000);
let droppedAfterS = null;
if (STALL) {
  const t0 = Date.now();
  while ((await liveGauge()) > 0 && Date.now() - t0 < 120_000) await sleep(250);
  droppedAfterS = (await liveGauge()) === 0 ? Number(((Date.now() - started) / 1000).toFixed(1)) : null;
}
clearInterval(sampler);
const rss2 = rssKb();
for (const ws of sockets) ws.terminate();
latencies.sort((a, b) => a - b);
taskLatencies.sort((a, b) => a - b);
const expected = accepted * (SOCKETS / USERS);
console.log(JSON.stringify({
  sockets: SOCKETS,
  users: USERS,
  accepted,
  notification_frames: latencies.length,
  expected_notification_frames: expected,
  frames,
  latency_ms: { p50: pct(latencies, 50), p99: pct(latencies, 99), max: latencies[latencies.length - 1] },
  task_frames: taskLatencies.length,
  task_latency_ms: { p50: pct(taskLatencies, 50), p99: pct(taskLatencies, 99), max: taskLatencies[taskLatencies.length - 1] },
  rss_kb: { before_sockets: rss0, idle_sockets: rss1, after_load: rss2 },
  rss_per_idle_socket_kb: Number(((rss1 - rss0) / SOCKETS).toFixed(1)),
  ...(STALL ? { stalled: true, rss_peak_kb: rssPeak, all_dropped_after_load_start_s: droppedAfterS } : {}),
}));
