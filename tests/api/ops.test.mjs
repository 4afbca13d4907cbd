// Operations (API.md "Operations" and "General"): health, readiness, metrics, the OpenAPI
// document, request ids, CORS, auth rate limits and their configuration.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import {
  startServer, api, registerUser, uniqueEmail, randomHex, PASSWORD,
  assertProblem, expectStatus,
} from './harness.mjs';

const execFileP = promisify(execFile);
const ORIGIN = 'http://localhost:3000';

let srv;
let A; // /api/v1
let R; // server root

before(async () => {
  srv = await startServer({ args: ['--cors-origins', ORIGIN] });
  A = api(srv.base);
  R = api(srv.origin);
});

after(async () => {
  await srv?.stop();
});

describe('health, readiness, metrics, OpenAPI', { concurrency: true }, () => {
  it('GET /healthz → 200', async () => {
    expectStatus(await R.get('/healthz'), 200, '/healthz');
  });

  it('GET /readyz → 200 with a reachable database', async () => {
    expectStatus(await R.get('/readyz'), 200, '/readyz');
  });

  it('health endpoints live at the root, not under /api/v1', async () => {
    assertProblem(await A.get('/healthz'), 404, 'NOT_FOUND', '/api/v1/healthz');
  });

  it('GET /metrics → Prometheus text with request counters and latency histograms', async () => {
    const u = await registerUser(srv.base);
    for (let i = 0; i < 3; i++) {
      expectStatus(await A.get('/users/me', { token: u.accessToken }), 200, 'warm-up request');
    }
    await A.get('/users/me');
    const res = await R.get('/metrics');
    expectStatus(res, 200, '/metrics');
    assert.match(res.headers.get('content-type') || '', /^text\/plain\b/i);
    const text = res.text;
    assert.match(text, /^http_requests_total(\{[^}]*\})? \d+(\.\d+)?(e[+-]?\d+)?$/m, 'an http_requests_total sample');
    assert.match(text, /^http_request_duration_seconds_bucket\{[^}]*le="\+Inf"[^}]*\} \d+/m, 'a +Inf bucket');
    assert.match(text, /^http_request_duration_seconds_bucket\{[^}]*le="0?\.\d+"[^}]*\} \d+/m, 'a sub-second bucket');
    assert.match(text, /^# TYPE http_request_duration_seconds histogram$/m, 'declared as a histogram');
    assert.match(text, /^http_request_duration_seconds_(count|sum)\b/m, '_count/_sum samples');
  });

  it('metrics label routes by pattern, not by raw path', async () => {
    const junk = randomHex(10);
    const id = randomUUID();
    const u = await registerUser(srv.base);
    await R.get(`/nothing-${junk}`);
    await A.get(`/users/${id}`, { token: u.accessToken });
    const text = (await R.get('/metrics')).text;
    assert.ok(!text.includes(junk), 'an unknown path must not become a label value');
    assert.ok(!text.includes(id), 'an id must not become a label value');
    assert.ok(!text.includes(u.user.id), 'a user id must not become a label value');
  });

  it('GET /api/v1/openapi.json → an OpenAPI 3 document covering auth and users', async () => {
    const res = await A.get('/openapi.json');
    expectStatus(res, 200, '/api/v1/openapi.json');
    assert.match(res.headers.get('content-type') || '', /^application\/json\b/i);
    const doc = res.body;
    assert.equal(typeof doc.openapi, 'string');
    assert.ok(doc.openapi.startsWith('3.'), `openapi ${doc.openapi}`);
    assert.ok(doc.paths && typeof doc.paths === 'object', 'paths object');
    for (const p of ['/auth/register', '/auth/login', '/auth/refresh', '/auth/logout', '/auth/logout-all',
      '/users/me', '/users/me/password', '/users/me/export', '/users/{id}']) {
      assert.ok(p in doc.paths, `paths has ${p} (have: ${Object.keys(doc.paths).join(', ')})`);
    }
  });
});

