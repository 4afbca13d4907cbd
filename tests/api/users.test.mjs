// Users contract (API.md "Users"): own profile, profile updates, public profiles,
// points, GDPR export and account deletion.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  startServer, api, registerUser, login, loginOk, uniqueEmail, PASSWORD,
  assertProblem, assertFieldError, expectStatus, UUID_RE, ISO_MS_Z_RE,
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

const OWN_KEYS = ['avatarUrl', 'bio', 'createdAt', 'email', 'id', 'location', 'name', 'pointsBalance', 'roles'];
const PUBLIC_KEYS = ['avatarUrl', 'bio', 'id', 'memberSince', 'name', 'tasksCompleted'];

async function me(token) {
  const res = await A.get('/users/me', { token });
  expectStatus(res, 200, 'GET /users/me');
  return res.body;
}

async function patchMe(token, body) {
  return A.patch('/users/me', { token, body });
}

// PATCH must answer 200 (with the updated profile) or 204.
function assertPatchOk(res, what) {
  assert.ok(res.status === 200 || res.status === 204, `${what}: expected 200 or 204, got ${res.status} ${res.text}`);
}

function near(a, b) {
  return Math.abs(a - b) < 1e-9;
}

describe('GET /users/me', { concurrency: true }, () => {
  it('returns the own profile', async () => {
    const u = await registerUser(srv.base, { name: 'Ada Lovelace' });
    const res = await A.get('/users/me', { token: u.accessToken });
    expectStatus(res, 200, 'GET /users/me');
    assert.match(res.headers.get('content-type') || '', /^application\/json\b/i);
    const p = res.body;
    for (const k of OWN_KEYS) assert.ok(k in p, `profile has ${k}: ${res.text}`);
    assert.equal(p.id, u.user.id);
    assert.match(p.id, UUID_RE);
    assert.equal(p.email, u.email);
    assert.equal(p.name, 'Ada Lovelace');
    assert.ok(p.bio === null || p.bio === '', 'a new user\'s bio is empty (null or "")');
    assert.equal(p.avatarUrl, null);
    assert.equal(p.location, null);
    assert.equal(p.pointsBalance, 0);
    assert.match(p.createdAt, ISO_MS_Z_RE);
    assert.ok(p.roles.includes('user'));
    assert.equal(p.emailVerified, false, 'a new address is not verified');
    assert.deepEqual(p.identities, [], 'no sign-in provider is linked');
    assert.ok(!('password' in p) && !('passwordHash' in p), 'no password material');
  });

  it('requires a bearer token', async () => {
    assertProblem(await A.get('/users/me'), 401, 'UNAUTHENTICATED', 'GET /users/me without bearer');
  });
});

