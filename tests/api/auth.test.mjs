// Auth contract (API.md "Auth"): register, login, access tokens, refresh rotation with
// theft detection, logout, logout-all and password change.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import {
  startServer, api, registerUser, login, loginOk, uniqueEmail, randomHex, PASSWORD,
  assertProblem, assertFieldError, expectStatus, decodeJwtPart, b64url, UUID_RE, ISO_MS_Z_RE,
} from './harness.mjs';

let srv;
let A;

before(async () => {
  srv = await startServer();
  A = api(srv.base);
});

after(async () => {
  await srv?.stop();
});

function assertTokenResponse(res, what) {
  const b = res.body;
  assert.match(res.headers.get('content-type') || '', /^application\/json\b/i, `${what}: content type`);
  assert.equal(typeof b.accessToken, 'string', `${what}: accessToken`);
  assert.equal(typeof b.refreshToken, 'string', `${what}: refreshToken`);
  assert.ok(b.refreshToken.length >= 43, `${what}: refresh token carries >= 256 bits (got ${b.refreshToken.length} chars)`);
  assert.notEqual(b.refreshToken, b.accessToken);
  assert.equal(b.accessTokenExpiresIn, 900, `${what}: accessTokenExpiresIn is 15 minutes in seconds`);
}

function assertOwnProfile(user, { email, name }, what) {
  assert.ok(user && typeof user === 'object', `${what}: user object`);
  for (const key of ['id', 'email', 'name', 'bio', 'avatarUrl', 'location', 'pointsBalance', 'createdAt', 'roles']) {
    assert.ok(key in user, `${what}: user.${key} present in ${JSON.stringify(user)}`);
  }
  assert.match(user.id, UUID_RE, `${what}: user.id is a lowercase UUID`);
  if (email !== undefined) assert.equal(user.email, email);
  if (name !== undefined) assert.equal(user.name, name);
  assert.ok(user.bio === null || user.bio === '', `${what}: a new user's bio is empty (null or "")`);
  assert.equal(user.avatarUrl, null);
  assert.equal(user.location, null);
  assert.equal(user.pointsBalance, 0);
  assert.match(user.createdAt, ISO_MS_Z_RE, `${what}: createdAt ISO-8601 with ms and Z`);
  const created = Date.parse(user.createdAt);
  assert.ok(Math.abs(Date.now() - created) < 5 * 60_000, `${what}: createdAt is about now (${user.createdAt})`);
  assert.ok(Array.isArray(user.roles) && user.roles.includes('user'), `${what}: roles contains "user"`);
  assert.ok(!user.roles.includes('admin'), `${what}: a new user is not an admin`);
  for (const secret of ['password', 'passwordHash', 'password_hash']) {
    assert.ok(!(secret in user), `${what}: user must not carry ${secret}`);
  }
}

async function me(token) {
  return A.get('/users/me', { token });
}

async function refresh(refreshToken) {
  return A.post('/auth/refresh', { body: { refreshToken } });
}

