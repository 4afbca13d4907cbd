// Connection limits: a server out of file descriptors (ulimit -n 64, 90 idle connections)
// keeps answering, does not spin, and logs the failure a few times rather than a line per
// try; --max-connections closes idle connections first; --max-connections-per-ip refuses the
// connection beyond it.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { startServer, api, expectStatus } from './harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TICKS_PER_S = 100; // USER_HZ on Linux

// CPU seconds (user + system) the process has used so far.
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

// Opens n TCP connections that send nothing; resolves once each is connected or refused.
async function idleConnections(port, n) {
  const socks = [];
  await Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, resolve);
    s.on('error', resolve);
    socks.push(s);
  })));
  return socks;
}

// Resolves with true when the server closes `sock` within ms.
function closedWithin(sock, ms) {
  return new Promise((resolve) => {
    if (sock.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    sock.once('close', () => { clearTimeout(t); resolve(true); });
    sock.resume();
  });
}

const servers = [];
const sockets = [];
after(async () => {
  for (const s of sockets) s.destroy();
  for (const s of servers) await s.stop();
});

// Under the sanitizers (scripts/test's asan phase sets ASAN_OPTIONS) the run where accept(2)
// really hits EMFILE is skipped: UBSan's vptr check reads a vtable through sanitizer_common's
// IsAccessibleMemoryRange, which needs a pipe(2). With every descriptor taken the pipe fails,
// the vtable counts as unreadable, and the next virtual call (Boost.System's
// error_category::failed on a recv's EOF, inside io_context::run) is reported as an
// "invalid vptr"; the build's -fno-sanitize-recover makes that fatal, and with no descriptor
// left neither the symbolizer nor a suppression file can help. The checker is starved, not our
// code: the release build runs this test and it passes.
const sanitized = Boolean(process.env.ASAN_OPTIONS);

describe('out of file descriptors', () => {
  // The default --max-connections stays below the limit; 1000 lets accept(2) hit EMFILE.
  for (const extra of [[], ['--max-connections', '1000']]) {
    const skip = sanitized && extra.length > 0 ? 'EMFILE under the sanitizer runtime: see above' : false;
    it(`90 idle connections under ulimit -n 64 ${extra.join(' ')}: /healthz answers, little CPU, few log lines`, { skip }, async () => {
      const srv = await startServer({ openFiles: 64, args: ['--workers', '2', ...extra] });
      servers.push(srv);
      sockets.push(...await idleConnections(srv.port, 90));
      const cpu0 = cpuSeconds(srv.proc.pid);
      const t0 = Date.now();
      await sleep(3000);
      const cpu = (cpuSeconds(srv.proc.pid) - cpu0) / ((Date.now() - t0) / 1000);
      const res = await api(srv.origin).get('/healthz');
      expectStatus(res, 200, '/healthz while full');
      assert.ok(cpu < 0.3, `the server is not spinning: ${(cpu * 100).toFixed(0)} % of a core`);
      const failures = (srv.stderr().match(/accept failed/g) || []).length;
      assert.ok(failures <= 10, `accept failures are logged at most once a second, got ${failures} lines`);
      for (const s of sockets.splice(0)) s.destroy();
    });
  }
});

describe('--max-connections', () => {
  it('closes the longest-idle connections first to let new clients in', async () => {
    const srv = await startServer({ args: ['--max-connections', '5'] });
    servers.push(srv);
    const idle = await idleConnections(srv.port, 5);
    sockets.push(...idle);
    await sleep(200);
    const res = await api(srv.origin).get('/healthz');
    expectStatus(res, 200, '/healthz with every slot held by idle connections');
    // The harness's own keep-alive connection from start-up may be the one that went first.
    const closed = await Promise.all(idle.map((s) => closedWithin(s, 1000)));
    assert.ok(closed.filter(Boolean).length >= 1, 'an idle connection was closed to make room');
    assert.ok(closed.filter(Boolean).length <= 2, 'only as many as needed');
  });
});

describe('--max-connections-per-ip', () => {
  it('refuses the connection beyond the limit at once, and admits again when one closes', async () => {
    const srv = await startServer({ args: ['--max-connections-per-ip', '3'] });
    servers.push(srv);
    const held = await idleConnections(srv.port, 3);
    sockets.push(...held);
    await sleep(200);
    const [fourth] = await idleConnections(srv.port, 1);
    sockets.push(fourth);
    assert.ok(await closedWithin(fourth, 2000), 'the fourth connection from one IP is closed');
    held[0].destroy();
    await sleep(200);
    expectStatus(await api(srv.origin).get('/healthz'), 200, 'a slot is free again');
  });
});
