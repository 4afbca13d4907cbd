// Black-box test harness: starts the real `gooddeeds` binary on a free port with a
// throwaway database (SQLite file or a fresh PostgreSQL database) and speaks HTTP to it.
//
// Environment:
//   GOODDEEDS_BIN           absolute path of the built binary (required)
//   GOODDEEDS_TEST_BACKEND  "sqlite" (default) or "postgres"
//   GOODDEEDS_TEST_PG_URL   admin URL of a throwaway cluster, e.g. postgres://postgres@127.0.0.1:5432/postgres
import { spawn, execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';

const execFileP = promisify(execFile);

export const BACKEND = process.env.GOODDEEDS_TEST_BACKEND || 'sqlite';
export const PASSWORD = 'correct horse battery staple 9!';

export function randomHex(bytes = 8) {
  return randomBytes(bytes).toString('hex');
}

export function uniqueEmail(prefix = 'u') {
  return `${prefix}-${randomHex(8)}@example.test`;
}

function binary() {
  const bin = process.env.GOODDEEDS_BIN;
  if (!bin) throw new Error('GOODDEEDS_BIN is not set (absolute path of the gooddeeds binary)');
  return bin;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function psql(adminUrl, sql) {
  await execFileP('psql', [adminUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], {
    timeout: 30_000,
  });
}

export async function createPgDatabase() {
  const admin = process.env.GOODDEEDS_TEST_PG_URL;
  if (!admin) throw new Error('GOODDEEDS_TEST_BACKEND=postgres needs GOODDEEDS_TEST_PG_URL');
  const name = `gd_${randomHex(8)}`;
  await psql(admin, `CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { name, admin, url: url.toString() };
}

export async function dropPgDatabase(db) {
  // WITH (FORCE) (PostgreSQL 13+) so a leaked connection does not keep the database alive.
  await psql(db.admin, `DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Servers not stopped yet. If the test process ends without stop() (a failed hook, a
// timeout, Ctrl-C), the exit hook still kills them and removes their data.
const live = new Set();
function cleanupSync() {
  for (const s of live) {
    try {
      if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
    } catch {}
    try {
      if (s.dataDir) rmSync(s.dataDir, { recursive: true, force: true });
    } catch {}
    if (s.pg) {
      try {
        execFileSync('psql', [s.pg.admin, '-q', '-c', `DROP DATABASE IF EXISTS ${s.pg.name} WITH (FORCE)`],
          { timeout: 10_000, stdio: 'ignore' });
      } catch {}
    }
  }
  live.clear();
}
process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    cleanupSync();
    process.kill(process.pid, sig);
  });
}

function hasFlag(args, flag) {
  return args.some((a) => a === flag || a.startsWith(`${flag}=`));
}

// Starts a server; see the file comment. `args` are appended to the serve command line;
// the generous default auth rate limits are only added when neither `args` nor `env` set them.
// `sameDatabaseAs: other` starts another process on `other`'s database and data directory
// (so the two share signing keys); `other` keeps owning both and removes them on its stop().
// `databaseUrl` names a database the caller owns (created and dropped by the caller).
// `openFiles: n` starts it under `ulimit -n n` (soft and hard).
export async function startServer({ env = {}, args = [], sameDatabaseAs = null, databaseUrl = null, openFiles = null } = {}) {
  const bin = binary();
  const port = await freePort();
  const shared = sameDatabaseAs !== null;
  const dataDir = shared ? sameDatabaseAs.dataDir : await mkdtemp(path.join(os.tmpdir(), 'gooddeeds-api-'));
  let pg = null;
  let dbUrl;
  if (shared) {
    dbUrl = sameDatabaseAs.dbUrl;
  } else if (databaseUrl !== null) {
    dbUrl = databaseUrl;
  } else if (BACKEND === 'postgres') {
    pg = await createPgDatabase();
    dbUrl = pg.url;
  } else if (BACKEND === 'sqlite') {
    dbUrl = `sqlite:${dataDir}/gooddeeds.db`;
  } else {
    throw new Error(`unknown GOODDEEDS_TEST_BACKEND ${BACKEND}`);
  }

  const fullArgs = [
    'serve',
    '--listen', `127.0.0.1:${port}`,
    '--database', dbUrl,
    '--data-dir', dataDir,
  ];
  if (!hasFlag(args, '--log-level')) fullArgs.push('--log-level', 'warn');
  // A flag would override the matching GOODDEEDS_* variable, so a caller's env wins too.
  if (!hasFlag(args, '--auth-rate-per-ip-burst') && !('GOODDEEDS_AUTH_RATE_PER_IP_BURST' in env)) {
    fullArgs.push('--auth-rate-per-ip-burst', '100000');
  }
  if (!hasFlag(args, '--auth-rate-per-email-burst') && !('GOODDEEDS_AUTH_RATE_PER_EMAIL_BURST' in env)) {
    fullArgs.push('--auth-rate-per-email-burst', '1000');
  }
  if (!hasFlag(args, '--auth-rate-per-email-ip-burst') && !('GOODDEEDS_AUTH_RATE_PER_EMAIL_IP_BURST' in env)) {
    fullArgs.push('--auth-rate-per-email-ip-burst', '1000');
  }
  fullArgs.push(...args);

  const [cmd, cmdArgs] = openFiles === null
    ? [bin, fullArgs]
    : ['bash', ['-c', `ulimit -n ${Number(openFiles)} && exec "$0" "$@"`, bin, ...fullArgs]];
  const proc = spawn(cmd, cmdArgs, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderrText = '';
  let stdoutText = '';
  const cap = 1 << 20;
  proc.stderr.on('data', (d) => {
    if (stderrText.length < cap) stderrText += d.toString();
  });
  proc.stdout.on('data', (d) => {
    if (stdoutText.length < cap) stdoutText += d.toString();
  });
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    proc.on('error', (err) => {
      exited = { code: null, signal: null, error: err };
      resolve(exited);
    });
  });

  // A forgotten server must not keep the test process alive; the exit hook ends it.
  proc.unref();
  proc.stdout.unref?.();
  proc.stderr.unref?.();
  // A second process on a shared database leaves the data to its owner.
  const entry = { proc, dataDir: shared ? null : dataDir, pg };
  live.add(entry);
  const origin = `http://127.0.0.1:${port}`;
  const cleanup = async () => {
    live.delete(entry);
    if (!shared) await rm(dataDir, { recursive: true, force: true });
    if (pg) await dropPgDatabase(pg).catch(() => {});
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) {
      await cleanup();
      throw new Error(
        `gooddeeds exited during start-up (${JSON.stringify(exited)})\n` +
          `command: ${bin} ${fullArgs.join(' ')}\nstderr:\n${stderrText}\nstdout:\n${stdoutText}`);
    }
    try {
      const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      await exitPromise;
      await cleanup();
      throw new Error(
        `gooddeeds did not answer GET /healthz with 200 within 20 s\n` +
          `command: ${bin} ${fullArgs.join(' ')}\nstderr:\n${stderrText}\nstdout:\n${stdoutText}`);
    }
    await sleep(100);
  }

  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    try {
      if (!exited) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exitPromise;
        clearTimeout(timer);
      }
      assert.deepEqual(
        { code: exited.code, signal: exited.signal },
        { code: 0, signal: null },
        `gooddeeds did not shut down gracefully on SIGTERM; stderr:\n${stderrText}`);
    } finally {
      await cleanup();
    }
  }

  return {
    base: `${origin}/api/v1`,
    origin,
    port,
    dataDir,
    dbUrl,
    proc,
    stop,
    stderr: () => stderrText,
    stdout: () => stdoutText,
    exited: () => exited,
  };
}