describe('PATCH /users/me', { concurrency: true }, () => {
  it('updates name, bio, avatarUrl and location', async () => {
    const u = await registerUser(srv.base);
    const update = {
      name: 'Grace Hopper',
      bio: 'Helps with groceries on Saturdays. Ünïcödé ✓',
      avatarUrl: 'https://cdn.example.test/avatars/grace.png',
      location: { lat: 52.52, lng: 13.405 },
    };
    const res = await patchMe(u.accessToken, update);
    assertPatchOk(res, 'PATCH /users/me');
    const p = await me(u.accessToken);
    if (res.status === 200) assert.deepEqual(res.body, p, 'the PATCH response is the updated profile');
    assert.equal(p.name, update.name);
    assert.equal(p.bio, update.bio);
    assert.equal(p.avatarUrl, update.avatarUrl);
    assert.ok(p.location && near(p.location.lat, 52.52) && near(p.location.lng, 13.405),
      `location stored: ${JSON.stringify(p.location)}`);
    assert.equal(p.email, u.email);
    assert.equal(p.id, u.user.id);
  });

  it('leaves fields that are not sent alone', async () => {
    const u = await registerUser(srv.base, { name: 'Keep Me' });
    assertPatchOk(await patchMe(u.accessToken, { bio: 'only the bio' }), 'PATCH bio');
    const p = await me(u.accessToken);
    assert.equal(p.name, 'Keep Me');
    assert.equal(p.bio, 'only the bio');
  });

  it('accepts the extremes of the coordinate ranges', async () => {
    const u = await registerUser(srv.base);
    assertPatchOk(await patchMe(u.accessToken, { location: { lat: 90, lng: -180 } }), 'lat 90 lng -180');
    let p = await me(u.accessToken);
    assert.ok(near(p.location.lat, 90) && near(p.location.lng, -180), JSON.stringify(p.location));
    assertPatchOk(await patchMe(u.accessToken, { location: { lat: -90, lng: 180 } }), 'lat -90 lng 180');
    p = await me(u.accessToken);
    assert.ok(near(p.location.lat, -90) && near(p.location.lng, 180), JSON.stringify(p.location));
  });

  const badLocations = {
    'lat 91': { lat: 91, lng: 0 },
    'lat -90.0001': { lat: -90.0001, lng: 0 },
    'lng -181': { lat: 0, lng: -181 },
    'lng 180.5': { lat: 0, lng: 180.5 },
    'lat as a string': { lat: '52.5', lng: 13.4 },
    'missing lng': { lat: 52.5 },
    'an array': [52.5, 13.4],
  };
  for (const [name, location] of Object.entries(badLocations)) {
    it(`rejects a location with ${name} and changes nothing`, async () => {
      const u = await registerUser(srv.base);
      const before = await me(u.accessToken);
      const res = await patchMe(u.accessToken, { name: 'Changed Name', location });
      assertProblem(res, 400, 'VALIDATION_FAILED', `location ${name}`);
      assert.ok(res.body.errors?.some((e) => /location/.test(e.field)), `errors[] names location: ${res.text}`);
      assert.deepEqual(await me(u.accessToken), before, 'profile unchanged after a 400');
    });
  }

  it('limits the name to 100 characters', async () => {
    const u = await registerUser(srv.base);
    const before = await me(u.accessToken);
    assertFieldError(await patchMe(u.accessToken, { name: 'n'.repeat(101) }), 'name', 'VALIDATION_FAILED', '101 chars');
    assert.deepEqual(await me(u.accessToken), before, 'profile unchanged after a 400');
    const hundred = 'é'.repeat(100);
    assertPatchOk(await patchMe(u.accessToken, { name: hundred }), '100 two-byte characters');
    assert.equal((await me(u.accessToken)).name, hundred);
  });

  it('rejects an empty name', async () => {
    const u = await registerUser(srv.base);
    assertFieldError(await patchMe(u.accessToken, { name: '' }), 'name', 'VALIDATION_FAILED', 'empty name');
    assert.equal((await me(u.accessToken)).name, 'Test User');
  });

  it('ignores or rejects unknown fields, and never half-applies a rejected update', async () => {
    const u = await registerUser(srv.base);
    const before = await me(u.accessToken);
    const res = await patchMe(u.accessToken, { name: 'With Extra', favouriteColour: 'green' });
    if (res.status === 400) {
      assertProblem(res, 400, undefined, 'unknown field');
      assert.deepEqual(await me(u.accessToken), before, 'profile unchanged after a 400');
    } else {
      assertPatchOk(res, 'unknown field');
      const p = await me(u.accessToken);
      assert.equal(p.name, 'With Extra');
      assert.ok(!('favouriteColour' in p));
    }
  });

  it('never changes the email', async () => {
    const u = await registerUser(srv.base);
    const before = await me(u.accessToken);
    const res = await patchMe(u.accessToken, { email: uniqueEmail('new') });
    if (res.status === 400) assertProblem(res, 400, undefined, 'PATCH email');
    else assertPatchOk(res, 'PATCH email');
    assert.deepEqual(await me(u.accessToken), before, 'profile unchanged');
    expectStatus(await login(srv.base, u.email), 200, 'login with the original email');
  });

  it('never lets a user grant themselves points or roles', async () => {
    const u = await registerUser(srv.base);
    const res = await patchMe(u.accessToken, { pointsBalance: 1_000_000, roles: ['user', 'admin'], id: randomUUID() });
    if (res.status === 400) assertProblem(res, 400, undefined, 'PATCH privileged fields');
    else assertPatchOk(res, 'PATCH privileged fields');
    const p = await me(u.accessToken);
    assert.equal(p.pointsBalance, 0);
    assert.ok(!p.roles.includes('admin'), `roles: ${JSON.stringify(p.roles)}`);
    assert.equal(p.id, u.user.id);
  });

  it('clears bio and location with null', async () => {
    const u = await registerUser(srv.base);
    assertPatchOk(await patchMe(u.accessToken, { bio: 'temporary', location: { lat: 10, lng: 20 } }), 'set');
    assertPatchOk(await patchMe(u.accessToken, { bio: null, location: null }), 'clear');
    const p = await me(u.accessToken);
    assert.ok(p.bio === null || p.bio === '', `bio cleared: ${JSON.stringify(p.bio)}`);
    assert.equal(p.location, null);
  });

  it('rejects a null or non-string name', async () => {
    const u = await registerUser(srv.base);
    assertFieldError(await patchMe(u.accessToken, { name: null }), 'name', 'VALIDATION_FAILED', 'null name');
    assertFieldError(await patchMe(u.accessToken, { name: 42 }), 'name', 'VALIDATION_FAILED', 'numeric name');
    assert.equal((await me(u.accessToken)).name, 'Test User');
  });

  it('limits the bio to a sane length', async () => {
    const u = await registerUser(srv.base);
    assertFieldError(await patchMe(u.accessToken, { bio: 'b'.repeat(100_000) }), 'bio', 'VALIDATION_FAILED', '100k bio');
  });

  for (const url of ['javascript:alert(1)', 'not a url', 'ftp://example.test/a.png', 'data:text/html,<script>1</script>']) {
    it(`rejects the avatarUrl ${JSON.stringify(url)}`, async () => {
      const u = await registerUser(srv.base);
      assertFieldError(await patchMe(u.accessToken, { avatarUrl: url }), 'avatarUrl', 'VALIDATION_FAILED', url);
      assert.equal((await me(u.accessToken)).avatarUrl, null);
    });
  }

  it('requires a bearer token', async () => {
    assertProblem(await A.patch('/users/me', { body: { name: 'x' } }), 401, 'UNAUTHENTICATED', 'PATCH without bearer');
  });
});

