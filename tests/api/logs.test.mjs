// The logs and the start-up report. Log lines stay whole when stdout (the access log) and
// stderr (the application log) go to one file, as `gooddeeds serve >log 2>&1` or a service
// manager does: under load, every line of the file is either an access log JSON object or an
// application log line. (stdio used to flush the access log's buffer when it was full,
// mid-line, and application lines landed in the gap.) With --log-format json every line of
// both streams is one JSON object with its fields (access, application, audit); a valid W3C
// traceparent is logged as traceId. Unknown log levels and bad GOODDEEDS_* values are refused
// under their own names; the first start says where things are and how to create an admin.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  freePort, registerUser, startServer, createAdmin, api, expectStatus, runBinary, randomHex,
} from './harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const APP_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (trace|debug|info|warning|warn|error|critical) /;

// A PNG header declaring 50,000 x 50,000 pixels: refused, with a debug line on stderr.
function hugePng() {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(50_000, 0);
  ihdr.writeUInt32BE(50_000, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
  };
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(10))), chunk('IEND', Buffer.alloc(0))]);
}

describe('stdout and stderr in one file', () => {
  it('every line is whole under load', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gooddeeds-logs-'));
    const port = await freePort();
    const log = path.join(dir, 'server.log');
    const proc = spawn('bash', ['-c', 'exec "$0" "$@" >"$LOGFILE" 2>&1', process.env.GOODDEEDS_BIN,
      'serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dir, '--log-level', 'debug',
      '--workers', '2', '--auth-rate-per-ip-burst', '100000'],
    { env: { ...process.env, LOGFILE: log }, stdio: 'ignore' });
    const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
    try {
      const origin = `http://127.0.0.1:${port}`;
      for (let i = 0; ; i++) {
        try {
          if ((await fetch(`${origin}/healthz`)).status === 200) break;
        } catch {}
        if (i > 200) throw new Error('the server did not start');
        await sleep(100);
      }
      const u = await registerUser(`${origin}/api/v1`);
      const png = hugePng();
      const longPath = `/api/v1/no-such-route/${'x'.repeat(300)}`;
      const work = [];
      for (let w = 0; w < 16; w++) {
        work.push((async () => {
          for (let i = 0; i < 150; i++) {
            if (i % 3 === 0) {
              const r = await fetch(`${origin}/api/v1/uploads`, {
                method: 'POST', body: png,
                headers: { 'content-type': 'image/png', authorization: `Bearer ${u.accessToken}` },
              });
              await r.arrayBuffer();
            } else {
              await (await fetch(`${origin}${i % 3 === 1 ? '/healthz' : longPath}`)).arrayBuffer();
            }
          }
        })());
      }
      await Promise.all(work);
      proc.kill('SIGTERM');
      assert.deepEqual(await exited, { code: 0, signal: null });
      const lines = (await readFile(log, 'utf8')).split('\n');
      assert.equal(lines.pop(), '', 'the file ends with a whole line');
      let access = 0;
      let app = 0;
      const broken = [];
      for (const line of lines) {
        if (line.startsWith('{')) {
          try {
            assert.equal(JSON.parse(line).type, 'access');
            access++;
          } catch {
            broken.push(line);
          }
        } else if (APP_LINE.test(line)) {
          app++;
        } else {
          broken.push(line);
        }
      }
      assert.deepEqual(broken.slice(0, 5), [], `${broken.length} broken lines of ${lines.length}`);
      assert.ok(access >= 16 * 150, `every request has its access line (${access})`);
      assert.ok(app >= 1, `application lines are in the file too (${app})`);
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const VALID_TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function jsonLines(text, stream) {
  const lines = text.split('\n');
  assert.equal(lines.pop(), '', `${stream} ends with a whole line`);
  return lines.map((line) => {
    let o;
    try {
      o = JSON.parse(line);
    } catch {
      assert.fail(`${stream}: not a JSON object: ${line}`);
    }
    assert.match(o.ts, ISO, `ts of ${line}`);
    assert.ok(['trace', 'debug', 'info', 'warn', 'error', 'critical'].includes(o.level), `level of ${line}`);
    assert.equal(typeof o.msg, 'string', `msg of ${line}`);
    assert.ok(['access', 'app', 'audit'].includes(o.type), `type of ${line}`);
    return o;
  });
}

describe('--log-format json', () => {
  it('every line is one object with its fields; traceparent, user and audit lines', async () => {
    const srv = await startServer({ args: ['--log-format', 'json', '--log-level', 'debug'] });
    let admin;
    const ids = {};
    try {
      const A = api(srv.base);
      const u = await registerUser(srv.base);
      const traced = await A.get('/users/me', {
        token: u.accessToken, headers: { traceparent: VALID_TRACEPARENT, 'user-agent': 'logs-test/1 "quoted"' },
      });
      expectStatus(traced, 200, 'traced GET');
      ids.traced = traced.headers.get('x-request-id');
      const bad = await A.get(`/tasks/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, {
        token: u.accessToken, headers: { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` },
      });
      ids.bad = bad.headers.get('x-request-id');
      const missing = await A.post(`/no-such-route/${randomHex(2)}\u00e9`);
      expectStatus(missing, 404, 'unknown route');
      admin = await createAdmin(srv);
      const partner = await A.post('/admin/partners', {
        token: admin.accessToken, body: { name: `Cafe ${randomHex(4)}` },
      });
      expectStatus(partner, 201, 'partner');
      const key = await A.post(`/admin/partners/${partner.body.id}/api-keys`, { token: admin.accessToken });
      expectStatus(key, 201, 'api key');
      ids.key = { request: key.headers.get('x-request-id'), target: key.body.id, partner: partner.body.id };
      const off = await A.patch(`/admin/users/${u.user.id}`, { token: admin.accessToken, body: { isActive: false } });
      expectStatus(off, 200, 'deactivate');
      ids.off = { request: off.headers.get('x-request-id'), target: u.user.id };
    } finally {
      await srv.stop();
    }
    const access = jsonLines(srv.stdout(), 'stdout');
    const app = jsonLines(srv.stderr(), 'stderr');
    assert.ok(access.length >= 6, `access lines: ${access.length}`);
    for (const a of access) {
      assert.equal(a.type, 'access');
      for (const f of ['requestId', 'route', 'userAgent', 'method', 'path', 'ip'])
        assert.equal(typeof a[f], 'string', `${f} in ${JSON.stringify(a)}`);
      assert.equal(typeof a.status, 'number');
      assert.equal(typeof a.durationMs, 'number');
    }
    const traced = access.find((a) => a.requestId === ids.traced);
    assert.ok(traced, 'the traced request has its access line');
    assert.equal(traced.traceId, TRACE_ID);
    assert.equal(traced.route, '/api/v1/users/me');
    assert.equal(traced.userAgent, 'logs-test/1 "quoted"');
    assert.match(traced.userId, /^[0-9a-f-]{36}$/);
    const bad = access.find((a) => a.requestId === ids.bad);
    assert.equal(bad.route, '/api/v1/tasks/{id}', 'the route is the template, not the path');
    assert.equal(bad.traceId, undefined, 'an all-zero trace id is not logged');
    assert.ok(access.some((a) => a.route === 'unmatched' && a.status === 404));
    assert.ok(app.some((l) => l.type === 'app' && l.msg.startsWith('database')), 'application lines are JSON too');
    const audits = app.filter((l) => l.type === 'audit');
    const issued = audits.find((l) => l.action === 'api_key.issue');
    assert.deepEqual(
      issued && { adminId: issued.adminId, targetId: issued.targetId, requestId: issued.requestId },
      { adminId: admin.id, targetId: ids.key.target, requestId: ids.key.request },
      `audit lines: ${JSON.stringify(audits)}`);
    assert.ok(audits.some((l) => l.action === 'partner.create' && l.targetId === ids.key.partner));
    const off = audits.find((l) => l.action === 'user.deactivate');
    assert.equal(off?.targetId, ids.off.target);
    assert.equal(off?.requestId, ids.off.request);
    assert.equal(off?.adminId, admin.id);
  });
});

describe('audit lines in text format', () => {
  it('are written whatever --log-level says, one line each with the admin and the target', async () => {
    const srv = await startServer();  // --log-level warn
    let admin;
    let partner;
    try {
      admin = await createAdmin(srv);
      partner = await api(srv.base).post('/admin/partners', { token: admin.accessToken, body: { name: `Shop ${randomHex(3)}` } });
      expectStatus(partner, 201, 'partner');
    } finally {
      await srv.stop();
    }
    const line = srv.stderr().split('\n').find((l) => l.includes(' audit {'));
    assert.ok(line, `an audit line on stderr:\n${srv.stderr()}`);
    const m = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info audit (\{.*\})$/.exec(line);
    assert.ok(m, line);
    assert.deepEqual(JSON.parse(m[1]), {
      action: 'partner.create', adminId: admin.id, targetId: partner.body.id,
      requestId: partner.headers.get('x-request-id'),
    });
  });
});

describe('refused settings', { concurrency: true }, () => {
  it('an unknown --log-level or --log-format exits 2 naming the allowed ones', async () => {
    const r = await runBinary(['serve', '--log-level', 'verbose']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--log-level must be one of trace, debug, info, warn, error, off \(not 'verbose'\)/);
    const f = await runBinary(['serve', '--log-format', 'xml']);
    assert.equal(f.code, 2, f.stderr);
    assert.match(f.stderr, /--log-format must be text or json/);
  });

  it('a bad GOODDEEDS_* value is reported under the variable with its value', async () => {
    const level = await runBinary(['serve'], { GOODDEEDS_LOG_LEVEL: 'verbose' });
    assert.equal(level.code, 2, level.stderr);
    assert.match(level.stderr, /^gooddeeds serve: GOODDEEDS_LOG_LEVEL=verbose: /);
    const workers = await runBinary(['serve'], { GOODDEEDS_WORKERS: 'many' });
    assert.equal(workers.code, 2, workers.stderr);
    assert.match(workers.stderr, /^gooddeeds serve: GOODDEEDS_WORKERS=many: /);
    const access = await runBinary(['serve'], { GOODDEEDS_ACCESS_LOG: 'maybe' });
    assert.equal(access.code, 2, access.stderr);
    assert.match(access.stderr, /^gooddeeds serve: GOODDEEDS_ACCESS_LOG=maybe: /);
    // A variable that may hold a secret is named without its value.
    const smtp = await runBinary(['serve'], { GOODDEEDS_SMTP_URL: 'ftp://user:hunter2@mail.example' });
    assert.equal(smtp.code, 2, smtp.stderr);
    assert.match(smtp.stderr, /^gooddeeds serve: GOODDEEDS_SMTP_URL=\*\*\*: /);
    assert.ok(!smtp.stderr.includes('hunter2'), smtp.stderr);
    // The flag wins over the variable, and its own error names the flag.
    const flag = await runBinary(['serve', '--workers', '0'], { GOODDEEDS_WORKERS: '2' });
    assert.equal(flag.code, 2, flag.stderr);
    assert.match(flag.stderr, /^gooddeeds serve: --workers must be at least 1/);
    const zero = await runBinary(['serve'], { GOODDEEDS_WORKERS: '0' });
    assert.match(zero.stderr, /^gooddeeds serve: GOODDEEDS_WORKERS=0: --workers must be at least 1/);
  });

  it('--help shows booleans as true/false and lists the log flags and the former fixed limits', async () => {
    const r = await runBinary(['serve', '--help']);
    assert.match(r.stdout, /--access-log arg \(=true\)/);
    for (const flag of ['--log-format', '--cors-allow-headers', '--access-log-batch-bytes', '--linger-ms',
      '--linger-max-bytes', '--live-handshake-timeout-ms', '--redis-max-queued']) {
      assert.ok(r.stdout.includes(flag), flag);
    }
  });

  it('refuses out-of-range limits, named by flag or variable', async () => {
    const linger = await runBinary(['serve', '--linger-ms', '-1']);
    assert.equal(linger.code, 2, linger.stderr);
    assert.match(linger.stderr, /^gooddeeds serve: --linger-ms must be 0 or more/);
    const hs = await runBinary(['serve'], { GOODDEEDS_LIVE_HANDSHAKE_TIMEOUT_MS: '0' });
    assert.equal(hs.code, 2, hs.stderr);
    assert.match(hs.stderr, /^gooddeeds serve: GOODDEEDS_LIVE_HANDSHAKE_TIMEOUT_MS=0: --live-handshake-timeout-ms must be at least 1/);
    const q = await runBinary(['serve', '--redis-url', 'redis://127.0.0.1:1', '--redis-max-queued', '0']);
    assert.equal(q.code, 2, q.stderr);
    assert.match(q.stderr, /--redis-max-queued must be at least 1/);
  });

  it('migrate without --database says which database it uses', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gooddeeds-cwd-'));
    try {
      const env = { ...process.env };
      delete env.GOODDEEDS_DATABASE;
      const { stderr } = await promisify(execFile)(process.env.GOODDEEDS_BIN, ['migrate'], { cwd: dir, env, timeout: 60_000 });
      assert.match(stderr, /no --database or GOODDEEDS_DATABASE; using sqlite:\.\/data\/gooddeeds\.db/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// Waits until the server's stderr has the start-up report (written once the database answers).
async function startupReport(srv) {
  for (let i = 0; i < 100; i++) {
    if (srv.stderr().includes('web app:')) return srv.stderr();
    await sleep(100);
  }
  assert.fail(`no start-up report:\n${srv.stderr()}`);
}

describe('first run', () => {
  it('names the database, the keys, the URLs and how to create the first admin', async () => {
    const srv = await startServer({ args: ['--log-level', 'info'] });
    try {
      const text = await startupReport(srv);
      const url = new URL(srv.dbUrl.startsWith('sqlite:') ? 'file:x' : srv.dbUrl);
      const shown = url.password ? srv.dbUrl.replace(`:${url.password}@`, ':***@') : srv.dbUrl;
      assert.ok(text.includes(`database: ${shown}`), text);
      assert.ok(text.includes(`signing keys: ${srv.dataDir}/token-keys (created now)`), text);
      assert.ok(text.includes(`web app: ${srv.origin}/`), text);
      assert.ok(text.includes(`${srv.origin}/docs`), text);
      assert.ok(text.includes(`${srv.origin}/metrics`), text);
      assert.ok(text.includes('no admin account exists yet'), text);
      assert.ok(text.includes(`gooddeeds admin create-user --database ${shown} --email `), text);
      assert.match(text, /--role admin/);
      await createAdmin(srv);
      const again = await startServer({ args: ['--log-level', 'info'], sameDatabaseAs: srv });
      try {
        const second = await startupReport(again);
        assert.ok(!/admin account|create-user/.test(second), `nothing about admins once one exists:\n${second}`);
        assert.ok(second.includes(`signing keys: ${srv.dataDir}/token-keys\n`), second);
      } finally {
        await again.stop();
      }
    } finally {
      await srv.stop();
    }
  });
});

describe('--cors-allow-headers', { concurrency: true }, () => {
  const ORIGIN = 'http://app.example';
  const preflight = (srv, headers) => api(srv.base).req('OPTIONS', '/users/me', {
    headers: { origin: ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': headers },
  });

  it('lets tracing headers through by default and refuses an unlisted one', async () => {
    const srv = await startServer({ args: ['--cors-origins', ORIGIN] });
    try {
      const ok = await preflight(srv, 'sentry-trace, baggage');
      expectStatus(ok, 204, 'preflight');
      const allowed = (ok.headers.get('access-control-allow-headers') || '').toLowerCase();
      for (const h of ['sentry-trace', 'baggage', 'traceparent', 'authorization']) assert.ok(allowed.includes(h), allowed);
      const refused = await preflight(srv, 'sentry-trace, x-unlisted');
      assert.equal(refused.headers.get('access-control-allow-headers'), null);
      assert.equal(refused.headers.get('access-control-allow-methods'), null);
    } finally {
      await srv.stop();
    }
  });

  it('takes its list from the flag', async () => {
    const srv = await startServer({ args: ['--cors-origins', ORIGIN, '--cors-allow-headers', 'Authorization, X-Custom'] });
    try {
      const ok = await preflight(srv, 'x-custom,authorization');
      expectStatus(ok, 204, 'preflight');
      assert.equal(ok.headers.get('access-control-allow-headers'), 'Authorization, X-Custom');
      const refused = await preflight(srv, 'sentry-trace');
      assert.equal(refused.headers.get('access-control-allow-headers'), null);
    } finally {
      await srv.stop();
    }
    const any = await startServer({ args: ['--cors-origins', ORIGIN, '--cors-allow-headers', 'Authorization,*'] });
    try {
      const ok = await preflight(any, 'x-anything, authorization');
      assert.equal(ok.headers.get('access-control-allow-headers'), 'Authorization, *');
    } finally {
      await any.stop();
    }
    const bad = await runBinary(['serve', '--cors-allow-headers', 'good, bad/header']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--cors-allow-headers: 'bad\/header' is not a header name/);
  });
});