describe('POST /auth/register', { concurrency: true }, () => {
  it('returns 201 with {user, accessToken, refreshToken, accessTokenExpiresIn}', async () => {
    const email = uniqueEmail();
    const res = await A.post('/auth/register', { body: { email, password: PASSWORD, name: 'Test User' } });
    expectStatus(res, 201, 'register');
    assertTokenResponse(res, 'register');
    assertOwnProfile(res.body.user, { email, name: 'Test User' }, 'register');
    const m = await me(res.body.accessToken);
    expectStatus(m, 200, 'GET /users/me with the new access token');
    assert.deepEqual(m.body, res.body.user);
  });

  it('trims the email and treats it case-insensitively', async () => {
    const local = `upper-${randomHex(6)}`;
    const first = await registerUser(srv.base, { email: `${local}@example.test` });
    const dup = await A.post('/auth/register', {
      body: { email: `  ${local.replace('upper', 'Upper')}@Example.Test `, password: PASSWORD, name: 'Dup' },
    });
    assertProblem(dup, 409, 'EMAIL_TAKEN', 'register a case/space variant of a taken email');

    const spaced = await A.post('/auth/register', {
      body: { email: `  Mixed-${randomHex(6)}@Example.Test `, password: PASSWORD, name: 'Mixed' },
    });
    expectStatus(spaced, 201, 'register with a spaced, mixed-case email');
    assert.equal(spaced.body.user.email, spaced.body.user.email.trim(), 'stored email is trimmed');
    assert.doesNotMatch(spaced.body.user.email, /\s/);

    // Logging in is as forgiving as registering.
    const l = await login(srv.base, `  ${first.email.toUpperCase()} `);
    expectStatus(l, 200, 'login with an upper-case, spaced variant of the email');
    assert.equal(l.body.user.id, first.user.id);
  });

  it('rejects a password of 7 characters with a field error', async () => {
    const res = await A.post('/auth/register', { body: { email: uniqueEmail(), password: 'Ab3$xyz', name: 'T' } });
    assertFieldError(res, 'password', 'VALIDATION_FAILED', '7-character password');
  });

  it('counts password length in characters, not bytes', async () => {
    const ok = await A.post('/auth/register', { body: { email: uniqueEmail(), password: 'ääääääää', name: 'T' } });
    expectStatus(ok, 201, '8 two-byte characters are 8 characters');
    const l = await login(srv.base, ok.body.user.email, 'ääääääää');
    expectStatus(l, 200, 'login with the multibyte password');

    const short = await A.post('/auth/register', { body: { email: uniqueEmail(), password: 'äääääää', name: 'T' } });
    assertFieldError(short, 'password', 'VALIDATION_FAILED', '7 two-byte characters (14 bytes) are too short');

    const long = await A.post('/auth/register', { body: { email: uniqueEmail(), password: 'ä'.repeat(128), name: 'T' } });
    expectStatus(long, 201, '128 two-byte characters (256 bytes) are allowed');
    const tooLong = await A.post('/auth/register', { body: { email: uniqueEmail(), password: 'ä'.repeat(129), name: 'T' } });
    assertFieldError(tooLong, 'password', 'VALIDATION_FAILED', '129 two-byte characters');
  });

  it('accepts 128 characters and rejects 129', async () => {
    const ok = await A.post('/auth/register', { body: { email: uniqueEmail(), password: randomHex(64), name: 'T' } });
    expectStatus(ok, 201, '128-character password');
    const res = await A.post('/auth/register', { body: { email: uniqueEmail(), password: randomHex(64) + 'x', name: 'T' } });
    assertFieldError(res, 'password', 'VALIDATION_FAILED', '129-character password');
  });

  for (const common of ['password123', 'qwertyuiop']) {
    it(`rejects the common password ${JSON.stringify(common)}`, async () => {
      const res = await A.post('/auth/register', { body: { email: uniqueEmail(), password: common, name: 'T' } });
      assertFieldError(res, 'password', 'VALIDATION_FAILED', `common password ${common}`);
    });
  }

  it('keeps leading and trailing spaces and case in passwords', async () => {
    const email = uniqueEmail();
    const reg = await A.post('/auth/register', { body: { email, password: ' secret pass 1 ', name: 'T' } });
    expectStatus(reg, 201, 'register with a spaced password');
    assertProblem(await login(srv.base, email, 'secret pass 1'), 401, 'INVALID_CREDENTIALS', 'trimmed password');
    assertProblem(await login(srv.base, email, ' SECRET PASS 1 '), 401, 'INVALID_CREDENTIALS', 'upper-cased password');
    expectStatus(await login(srv.base, email, ' secret pass 1 '), 200, 'the password exactly as typed');
  });

  it('requires name, email and password', async () => {
    assertFieldError(await A.post('/auth/register', { body: { email: uniqueEmail(), password: PASSWORD } }), 'name',
      'VALIDATION_FAILED', 'missing name');
    assertFieldError(await A.post('/auth/register', { body: { password: PASSWORD, name: 'T' } }), 'email',
      'VALIDATION_FAILED', 'missing email');
    assertFieldError(await A.post('/auth/register', { body: { email: uniqueEmail(), name: 'T' } }), 'password',
      'VALIDATION_FAILED', 'missing password');
    assertFieldError(await A.post('/auth/register', { body: { email: uniqueEmail(), password: PASSWORD, name: '' } }),
      'name', 'VALIDATION_FAILED', 'empty name');
  });

  it('rejects fields of the wrong JSON type', async () => {
    assertFieldError(await A.post('/auth/register', { body: { email: uniqueEmail(), password: PASSWORD, name: 123 } }),
      'name', 'VALIDATION_FAILED', 'numeric name');
    assertFieldError(await A.post('/auth/register', { body: { email: [uniqueEmail()], password: PASSWORD, name: 'T' } }),
      'email', 'VALIDATION_FAILED', 'email as an array');
    assertFieldError(await A.post('/auth/register', { body: { email: uniqueEmail(), password: 12345678901, name: 'T' } }),
      'password', 'VALIDATION_FAILED', 'numeric password');
  });

  for (const bad of ['not-an-email', '@example.test', 'user@', 'a b@example.test', '']) {
    it(`rejects the invalid email ${JSON.stringify(bad)}`, async () => {
      const res = await A.post('/auth/register', { body: { email: bad, password: PASSWORD, name: 'T' } });
      assertFieldError(res, 'email', 'VALIDATION_FAILED', `email ${JSON.stringify(bad)}`);
    });
  }

  it('lets exactly one of several concurrent registrations of one email win', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) =>
      A.post('/auth/register', { body: { email: i % 2 ? email.toUpperCase() : email, password: PASSWORD, name: `R${i}` } })));
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, 1, `one winner: ${statuses.join(',')}`);
    for (const r of results) if (r.status !== 201) assertProblem(r, 409, 'EMAIL_TAKEN', 'losing registration');
  });

  it('does not let a client choose its roles or balance', async () => {
    const res = await A.post('/auth/register', {
      body: { email: uniqueEmail(), password: PASSWORD, name: 'T', roles: ['user', 'admin'], pointsBalance: 5000 },
    });
    if (res.status === 201) {
      assert.deepEqual(res.body.user.roles, ['user']);
      assert.equal(res.body.user.pointsBalance, 0);
    } else {
      assertProblem(res, 400, 'VALIDATION_FAILED', 'register with roles/pointsBalance');
    }
  });
});