describe('GET /users/{id}', { concurrency: true }, () => {
  let viewer;
  before(async () => {
    viewer = await registerUser(srv.base);
  });

  it('returns exactly the public profile', async () => {
    const u = await registerUser(srv.base, { name: 'Public Person' });
    assertPatchOk(await patchMe(u.accessToken, {
      bio: 'Hello', avatarUrl: 'https://cdn.example.test/a.png', location: { lat: 48.1, lng: 11.6 },
    }), 'PATCH');
    const res = await A.get(`/users/${u.user.id}`, { token: viewer.accessToken });
    expectStatus(res, 200, 'GET /users/{id}');
    const p = res.body;
    assert.deepEqual(Object.keys(p).sort(), PUBLIC_KEYS, `public profile keys: ${res.text}`);
    assert.ok(!('email' in p) && !('location' in p));
    assert.equal(p.id, u.user.id);
    assert.equal(p.name, 'Public Person');
    assert.equal(p.bio, 'Hello');
    assert.equal(p.avatarUrl, 'https://cdn.example.test/a.png');
    assert.equal(p.tasksCompleted, 0);
    assert.match(p.memberSince, ISO_MS_Z_RE);
    assert.ok(!res.text.includes(u.email), 'the email appears nowhere');
    const rest = JSON.stringify({ ...p, memberSince: undefined });
    assert.ok(!rest.includes('48.1') && !rest.includes('11.6'), 'the location appears nowhere');
  });

  it('also works for oneself', async () => {
    const res = await A.get(`/users/${viewer.user.id}`, { token: viewer.accessToken });
    expectStatus(res, 200, 'own public profile');
    assert.deepEqual(Object.keys(res.body).sort(), PUBLIC_KEYS);
  });

  it('unknown UUID → 404 USER_NOT_FOUND', async () => {
    assertProblem(await A.get(`/users/${randomUUID()}`, { token: viewer.accessToken }), 404, 'USER_NOT_FOUND', 'unknown id');
  });

  for (const bad of ['not-a-uuid', '123', `${'0'.repeat(8)}-0000-0000-0000-00000000000g`]) {
    it(`non-UUID id ${bad} → 400 INVALID_ID`, async () => {
      assertProblem(await A.get(`/users/${bad}`, { token: viewer.accessToken }), 400, 'INVALID_ID', `id ${bad}`);
    });
  }

  it('requires a bearer token', async () => {
    assertProblem(await A.get(`/users/${viewer.user.id}`), 401, 'UNAUTHENTICATED', 'without bearer');
  });
});

