// Bad input (API.md "General"): malformed bodies, wrong media types, size limits,
// unknown routes and methods, malformed HTTP. Every error is a problem document and
// none of it hurts the server or anybody's data.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, api, registerUser, uniqueEmail, PASSWORD,
  assertProblem, expectStatus, rawRequest, rawStatus,
} from './harness.mjs';

let srv;
let A;
let R; // requests against the server root
let victim; // a user whose profile must survive everything below
let victimProfile;

before(async () => {
  srv = await startServer();
  A = api(srv.base);
  R = api(srv.origin);
  victim = await registerUser(srv.base, { name: 'Steady State' });
  const res = await A.get('/users/me', { token: victim.accessToken });
  expectStatus(res, 200, 'victim profile');
  victimProfile = res.body;
});

after(async () => {
  await srv?.stop();
});

const loginBody = () => JSON.stringify({ email: uniqueEmail(), password: PASSWORD });

describe('request bodies', { concurrency: true }, () => {
  for (const [name, raw] of Object.entries({
    'truncated JSON': '{"email": "a@example.test", "password": ',
    'trailing garbage': '{"email": "a@example.test", "password": "x"} trailing',
    'single quotes': "{'email': 'a@example.test'}",
    'trailing comma': '{"email": "a@example.test",}',
    'empty body': '',
    'NaN literal': '{"email": NaN}',
  })) {
    it(`${name} → 400 MALFORMED_JSON`, async () => {
      const res = await A.post('/auth/login', { rawBody: raw, headers: { 'content-type': 'application/json' } });
      assertProblem(res, 400, 'MALFORMED_JSON', name);
    });
  }

  it('invalid UTF-8 in a JSON body → 400', async () => {
    const raw = Buffer.concat([Buffer.from('{"email":"a'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('@example.test","password":"abcdefghij"}')]);
    const res = await A.post('/auth/login', { rawBody: raw, headers: { 'content-type': 'application/json' } });
    assertProblem(res, 400, undefined, 'invalid UTF-8');
    assert.ok(['MALFORMED_JSON', 'VALIDATION_FAILED'].includes(res.body.code), res.text);
  });

  it('deeply nested JSON → 400, no crash', async () => {
    const depth = 100_000;
    const raw = `{"email":${'['.repeat(depth)}${']'.repeat(depth)},"password":"x"}`;
    const res = await A.post('/auth/login', { rawBody: raw, headers: { 'content-type': 'application/json' } });
    assertProblem(res, 400, undefined, 'deep nesting');
    assert.ok(['MALFORMED_JSON', 'VALIDATION_FAILED'].includes(res.body.code), res.text);
  });

  for (const [name, raw] of Object.entries({ 'a JSON array': '[{"email":"a@example.test"}]', 'a JSON string': '"hello"', 'null': 'null', 'a number': '42' })) {
    it(`${name} instead of an object → 400`, async () => {
      const res = await A.post('/auth/login', { rawBody: raw, headers: { 'content-type': 'application/json' } });
      assertProblem(res, 400, undefined, name);
      assert.ok(['MALFORMED_JSON', 'VALIDATION_FAILED'].includes(res.body.code), res.text);
    });
  }

  it('text/plain on POST /auth/login → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await A.post('/auth/login', { rawBody: loginBody(), headers: { 'content-type': 'text/plain' } });
    assertProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'text/plain');
  });

  it('form encoding on POST /auth/register → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await A.post('/auth/register', {
      rawBody: 'email=a%40example.test&password=abcdefghijk&name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assertProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'form body');
  });

  it('a JSON body without a content type → 415', async () => {
    const res = await A.post('/auth/login', { rawBody: Buffer.from(loginBody()) });
    assertProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'no content type');
  });

  it('accepts "application/json; charset=utf-8" and any case of the media type', async () => {
    for (const ct of ['application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8']) {
      const res = await A.post('/auth/login', { rawBody: loginBody(), headers: { 'content-type': ct } });
      assertProblem(res, 401, 'INVALID_CREDENTIALS', `content type ${ct}`);
    }
  });

  it('a body over 1 MiB → 413 PAYLOAD_TOO_LARGE', async () => {
    const pad = 'x'.repeat(1024 * 1024 + 16);
    const body = JSON.stringify({ email: uniqueEmail(), password: PASSWORD, name: 'Big', pad });
    let res;
    try {
      res = await A.post('/auth/register', { rawBody: body, headers: { 'content-type': 'application/json' } });
    } catch {
      // The server may answer early and hang up while the body is still being sent;
      // then look at the raw bytes instead.
      const text = await rawRequest(srv.port,
        `POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      assert.equal(rawStatus(text), 413, `raw reply: ${text.slice(0, 500)}`);
      assert.match(text, /PAYLOAD_TOO_LARGE/);
      return;
    }
    assertProblem(res, 413, 'PAYLOAD_TOO_LARGE', '1 MiB + body');
  });

  it('a declared Content-Length over 1 MiB is refused without reading the body', async () => {
    const text = await rawRequest(srv.port,
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${50 * 1024 * 1024}\r\nConnection: close\r\n\r\n{"email":`, { timeoutMs: 10_000 });
    assert.equal(rawStatus(text), 413, `raw reply: ${text.slice(0, 500)}`);
    assert.match(text, /PAYLOAD_TOO_LARGE/);
  });

  it('a chunked body over 1 MiB → 413 (or the connection is closed)', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    const parts = ['POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n'];
    parts.push(`1\r\n"\r\n`);
    for (let i = 0; i < 20; i++) parts.push(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    parts.push('1\r\n"\r\n0\r\n\r\n');
    const text = await rawRequest(srv.port, parts);
    if (text !== '') {
      assert.equal(rawStatus(text), 413, `raw reply: ${text.slice(0, 500)}`);
      assert.match(text, /PAYLOAD_TOO_LARGE/);
    }
  });

  it('a body just under 1 MiB is not refused for its size', async () => {
    const pad = 'x'.repeat(1000 * 1000);
    const res = await A.post('/auth/login', { body: { email: uniqueEmail(), password: PASSWORD, pad } });
    assert.notEqual(res.status, 413, res.text.slice(0, 300));
    assertProblem(res, undefined, undefined, 'large but allowed body');
    assert.ok([400, 401].includes(res.status), `got ${res.status}`);
  });

  it('a 10,000-character name → 400 VALIDATION_FAILED', async () => {
    const res = await A.post('/auth/register', { body: { email: uniqueEmail(), password: PASSWORD, name: 'n'.repeat(10_000) } });
    assertProblem(res, 400, 'VALIDATION_FAILED', '10k name');
    assert.ok(res.body.errors?.some((e) => e.field === 'name'), res.text);
    assert.ok(res.text.length < 5000, 'the error does not echo the huge input back');
  });

  it('a 10,000-character email and password → 400', async () => {
    const res = await A.post('/auth/register', {
      body: { email: `${'a'.repeat(10_000)}@example.test`, password: 'p'.repeat(10_000), name: 'x' },
    });
    assertProblem(res, 400, 'VALIDATION_FAILED', '10k email and password');
  });

  it('a 10,000-character password on login → 400 or 401, quickly', async () => {
    const t0 = Date.now();
    const res = await A.post('/auth/login', { body: { email: victim.email, password: 'p'.repeat(10_000) } });
    assertProblem(res, undefined, undefined, 'huge login password');
    assert.ok([400, 401].includes(res.status), `got ${res.status}`);
    assert.ok(Date.now() - t0 < 5000, 'no pathological hashing time');
  });
});