describe('POST /auth/login', { concurrency: true }, () => {
  it('returns 200 with the same shape as register', async () => {
    const u = await registerUser(srv.base);
    const res = await login(srv.base, u.email);
    expectStatus(res, 200, 'login');
    assertTokenResponse(res, 'login');
    assertOwnProfile(res.body.user, { email: u.email, name: 'Test User' }, 'login');
    assert.equal(res.body.user.id, u.user.id);
    assert.notEqual(res.body.refreshToken, u.refreshToken, 'each login is its own session');
    expectStatus(await me(res.body.accessToken), 200, 'GET /users/me after login');
  });

  it('answers a wrong password and an unknown email identically', async () => {
    const u = await registerUser(srv.base);
    const wrong = await login(srv.base, u.email, 'not the password 123');
    const unknown = await login(srv.base, uniqueEmail('nobody'), 'not the password 123');
    const a = assertProblem(wrong, 401, 'INVALID_CREDENTIALS', 'wrong password');
    const b = assertProblem(unknown, 401, 'INVALID_CREDENTIALS', 'unknown email');
    const pick = (x) => ({ type: x.type, code: x.code, title: x.title, detail: x.detail, status: x.status, errors: x.errors });
    assert.deepEqual(pick(a), pick(b));
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
    assert.ok(!JSON.stringify(a).includes(u.email), 'the error does not echo the email');
  });

  it('requires email and password', async () => {
    assertProblem(await A.post('/auth/login', { body: { email: uniqueEmail() } }), 400, 'VALIDATION_FAILED', 'no password');
    assertProblem(await A.post('/auth/login', { body: { password: PASSWORD } }), 400, 'VALIDATION_FAILED', 'no email');
  });
});