// Runs the binary with `args` (e.g. ['verify-ledger', '--database', url]); resolves with
// {code, stdout, stderr} whatever the exit code.
export async function runBinary(args, env = {}) {
  try {
    const { stdout, stderr } = await execFileP(binary(), args, {
      env: { ...process.env, ...env }, timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (typeof e.code !== 'number') throw e;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

// `gooddeeds verify-ledger` on a server's database; fails the test unless every invariant holds.
export async function assertLedgerOk(srv, what = '') {
  const r = await runBinary(['verify-ledger', '--database', srv.dbUrl]);
  assert.equal(r.code, 0, `${what ? what + ': ' : ''}verify-ledger exit code; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.match(r.stdout, /every invariant holds/);
  return r;
}

// Runs one SQL statement on a server's database behind its back (sqlite3 or psql).
export async function execSql(srv, sql) {
  if (srv.dbUrl.startsWith('sqlite:')) {
    // Wait for the server's writer (the outbox relay, pruning) like the server itself does.
    await execFileP('sqlite3', ['-cmd', '.timeout 10000', srv.dbUrl.slice('sqlite:'.length), sql], { timeout: 30_000 });
  } else {
    await execFileP('psql', [srv.dbUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { timeout: 30_000 });
  }
}

// Creates an account with the admin role through `gooddeeds admin create-user` and signs
// it in; returns {id, email, accessToken}.
export async function createAdmin(srv) {
  const email = uniqueEmail('admin');
  const r = await runBinary(['admin', 'create-user', '--database', srv.dbUrl, '--email', email,
    '--password', PASSWORD, '--role', 'admin']);
  if (r.code !== 0) throw new Error(`admin create-user failed (${r.code}): ${r.stderr}`);
  const s = await loginOk(srv.base, email);
  return { id: r.stdout.trim(), email, accessToken: s.accessToken };
}

// HTTP helper bound to a base URL. `path` is appended to base unless it is absolute.
// Returns {status, headers, body, text}; body is parsed JSON for JSON content types
// (application/json, application/problem+json), otherwise the text.
export function api(base) {
  async function req(method, p, { token, body, headers = {}, rawBody } = {}) {
    const h = { ...headers };
    let payload;
    if (rawBody !== undefined) {
      payload = rawBody;
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) {
        h['content-type'] = 'application/json';
      }
    }
    if (token !== undefined) h.authorization = `Bearer ${token}`;
    const url = /^https?:\/\//.test(p) ? p : base + p;
    const res = await fetch(url, {
      method,
      headers: h,
      body: payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    const ct = res.headers.get('content-type') || '';
    let parsed = text;
    if (/json/i.test(ct)) {
      try {
        parsed = text.length ? JSON.parse(text) : null;
      } catch (e) {
        throw new Error(`${method} ${p}: response claims ${ct} but is not JSON: ${text.slice(0, 500)}`);
      }
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }
  const r = (m) => (p, opts) => req(m, p, opts);
  return {
    req,
    get: r('GET'),
    post: r('POST'),
    patch: r('PATCH'),
    put: r('PUT'),
    del: r('DELETE'),
  };
}

function describeRes(res) {
  return `HTTP ${res.status} ${res.headers.get('content-type') || ''} ${res.text.slice(0, 1000)}`;
}

// Asserts an exact status, with the response in the failure message.
export function expectStatus(res, status, what = '') {
  assert.equal(res.status, status, `${what ? what + ': ' : ''}expected ${status}, got ${describeRes(res)}`);
}

// Asserts an RFC 9457 problem document with the given status and (optionally) code.
export function assertProblem(res, status, code, what = '') {
  const ctx = `${what ? what + ': ' : ''}${describeRes(res)}`;
  if (status !== undefined) assert.equal(res.status, status, `status; ${ctx}`);
  const ct = res.headers.get('content-type') || '';
  assert.match(ct, /^application\/problem\+json\b/i, `content type; ${ctx}`);
  const b = res.body;
  assert.ok(b && typeof b === 'object' && !Array.isArray(b), `problem body is an object; ${ctx}`);
  assert.equal(typeof b.type, 'string', `problem.type; ${ctx}`);
  assert.equal(typeof b.title, 'string', `problem.title; ${ctx}`);
  assert.ok(b.title.length > 0, `problem.title non-empty; ${ctx}`);
  assert.equal(b.status, res.status, `problem.status equals HTTP status; ${ctx}`);
  assert.equal(typeof b.code, 'string', `problem.code; ${ctx}`);
  assert.match(b.code, /^[A-Z][A-Z0-9_]*$/, `problem.code is UPPER_SNAKE; ${ctx}`);
  if (code !== undefined) assert.equal(b.code, code, `problem.code; ${ctx}`);
  if ('detail' in b) assert.equal(typeof b.detail, 'string', `problem.detail; ${ctx}`);
  if ('errors' in b) {
    assert.ok(Array.isArray(b.errors), `problem.errors is an array; ${ctx}`);
    for (const e of b.errors) {
      assert.equal(typeof e.field, 'string', `errors[].field; ${ctx}`);
      assert.equal(typeof e.message, 'string', `errors[].message; ${ctx}`);
    }
  }
  return b;
}

// Asserts a 400 VALIDATION_FAILED (when `code` is not given) that names `field` in errors[].
export function assertFieldError(res, field, code = 'VALIDATION_FAILED', what = '') {
  const b = assertProblem(res, 400, code, what);
  assert.ok(Array.isArray(b.errors), `${what}: errors[] present: ${res.text}`);
  assert.ok(
    b.errors.some((e) => e.field === field || e.field.endsWith(`.${field}`) || e.field === `/${field}`),
    `${what}: errors[] names field ${field}: ${res.text}`);
  return b;
}

export async function registerUser(base, overrides = {}) {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? PASSWORD;
  const body = { email, password, name: 'Test User', ...overrides };
  const res = await api(base).post('/auth/register', { body });
  if (res.status !== 201) {
    throw new Error(`registerUser(${email}) failed: ${describeRes(res)}`);
  }
  return {
    user: res.body.user,
    accessToken: res.body.accessToken,
    refreshToken: res.body.refreshToken,
    email,
    password,
    res,
  };
}

export async function login(base, email, password = PASSWORD) {
  return api(base).post('/auth/login', { body: { email, password } });
}

// Logs in and fails unless it is a 200; returns the token pair.
export async function loginOk(base, email, password = PASSWORD) {
  const res = await login(base, email, password);
  expectStatus(res, 200, `login ${email}`);
  return { accessToken: res.body.accessToken, refreshToken: res.body.refreshToken, res };
}

// Sends raw bytes over a fresh TCP connection; resolves with whatever the server sent
// before it closed the connection (or '' when it sent nothing). `chunks` may be a string,
// a Buffer or an array of them; `delayMs` is waited between chunks. Never rejects for
// connection errors (reset, broken pipe): a server is allowed to hang up on garbage.
export function rawRequest(port, chunks, { delayMs = 0, timeoutMs = 15_000, endAfterWrite = false } = {}) {
  const parts = Array.isArray(chunks) ? chunks : [chunks];
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const received = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(Buffer.concat(received).toString('latin1'));
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.on('data', (d) => {
      received.push(d);
      if (responseComplete(Buffer.concat(received))) finish();
    });
    sock.on('close', finish);
    sock.on('error', () => finish());
    sock.on('connect', async () => {
      for (const p of parts) {
        if (done || sock.destroyed) return;
        const ok = sock.write(p);
        if (!ok) await new Promise((r) => sock.once('drain', r).once('close', r));
        if (delayMs) await sleep(delayMs);
      }
      if (endAfterWrite && !sock.destroyed) sock.end();
    });
  });
}

// True once `buf` holds one whole HTTP/1.x response (Content-Length or chunked), so a
// kept-alive connection does not make rawRequest wait for its timeout.
function responseComplete(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = buf.subarray(0, end).toString('latin1');
  const body = buf.subarray(end + 4);
  const status = rawStatus(head);
  if (status !== null && (status === 204 || status === 304)) return true;
  const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (cl) return body.length >= Number(cl[1]);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) return body.includes('0\r\n\r\n');
  return false;
}

// Status code of the first response in a raw HTTP/1.1 reply, or null.
export function rawStatus(text) {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return m ? Number(m[1]) : null;
}

export function decodeJwtPart(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

export function b64url(obj) {
  return Buffer.from(typeof obj === 'string' ? obj : JSON.stringify(obj)).toString('base64url');
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const ISO_MS_Z_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