describe('routing', { concurrency: true }, () => {
  it('unknown route under /api/v1 → 404 NOT_FOUND', async () => {
    assertProblem(await A.get('/no/such/route'), 404, 'NOT_FOUND', 'GET /api/v1/no/such/route');
    assertProblem(await A.get('/no/such/route', { token: victim.accessToken }), 404, 'NOT_FOUND', 'with a token');
    assertProblem(await A.post('/auth/nope', { body: {} }), 404, 'NOT_FOUND', 'POST /api/v1/auth/nope');
  });

  it('unknown route at the root → 404 NOT_FOUND', async () => {
    assertProblem(await R.get('/nothing-here'), 404, 'NOT_FOUND', 'GET /nothing-here');
    assertProblem(await R.get('/api/v2/users/me'), 404, 'NOT_FOUND', 'GET /api/v2/users/me');
  });

  it('path traversal does not escape anything', async () => {
    const res = await R.get('/api/v1/../../etc/passwd');
    assert.ok([400, 404].includes(res.status), `got ${res.status}`);
    assert.ok(!res.text.includes('root:'), 'no file contents');
    const raw = await rawRequest(srv.port, 'GET /api/v1/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.ok([400, 404].includes(rawStatus(raw)), raw.slice(0, 300));
    assert.ok(!raw.includes('root:'), 'no file contents');
  });

  it('wrong method on a known path → 405 METHOD_NOT_ALLOWED with Allow', async () => {
    for (const [method, path, allowed] of [['GET', '/auth/login', 'POST'], ['DELETE', '/auth/register', 'POST'], ['PUT', '/users/me', 'GET']]) {
      const res = await A.req(method, path, { token: victim.accessToken });
      assertProblem(res, 405, 'METHOD_NOT_ALLOWED', `${method} ${path}`);
      const allow = res.headers.get('allow') || '';
      assert.ok(allow.split(/\s*,\s*/).includes(allowed), `${method} ${path}: Allow "${allow}" lists ${allowed}`);
    }
  });

  it('a query string does not change routing', async () => {
    expectStatus(await A.get('/users/me?x=1&y', { token: victim.accessToken }), 200, 'GET /users/me?x=1');
  });
});

describe('malformed HTTP', { concurrency: true }, () => {
  async function assertHealthy() {
    const res = await R.get('/healthz');
    expectStatus(res, 200, 'GET /healthz after malformed HTTP');
  }

  it('headers over 16 KiB → 431 HEADERS_TOO_LARGE (or the connection is closed)', async () => {
    const text = await rawRequest(srv.port,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\nConnection: close\r\n\r\n`);
    if (text !== '') {
      assert.equal(rawStatus(text), 431, `raw reply: ${text.slice(0, 500)}`);
      assert.match(text, /HEADERS_TOO_LARGE/);
    }
    await assertHealthy();
  });

  it('many headers adding up to over 16 KiB → 431 (or closed)', async () => {
    let head = 'GET /healthz HTTP/1.1\r\nHost: x\r\n';
    for (let i = 0; i < 400; i++) head += `X-H${i}: ${'b'.repeat(60)}\r\n`;
    const text = await rawRequest(srv.port, `${head}Connection: close\r\n\r\n`);
    if (text !== '') assert.equal(rawStatus(text), 431, `raw reply: ${text.slice(0, 500)}`);
    await assertHealthy();
  });

  it('an endless header line → 431 (or closed)', async () => {
    const parts = ['GET /healthz HTTP/1.1\r\nHost: x\r\nX-Endless: '];
    for (let i = 0; i < 64; i++) parts.push('c'.repeat(8 * 1024));
    const text = await rawRequest(srv.port, parts);
    if (text !== '') assert.equal(rawStatus(text), 431, `raw reply: ${text.slice(0, 500)}`);
    await assertHealthy();
  });

  for (const [name, bytes] of Object.entries({
    'garbage': 'HELLO WORLD\r\n\r\n',
    'binary noise': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
    'bad version': 'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n',
    'bad content length': 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
    'two content lengths': 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}',
    'bad chunk size': 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
  })) {
    it(`${name} → 400 (or closed), server unharmed`, async () => {
      const text = await rawRequest(srv.port, bytes, { endAfterWrite: true, timeoutMs: 10_000 });
      if (text !== '') {
        const status = rawStatus(text);
        assert.ok(status !== null && ((status >= 400 && status < 500) || status === 505), `raw reply: ${text.slice(0, 300)}`);
      }
      await assertHealthy();
    });
  }

  it('slow clients do not block others', async () => {
    const slow = Array.from({ length: 20 }, () =>
      rawRequest(srv.port, ['GET /healthz HTTP/1.1\r\n', 'Host: x\r\n', 'X-Slow: 1\r\n'], { delayMs: 300, timeoutMs: 2_000 }));
    const t0 = Date.now();
    await assertHealthy();
    expectStatus(await A.get('/users/me', { token: victim.accessToken }), 200, 'API while slow clients hang');
    assert.ok(Date.now() - t0 < 3000, 'answered promptly');
    await Promise.all(slow);
  });
});

describe('afterwards', () => {
  it('the server still answers and data is unchanged', async () => {
    await new Promise((r) => setTimeout(r, 50));
    expectStatus(await R.get('/healthz'), 200, 'healthz');
    const res = await A.get('/users/me', { token: victim.accessToken });
    expectStatus(res, 200, 'victim profile');
    assert.deepEqual(res.body, victimProfile);
    const l = await A.post('/auth/login', { body: { email: victim.email, password: victim.password } });
    expectStatus(l, 200, 'victim can still log in');
  });
});