describe('GET /users/me/points', () => {
  it('starts with a zero balance and an empty ledger', async () => {
    const u = await registerUser(srv.base);
    const res = await A.get('/users/me/points', { token: u.accessToken });
    expectStatus(res, 200, 'GET /users/me/points');
    assert.equal(res.body.balance, 0);
    assert.deepEqual(res.body.items, []);
    assert.equal(res.body.nextCursor, null);
  });
});

// Finds the first value in a JSON tree for which pred(key, value) holds.
function findDeep(node, pred, key = '') {
  if (pred(key, node)) return node;
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      const hit = findDeep(v, pred, k);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

describe('GET /users/me/export', { concurrency: true }, () => {
  it('returns all of the user\'s data as one JSON document', async () => {
    const u = await registerUser(srv.base, { name: 'Export Me' });
    const second = await loginOk(srv.base, u.email);
    assertPatchOk(await patchMe(u.accessToken, { bio: 'export bio', location: { lat: 1.5, lng: 2.5 } }), 'PATCH');
    const res = await A.get('/users/me/export', { token: u.accessToken });
    expectStatus(res, 200, 'export');
    assert.match(res.headers.get('content-type') || '', /json/i);
    const doc = res.body;
    assert.ok(doc && typeof doc === 'object' && !Array.isArray(doc));
    const profile = findDeep(doc, (_k, v) => v && typeof v === 'object' && v.email === u.email);
    assert.ok(profile, `export contains the profile with the email: ${res.text.slice(0, 2000)}`);
    assert.equal(profile.id, u.user.id);
    assert.equal(profile.name, 'Export Me');
    assert.equal(profile.bio, 'export bio');
    const sessions = findDeep(doc, (k, v) => /session/i.test(k) && Array.isArray(v));
    assert.ok(sessions, `export has a sessions array: ${res.text.slice(0, 2000)}`);
    assert.ok(sessions.length >= 2, `both sessions exported (${sessions.length})`);
    const ledger = findDeep(doc, (k, v) => /ledger|transaction|points/i.test(k) && Array.isArray(v));
    assert.ok(ledger, `export has a ledger array: ${res.text.slice(0, 2000)}`);
    assert.ok(!res.text.includes('$argon2'), 'no password hash in the export');
    assert.ok(!res.text.includes(u.refreshToken) && !res.text.includes(second.refreshToken), 'no refresh tokens');
    assert.ok(!res.text.includes(u.password), 'no password');
  });

  it('requires a bearer token', async () => {
    assertProblem(await A.get('/users/me/export'), 401, 'UNAUTHENTICATED', 'export without bearer');
  });
});

describe('DELETE /users/me', { concurrency: true }, () => {
  it('erases the account and ends its sessions', async () => {
    const [u, viewer] = await Promise.all([registerUser(srv.base, { name: 'Leaving Soon' }), registerUser(srv.base)]);
    const second = await loginOk(srv.base, u.email);
    const res = await A.del('/users/me', { token: u.accessToken });
    expectStatus(res, 204, 'DELETE /users/me');
    assertProblem(await A.get('/users/me', { token: u.accessToken }), 401, undefined, 'old access token');
    assertProblem(await A.get('/users/me', { token: second.accessToken }), 401, undefined, 'other session access token');
    for (const t of [u.refreshToken, second.refreshToken]) {
      assertProblem(await A.post('/auth/refresh', { body: { refreshToken: t } }), 401, undefined, 'refresh after delete');
    }
    assertProblem(await login(srv.base, u.email), 401, 'INVALID_CREDENTIALS', 'login after delete');
    assertProblem(await A.get(`/users/${u.user.id}`, { token: viewer.accessToken }), 404, 'USER_NOT_FOUND',
      'public profile after delete');
  });

  it('frees the email for a new account', async () => {
    const u = await registerUser(srv.base);
    expectStatus(await A.del('/users/me', { token: u.accessToken }), 204, 'DELETE /users/me');
    const again = await A.post('/auth/register', { body: { email: u.email, password: PASSWORD, name: 'New Me' } });
    expectStatus(again, 201, 're-register the erased email');
    assert.notEqual(again.body.user.id, u.user.id);
    assert.equal(again.body.user.pointsBalance, 0);
  });

  it('requires a bearer token', async () => {
    assertProblem(await A.del('/users/me'), 401, 'UNAUTHENTICATED', 'DELETE without bearer');
  });
});