describe('request ids', { concurrency: true }, () => {
  it('every response carries x-request-id, unique per request', async () => {
    const u = await registerUser(srv.base);
    const responses = [
      await R.get('/healthz'),
      await R.get('/readyz'),
      await R.get('/metrics'),
      await A.get('/users/me', { token: u.accessToken }),
      await A.get('/users/me'),
      await A.get('/no/such/route'),
      await A.req('DELETE', '/auth/login'),
      await A.post('/auth/login', { rawBody: '{', headers: { 'content-type': 'application/json' } }),
      await A.post('/auth/login', { body: { email: u.email, password: 'wrong password 99' } }),
      await A.req('OPTIONS', '/users/me', { headers: { origin: ORIGIN, 'access-control-request-method': 'GET' } }),
    ];
    const ids = responses.map((r) => r.headers.get('x-request-id'));
    ids.forEach((id, i) => {
      assert.ok(id && id.length > 0, `response ${i} (HTTP ${responses[i].status}) has x-request-id`);
    });
    assert.equal(new Set(ids).size, ids.length, `request ids are unique: ${ids.join(' ')}`);
  });
});

describe('CORS', { concurrency: true }, () => {
  it('answers a preflight from an allowed origin with 204 and the CORS headers', async () => {
    const res = await A.req('OPTIONS', '/users/me', {
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expectStatus(res, 204, 'preflight');
    assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
    const methods = (res.headers.get('access-control-allow-methods') || '').toUpperCase();
    assert.ok(methods.includes('GET') || methods === '*', `allow-methods: ${methods}`);
    const allowHeaders = (res.headers.get('access-control-allow-headers') || '').toLowerCase();
    assert.ok(allowHeaders.includes('authorization'), `allow-headers: ${allowHeaders}`);
    assert.ok(allowHeaders.includes('content-type'), `allow-headers: ${allowHeaders}`);
  });

  it('gives no allow-origin to another origin', async () => {
    for (const origin of ['http://evil.example', 'http://localhost:3001', 'http://localhost:3000.evil.example']) {
      const res = await A.req('OPTIONS', '/users/me', {
        headers: { origin, 'access-control-request-method': 'GET' },
      });
      assert.ok(res.status < 500, `preflight from ${origin}: ${res.status}`);
      assert.equal(res.headers.get('access-control-allow-origin'), null, `no allow-origin for ${origin}`);
    }
  });

  it('adds allow-origin to actual responses for an allowed origin, errors included', async () => {
    const u = await registerUser(srv.base);
    const ok = await A.get('/users/me', { token: u.accessToken, headers: { origin: ORIGIN } });
    expectStatus(ok, 200, 'GET with Origin');
    assert.equal(ok.headers.get('access-control-allow-origin'), ORIGIN);
    assert.match(ok.headers.get('vary') || '', /origin/i, 'Vary: Origin');
    const err = await A.get('/users/me', { headers: { origin: ORIGIN } });
    assertProblem(err, 401, 'UNAUTHENTICATED', 'GET with Origin, no token');
    assert.equal(err.headers.get('access-control-allow-origin'), ORIGIN, 'errors are readable by the web client too');
    const other = await A.get('/users/me', { token: u.accessToken, headers: { origin: 'http://evil.example' } });
    expectStatus(other, 200, 'GET from another origin (CORS is enforced by browsers)');
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });
});

describe('--help', () => {
  it('lists the limits as flags and GOODDEEDS_* variables', async () => {
    const { stdout, stderr } = await execFileP(process.env.GOODDEEDS_BIN, ['serve', '--help'], { timeout: 10_000 });
    const help = stdout + stderr;
    for (const flag of ['--listen', '--database', '--data-dir', '--log-level', '--cors-origins',
      '--auth-rate-per-ip-burst', '--auth-rate-per-email-burst', '--auth-rate-per-email-ip-burst',
      '--max-connections', '--max-connections-per-ip', '--max-upload-bytes', '--max-image-side-px',
      '--max-image-pixels', '--image-queue', '--partner-code-misses-burst', '--max-sync-push-bytes']) {
      assert.ok(help.includes(flag), `serve --help lists ${flag}`);
    }
    // Either each variable by name or the rule that derives them from the flags.
    for (const env of ['GOODDEEDS_AUTH_RATE_PER_IP_BURST', 'GOODDEEDS_AUTH_RATE_PER_EMAIL_BURST']) {
      assert.ok(help.includes(env) || /GOODDEEDS_<[A-Z_]+>/.test(help), `serve --help lists ${env}`);
    }
  });
});

function assertRateLimited(res, what) {
  assertProblem(res, 429, 'RATE_LIMITED', what);
  const retry = res.headers.get('retry-after');
  assert.match(retry || '', /^\d+$/, `${what}: numeric Retry-After (got ${retry})`);
  assert.ok(Number(retry) >= 1, `${what}: Retry-After >= 1`);
}

describe('rate limit per email', () => {
  let limited;
  let L;
  before(async () => {
    limited = await startServer({ args: ['--auth-rate-per-email-burst', '3', '--auth-rate-per-email-per-min', '1'] });
    L = api(limited.base);
  });
  after(async () => {
    await limited?.stop();
  });

  it('limits failed logins for one email with 429 RATE_LIMITED and Retry-After', async () => {
    const u = await registerUser(limited.base);
    const statuses = [];
    let first429;
    for (let i = 0; i < 5; i++) {
      const res = await L.post('/auth/login', { body: { email: u.email, password: `wrong password ${i}!` } });
      statuses.push(res.status);
      if (res.status === 429 && !first429) first429 = res;
      else if (res.status !== 429) assertProblem(res, 401, 'INVALID_CREDENTIALS', `attempt ${i + 1}`);
    }
    assert.ok(first429, `some attempt is rate limited: ${statuses.join(',')}`);
    assertRateLimited(first429, 'failed login beyond the burst');
    assert.equal(statuses[4], 429, `the 5th attempt is limited: ${statuses.join(',')}`);
    // The limit is on the email, not on whether the password is right.
    assertRateLimited(await L.post('/auth/login', { body: { email: u.email, password: u.password } }),
      'correct password while limited');
  });

  it('does not limit other emails', async () => {
    const email = uniqueEmail('flood');
    for (let i = 0; i < 5; i++) await L.post('/auth/login', { body: { email, password: 'whatever pass 1' } });
    const u = await registerUser(limited.base);
    expectStatus(await L.post('/auth/login', { body: { email: u.email, password: u.password } }), 200,
      'another email is not limited');
  });

  it('counts case and whitespace variants of an email as one', async () => {
    const u = await registerUser(limited.base);
    const variants = [u.email, u.email.toUpperCase(), `  ${u.email} `];
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const res = await L.post('/auth/login', { body: { email: variants[i % 3], password: 'wrong password 7!' } });
      statuses.push(res.status);
    }
    assert.ok(statuses.includes(429), `variants share one bucket: ${statuses.join(',')}`);
  });
});

describe('rate limit per IP', () => {
  let limited;
  let L;
  before(async () => {
    // A slow refill, so that the burst alone decides within the test's second or two.
    limited = await startServer({ args: ['--auth-rate-per-ip-burst', '5', '--auth-rate-per-ip-per-min', '1'] });
    L = api(limited.base);
  });
  after(async () => {
    await limited?.stop();
  });

  it('limits registrations beyond the burst', async () => {
    const statuses = [];
    let token;
    for (let i = 0; i < 7; i++) {
      const res = await L.post('/auth/register', { body: { email: uniqueEmail('ip'), password: PASSWORD, name: 'T' } });
      statuses.push(res.status);
      if (res.status === 201) token = res.body.accessToken;
      if (res.status === 429) assertRateLimited(res, `registration ${i + 1}`);
    }
    assert.deepEqual(statuses, [201, 201, 201, 201, 201, 429, 429]);
    // A spoofed X-Forwarded-For from a direct client is not a new IP.
    const spoofed = await L.post('/auth/register', {
      body: { email: uniqueEmail('ip'), password: PASSWORD, name: 'T' },
      headers: { 'x-forwarded-for': `203.0.113.${1 + Math.floor(Math.random() * 200)}` },
    });
    assertRateLimited(spoofed, 'registration with a spoofed X-Forwarded-For');
    assertRateLimited(await L.post('/auth/login', { body: { email: uniqueEmail(), password: PASSWORD } }),
      'login from the same IP');
    // Only the auth endpoints are limited.
    expectStatus(await api(limited.origin).get('/healthz'), 200, '/healthz');
    expectStatus(await L.get('/users/me', { token }), 200, 'an authenticated API call');
  });
});

describe('limits from GOODDEEDS_* environment variables', () => {
  let limited;
  before(async () => {
    limited = await startServer({ env: { GOODDEEDS_AUTH_RATE_PER_IP_BURST: '2', GOODDEEDS_AUTH_RATE_PER_IP_PER_MIN: '1' } });
  });
  after(async () => {
    await limited?.stop();
  });

  it('GOODDEEDS_AUTH_RATE_PER_IP_BURST=2 limits the third registration', async () => {
    const L = api(limited.base);
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await L.post('/auth/register', { body: { email: uniqueEmail('env'), password: PASSWORD, name: 'T' } })).status);
    }
    assert.deepEqual(statuses, [201, 201, 429]);
  });
});