// Sequential: it measures response times.
describe('login timing', () => {
  it('takes about as long for an unknown email as for a wrong password', async () => {
    const u = await registerUser(srv.base);
    const known = [];
    const unknown = [];
    const time = async (email) => {
      const t0 = process.hrtime.bigint();
      const res = await login(srv.base, email, 'wrong password 42 !');
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      expectStatus(res, 401, 'timed login');
      return ms;
    };
    await time(u.email); // warm-up
    for (let i = 0; i < 7; i++) {
      known.push(await time(u.email));
      unknown.push(await time(uniqueEmail('ghost')));
    }
    const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const k = median(known);
    const n = median(unknown);
    assert.ok(n >= k * 0.3,
      `an unknown email must cost a password hash too: median ${n.toFixed(1)} ms vs ${k.toFixed(1)} ms for a wrong password`);
  });
});

describe('access token', { concurrency: true }, () => {
  let u;
  let other;
  before(async () => {
    [u, other] = await Promise.all([registerUser(srv.base), registerUser(srv.base)]);
  });

  it('is a JWT signed with HS256 that names its key', () => {
    const parts = u.accessToken.split('.');
    assert.equal(parts.length, 3, 'three parts');
    for (const p of parts) assert.match(p, /^[A-Za-z0-9_-]+$/, 'base64url without padding');
    const header = decodeJwtPart(parts[0]);
    const payload = decodeJwtPart(parts[1]);
    assert.equal(header.alg, 'HS256');
    assert.equal(typeof header.kid, 'string');
    assert.ok(header.kid.length > 0, 'kid is not empty');
    assert.equal(payload.sub, u.user.id, 'sub is the user id');
    assert.equal(typeof payload.exp, 'number');
    const ttl = payload.exp - Math.floor(Date.now() / 1000);
    assert.ok(ttl > 800 && ttl <= 905, `expires in about 15 minutes (got ${ttl} s)`);
    if ('iat' in payload) assert.equal(payload.exp - payload.iat, 900);
    assert.ok(!JSON.stringify(payload).includes(u.email), 'the token does not carry the email');
  });

  it('is accepted as a bearer token', async () => {
    const res = await me(u.accessToken);
    expectStatus(res, 200, 'GET /users/me');
    assert.equal(res.body.id, u.user.id);
  });

  it('accepts the scheme name in any case (RFC 9110)', async () => {
    const res = await A.get('/users/me', { headers: { authorization: `bearer ${u.accessToken}` } });
    expectStatus(res, 200, 'lower-case "bearer"');
  });

  it('missing Authorization header → 401 UNAUTHENTICATED with WWW-Authenticate: Bearer', async () => {
    const res = await A.get('/users/me');
    assertProblem(res, 401, 'UNAUTHENTICATED', 'no Authorization header');
    assert.match(res.headers.get('www-authenticate') || '', /^Bearer\b/i, 'RFC 9110: a 401 names its scheme');
  });

  const forgeries = {
    'alg none': (t) => {
      const [h, p] = t.split('.');
      return `${b64url({ ...decodeJwtPart(h), alg: 'none' })}.${p}.`;
    },
    'alg none, two parts': (t) => {
      const [h, p] = t.split('.');
      return `${b64url({ ...decodeJwtPart(h), alg: 'none' })}.${p}`;
    },
    'changed signature': (t) => {
      const [h, p, s] = t.split('.');
      return `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
    },
    'truncated signature': (t) => t.slice(0, -5),
    'no signature': (t) => {
      const [h, p] = t.split('.');
      return `${h}.${p}.`;
    },
    'changed payload (another sub)': (t) => {
      const [h, p, s] = t.split('.');
      return `${h}.${b64url({ ...decodeJwtPart(p), sub: other.user.id })}.${s}`;
    },
    'changed payload (later exp)': (t) => {
      const [h, p, s] = t.split('.');
      const payload = decodeJwtPart(p);
      return `${h}.${b64url({ ...payload, exp: payload.exp + 86400 })}.${s}`;
    },
    'signed with another key': (t) => {
      const [h, p] = t.split('.');
      const sig = createHmac('sha256', randomBytes(32)).update(`${h}.${p}`).digest('base64url');
      return `${h}.${p}.${sig}`;
    },
    'signed with an empty key': (t) => {
      const [h, p] = t.split('.');
      const sig = createHmac('sha256', Buffer.alloc(0)).update(`${h}.${p}`).digest('base64url');
      return `${h}.${p}.${sig}`;
    },
    'unknown kid': (t) => {
      const [h, p, s] = t.split('.');
      return `${b64url({ ...decodeJwtPart(h), kid: 'no-such-key' })}.${p}.${s}`;
    },
    garbage: () => 'garbage',
    'three garbage parts': () => 'a.b.c',
    'non-JSON header': (t) => `${b64url('not json')}.${t.split('.').slice(1).join('.')}`,
  };
  for (const [name, forge] of Object.entries(forgeries)) {
    it(`rejects a token with ${name} → 401 TOKEN_INVALID`, async () => {
      const res = await me(forge(u.accessToken));
      assertProblem(res, 401, 'TOKEN_INVALID', name);
      assert.match(res.headers.get('www-authenticate') || '', /^Bearer\b/i, 'WWW-Authenticate: Bearer');
    });
  }

  it('rejects an empty bearer → 401 TOKEN_INVALID', async () => {
    const res = await A.get('/users/me', { headers: { authorization: 'Bearer ' } });
    assertProblem(res, 401, 'TOKEN_INVALID', 'empty bearer');
  });

  it('rejects a refresh token used as an access token → 401 TOKEN_INVALID', async () => {
    assertProblem(await me(u.refreshToken), 401, 'TOKEN_INVALID', 'refresh token as bearer');
  });

  it('rejects another auth scheme → 401', async () => {
    const res = await A.get('/users/me', { headers: { authorization: `Basic ${b64url('a:b')}` } });
    assertProblem(res, 401, undefined, 'Basic auth');
    assert.ok(['UNAUTHENTICATED', 'TOKEN_INVALID'].includes(res.body.code), res.text);
  });
});

describe('POST /auth/refresh', { concurrency: true }, () => {
  it('returns a new pair that works', async () => {
    const u = await registerUser(srv.base);
    const res = await refresh(u.refreshToken);
    expectStatus(res, 200, 'refresh');
    assertTokenResponse(res, 'refresh');
    assert.notEqual(res.body.refreshToken, u.refreshToken, 'refresh token rotated');
    const m = await me(res.body.accessToken);
    expectStatus(m, 200, 'new access token works');
    assert.equal(m.body.id, u.user.id);
    expectStatus(await refresh(res.body.refreshToken), 200, 'the new refresh token works once');
  });

  it('treats reuse of a spent refresh token as theft and revokes the family', async () => {
    const u = await registerUser(srv.base);
    const otherDevice = await loginOk(srv.base, u.email);
    const first = await refresh(u.refreshToken);
    expectStatus(first, 200, 'first refresh');
    const reuse = await refresh(u.refreshToken);
    assertProblem(reuse, 401, 'REFRESH_TOKEN_REUSED', 'reusing a spent refresh token');
    const next = await refresh(first.body.refreshToken);
    assertProblem(next, 401, undefined, 'the family\'s newest refresh token after reuse');
    assert.ok(['REFRESH_TOKEN_REUSED', 'REFRESH_TOKEN_INVALID'].includes(next.body.code), next.text);
    assertProblem(await me(first.body.accessToken), 401, undefined, 'the family\'s access token after reuse');
    // Another device's session is a different family.
    expectStatus(await me(otherDevice.accessToken), 200, 'other device access token');
    expectStatus(await refresh(otherDevice.refreshToken), 200, 'other device refresh token');
  });

  it('lets at most one of several concurrent refreshes with one token win', async () => {
    const u = await registerUser(srv.base);
    const results = await Promise.all(Array.from({ length: 6 }, () => refresh(u.refreshToken)));
    const ok = results.filter((r) => r.status === 200);
    assert.ok(ok.length <= 1, `concurrent refreshes: ${results.map((r) => r.status).join(',')}`);
    for (const r of results) if (r.status !== 200) assertProblem(r, 401, undefined, 'losing concurrent refresh');
  });

  it('unknown refresh token → 401 REFRESH_TOKEN_INVALID', async () => {
    assertProblem(await refresh(randomBytes(32).toString('base64url')), 401, 'REFRESH_TOKEN_INVALID', 'unknown token');
    assertProblem(await refresh('x'), 401, 'REFRESH_TOKEN_INVALID', 'short garbage');
  });

  it('an access token is not a refresh token → 401 REFRESH_TOKEN_INVALID', async () => {
    const u = await registerUser(srv.base);
    assertProblem(await refresh(u.accessToken), 401, 'REFRESH_TOKEN_INVALID', 'access token as refresh token');
  });

  it('requires refreshToken', async () => {
    assertProblem(await A.post('/auth/refresh', { body: {} }), 400, 'VALIDATION_FAILED', 'empty body');
    assertProblem(await A.post('/auth/refresh', { body: { refreshToken: 42 } }), 400, 'VALIDATION_FAILED', 'number');
  });
});

describe('POST /auth/logout', { concurrency: true }, () => {
  it('ends only that device\'s session', async () => {
    const u = await registerUser(srv.base);
    const second = await loginOk(srv.base, u.email);
    const res = await A.post('/auth/logout', { token: u.accessToken, body: { refreshToken: u.refreshToken } });
    expectStatus(res, 204, 'logout');
    assert.equal(res.text, '', '204 has no body');
    assertProblem(await refresh(u.refreshToken), 401, undefined, 'refresh after logout');
    assertProblem(await me(u.accessToken), 401, undefined, 'access token of the ended session');
    expectStatus(await me(second.accessToken), 200, 'other session access token');
    expectStatus(await refresh(second.refreshToken), 200, 'other session refresh token');
  });

  it('requires a bearer token', async () => {
    const u = await registerUser(srv.base);
    assertProblem(await A.post('/auth/logout', { body: { refreshToken: u.refreshToken } }), 401, 'UNAUTHENTICATED',
      'logout without bearer');
    expectStatus(await refresh(u.refreshToken), 200, 'session untouched by the unauthenticated logout');
  });

  it('cannot end another user\'s session', async () => {
    const [a, b] = await Promise.all([registerUser(srv.base), registerUser(srv.base)]);
    const res = await A.post('/auth/logout', { token: a.accessToken, body: { refreshToken: b.refreshToken } });
    assert.ok(res.status < 500, `no server error: ${res.status}`);
    expectStatus(await refresh(b.refreshToken), 200, 'the other user\'s refresh token still works');
    expectStatus(await me(b.accessToken), 200, 'the other user\'s access token still works');
  });
});

describe('POST /auth/logout-all', () => {
  it('ends every session of the user', async () => {
    const u = await registerUser(srv.base);
    const s2 = await loginOk(srv.base, u.email);
    const s3 = await loginOk(srv.base, u.email);
    const bystander = await registerUser(srv.base);
    const res = await A.post('/auth/logout-all', { token: s2.accessToken });
    expectStatus(res, 204, 'logout-all');
    for (const [name, s] of [['register', u], ['second', s2], ['third', s3]]) {
      assertProblem(await me(s.accessToken), 401, undefined, `${name} session access token`);
      assertProblem(await refresh(s.refreshToken), 401, undefined, `${name} session refresh token`);
    }
    expectStatus(await me(bystander.accessToken), 200, 'another user is not affected');
    expectStatus(await login(srv.base, u.email), 200, 'the user can sign in again');
  });

  it('requires a bearer token', async () => {
    assertProblem(await A.post('/auth/logout-all'), 401, 'UNAUTHENTICATED', 'logout-all without bearer');
  });
});

describe('POST /users/me/password', { concurrency: true }, () => {
  it('wrong current password → 403 CURRENT_PASSWORD_WRONG and nothing changes', async () => {
    const u = await registerUser(srv.base);
    const res = await A.post('/users/me/password', {
      token: u.accessToken, body: { currentPassword: 'not my password 1', newPassword: 'a brand new secret 7' },
    });
    assertProblem(res, 403, 'CURRENT_PASSWORD_WRONG', 'wrong current password');
    expectStatus(await me(u.accessToken), 200, 'session still works');
    expectStatus(await login(srv.base, u.email, u.password), 200, 'old password still valid');
    assertProblem(await login(srv.base, u.email, 'a brand new secret 7'), 401, 'INVALID_CREDENTIALS', 'new password not set');
  });

  it('rejects a weak new password with 400', async () => {
    const u = await registerUser(srv.base);
    for (const weak of ['password123', 'short1!', 'x'.repeat(129)]) {
      const res = await A.post('/users/me/password', {
        token: u.accessToken, body: { currentPassword: u.password, newPassword: weak },
      });
      assertFieldError(res, 'newPassword', 'VALIDATION_FAILED', `weak new password ${weak.slice(0, 20)}`);
    }
    expectStatus(await login(srv.base, u.email, u.password), 200, 'old password still valid');
  });

  it('changes the password and ends all other sessions', async () => {
    const u = await registerUser(srv.base);
    const other = await loginOk(srv.base, u.email);
    const newPassword = `new secret ${randomHex(4)} !`;
    const res = await A.post('/users/me/password', {
      token: u.accessToken, body: { currentPassword: u.password, newPassword },
    });
    expectStatus(res, 204, 'password change');
    expectStatus(await me(u.accessToken), 200, 'calling session access token still works');
    assertProblem(await me(other.accessToken), 401, undefined, 'other session access token');
    assertProblem(await refresh(other.refreshToken), 401, undefined, 'other session refresh token');
    expectStatus(await refresh(u.refreshToken), 200, 'calling session refresh token still works');
    assertProblem(await login(srv.base, u.email, u.password), 401, 'INVALID_CREDENTIALS', 'old password');
    expectStatus(await login(srv.base, u.email, newPassword), 200, 'new password');
  });

  it('requires a bearer token and both fields', async () => {
    assertProblem(await A.post('/users/me/password', { body: { currentPassword: PASSWORD, newPassword: 'another secret 55' } }),
      401, 'UNAUTHENTICATED', 'no bearer');
    const u = await registerUser(srv.base);
    assertFieldError(await A.post('/users/me/password', { token: u.accessToken, body: { currentPassword: u.password } }),
      'newPassword', 'VALIDATION_FAILED', 'missing newPassword');
  });
});

// A second server whose signing keys the test knows, so that correctly signed tokens with
// chosen claims can be made: expiry, pinned algorithm, key rotation, revoked sessions.
describe('tokens signed with a known key', { concurrency: true }, () => {
  const signKey = randomBytes(32);
  const oldKey = randomBytes(32);
  let ks;
  let K;
  let u;
  before(async () => {
    ks = await startServer({
      args: ['--token-keys', `test-k1:${signKey.toString('base64')},test-k0:${oldKey.toString('base64')}`],
    });
    K = api(ks.base);
    u = await registerUser(ks.base);
  });
  after(async () => {
    await ks?.stop();
  });

  const sign = (header, payload, key = signKey, hash = 'sha256') => {
    const h = b64url(header);
    const p = b64url(payload);
    return `${h}.${p}.${createHmac(hash, key).update(`${h}.${p}`).digest('base64url')}`;
  };
  const parts = (t) => {
    const [h, p] = t.split('.');
    return { header: decodeJwtPart(h), payload: decodeJwtPart(p) };
  };
  const now = () => Math.floor(Date.now() / 1000);

  it('signs with the first key and verifies a re-signed copy', async () => {
    const { header, payload } = parts(u.accessToken);
    assert.equal(header.kid, 'test-k1');
    assert.equal(sign(header, payload), u.accessToken, 'HS256 over the same header and payload');
    expectStatus(await K.get('/users/me', { token: sign(header, payload) }), 200, 're-signed token');
  });

  it('accepts a token signed with an older listed key (rotation)', async () => {
    const { header, payload } = parts(u.accessToken);
    expectStatus(await K.get('/users/me', { token: sign({ ...header, kid: 'test-k0' }, payload, oldKey) }), 200,
      'token signed with the verify-only key');
    assertProblem(await K.get('/users/me', { token: sign({ ...header, kid: 'test-k0' }, payload, signKey) }), 401,
      'TOKEN_INVALID', 'kid and key do not match');
  });

  it('an expired token → 401 TOKEN_EXPIRED', async () => {
    const { header, payload } = parts(u.accessToken);
    const expired = sign(header, { ...payload, iat: now() - 7200, exp: now() - 3600 });
    assertProblem(await K.get('/users/me', { token: expired }), 401, 'TOKEN_EXPIRED', 'expired token');
  });

  it('an expired token with a bad signature is TOKEN_INVALID, not TOKEN_EXPIRED', async () => {
    const { header, payload } = parts(u.accessToken);
    const forged = sign(header, { ...payload, iat: now() - 7200, exp: now() - 3600 }, randomBytes(32));
    assertProblem(await K.get('/users/me', { token: forged }), 401, 'TOKEN_INVALID', 'expired and forged');
  });

  it('pins the algorithm: HS512 with the right key → TOKEN_INVALID', async () => {
    const { header, payload } = parts(u.accessToken);
    const t = sign({ ...header, alg: 'HS512' }, payload, signKey, 'sha512');
    assertProblem(await K.get('/users/me', { token: t }), 401, 'TOKEN_INVALID', 'HS512');
  });

  it('checks the audience and issuer when the token carries them', async (t) => {
    const { header, payload } = parts(u.accessToken);
    if (!('aud' in payload) && !('iss' in payload)) return t.skip('no aud/iss claims');
    if ('aud' in payload) {
      assertProblem(await K.get('/users/me', { token: sign(header, { ...payload, aud: 'someone-else' }) }), 401,
        'TOKEN_INVALID', 'foreign audience');
    }
    if ('iss' in payload) {
      assertProblem(await K.get('/users/me', { token: sign(header, { ...payload, iss: 'someone-else' }) }), 401,
        'TOKEN_INVALID', 'foreign issuer');
    }
  });

  it('a token without exp → TOKEN_INVALID', async () => {
    const { header, payload } = parts(u.accessToken);
    const { exp: _exp, ...rest } = payload;
    assertProblem(await K.get('/users/me', { token: sign(header, rest) }), 401, 'TOKEN_INVALID', 'no exp');
  });

  it('a validly signed, unexpired token of an ended session → 401', async () => {
    const v = await registerUser(ks.base);
    const { header, payload } = parts(v.accessToken);
    const longLived = sign(header, { ...payload, exp: now() + 86400 });
    expectStatus(await K.get('/users/me', { token: longLived }), 200, 'long-lived token before logout');
    expectStatus(await K.post('/auth/logout', { token: v.accessToken, body: { refreshToken: v.refreshToken } }), 204, 'logout');
    assertProblem(await K.get('/users/me', { token: longLived }), 401, undefined, 'long-lived token after logout');
  });
});

// A server with very short token lifetimes, to watch tokens expire on their own.
describe('token lifetimes', () => {
  let short;
  before(async () => {
    short = await startServer({ args: ['--access-token-ttl-s', '1', '--refresh-token-ttl-s', '2'] });
  });
  after(async () => {
    await short?.stop();
  });

  it('access and refresh tokens expire', async () => {
    const S = api(short.base);
    const u = await registerUser(short.base);
    assert.equal(u.res.body.accessTokenExpiresIn, 1, 'accessTokenExpiresIn follows the configured lifetime');
    await new Promise((r) => setTimeout(r, 2600));
    assertProblem(await S.get('/users/me', { token: u.accessToken }), 401, 'TOKEN_EXPIRED', 'expired access token');
    assertProblem(await S.post('/auth/refresh', { body: { refreshToken: u.refreshToken } }), 401, 'REFRESH_TOKEN_INVALID',
      'expired refresh token');
  });
});
