// Sign in with Google and Apple (docs/auth.md): against a local fake OpenID provider
// (tests/fakes/oidc_provider.mjs) that serves rotating JWKS and a token endpoint which
// verifies the client secret, Apple's ES256 client-secret JWT and the PKCE verifier. Every
// forged or mismatched ID token is refused with 401 and creates nothing; key rotation and the
// refetch throttle; a provider that is down is 502; linking by verified email, including the
// pre-account takeover case; export and erasure.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, api, registerUser, expectStatus, assertProblem, assertFieldError, runBinary,
  execSql, uniqueEmail, PASSWORD } from './harness.mjs';
import { startOidcFake, signJwt } from '../fakes/oidc_provider.mjs';

const GOOGLE_IDS = ['web-client.apps.googleusercontent.test', 'android-client.apps.googleusercontent.test'];
const APPLE_IDS = ['org.gooddeeds.web', 'org.gooddeeds.app'];
const GOOGLE_SECRET = 'google-client-secret-for-tests';
// Long enough that five refused sign-ins fit inside one interval even under the sanitizers.
const REFETCH_MS = 2000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sha256hex = (s) => crypto.createHash('sha256').update(s).digest('hex');

let dir, fake, cold, srv, coldSrv, bare, A, C, B;

function providerArgs(f, name) {
  const ids = name === 'google' ? GOOGLE_IDS : APPLE_IDS;
  return [`--oauth-${name}-client-ids`, ids.join(','), ...f.flags(name)];
}

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gd-oauth-'));
  const appleKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const p8 = path.join(dir, 'AuthKey_TESTKEY123.p8');
  writeFileSync(p8, appleKey.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const apple = { teamId: 'TEAM123456', keyId: 'TESTKEY123', publicKey: appleKey.publicKey };
  const clientIds = { google: GOOGLE_IDS, apple: APPLE_IDS };
  fake = await startOidcFake({ clientIds, googleSecret: GOOGLE_SECRET, apple });
  cold = await startOidcFake({ clientIds, googleSecret: GOOGLE_SECRET, apple });
  const common = ['--oauth-jwks-refetch-ms', String(REFETCH_MS), '--oauth-timeout-ms', '1500'];
  srv = await startServer({ args: [...providerArgs(fake, 'google'), ...providerArgs(fake, 'apple'),
    '--oauth-google-client-secret', GOOGLE_SECRET, '--oauth-apple-team-id', apple.teamId,
    '--oauth-apple-key-id', apple.keyId, '--oauth-apple-private-key-file', p8, ...common] });
  coldSrv = await startServer({ args: [...providerArgs(cold, 'google'), ...common] });
  bare = await startServer();
  A = api(srv.base);
  C = api(coldSrv.base);
  B = api(bare.base);
});

after(async () => {
  await srv?.stop();
  await coldSrv?.stop();
  await bare?.stop();
  await fake?.stop();
  await cold?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const google = (body, api_ = A) => api_.post('/auth/oauth/google', { body });
const appleSignIn = (body) => A.post('/auth/oauth/apple', { body });

async function metric(name, labels) {
  const text = (await api(srv.origin).get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

function signedIn(res, what) {
  expectStatus(res, 200, what);
  assert.equal(typeof res.body.accessToken, 'string');
  assert.equal(typeof res.body.refreshToken, 'string');
  assert.equal(typeof res.body.isNewUser, 'boolean');
  return res.body;
}

describe('configuration', () => {
  it('a provider that is not configured is 404 NOT_FOUND', async () => {
    for (const p of ['google', 'apple'])
      assertProblem(await B.post(`/auth/oauth/${p}`, { body: { idToken: 'a.b.c' } }), 404, 'NOT_FOUND', p);
  });

  it('config.json names the configured providers with their web client id and auth URL', async () => {
    const cfg = (await api(srv.origin).get('/config.json')).body;
    assert.deepEqual(cfg.oauth, {
      google: { clientId: GOOGLE_IDS[0], authUrl: `${fake.google.issuer}/authorize` },
      apple: { clientId: APPLE_IDS[0], authUrl: `${fake.apple.issuer}/authorize` },
    });
    assert.equal('oauth' in (await api(bare.origin).get('/config.json')).body, false);
  });

  it('refuses to start with a provider URL that is not https:// (except on loopback)', async () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'gd-oauth-bad-'));
    try {
      for (const [flag, url] of [['--oauth-google-jwks-url', 'http://keys.example.com/certs'],
        ['--oauth-apple-token-url', 'ftp://127.0.0.1/token'], ['--oauth-google-issuer', 'http://10.0.0.1']]) {
        const r = await runBinary(['serve', '--data-dir', d, '--listen', '127.0.0.1:1',
          '--oauth-google-client-ids', 'x', flag, url]);
        assert.equal(r.code, 2, `${flag} ${url}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(flag));
      }
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('rate limit', () => {
  it('refused tokens take from the client IP\'s login bucket; then 429 with Retry-After', async () => {
    const limited = await startServer({ args: [...providerArgs(fake, 'google'), '--auth-rate-per-ip-burst', '3',
      '--auth-rate-per-ip-per-min', '1'] });
    try {
      const L = api(limited.base);
      for (let i = 0; i < 3; i++)
        assertProblem(await google({ idToken: fake.google.idToken({ aud: 'other' }) }, L), 401, 'OAUTH_TOKEN_INVALID');
      const r = await google({ idToken: fake.google.idToken() }, L);
      assertProblem(r, 429, 'RATE_LIMITED');
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    } finally {
      await limited.stop();
    }
  });
});

describe('ID tokens', () => {
  it('first sign-in creates the account (isNewUser), the next finds it', async () => {
    const email = uniqueEmail('g');
    const sub = `g-${crypto.randomUUID()}`;
    const first = signedIn(await google({ idToken: fake.google.idToken({ sub, email, email_verified: true, name: 'Grace Hopper' }) }), 'first');
    assert.equal(first.isNewUser, true);
    assert.equal(first.user.email, email);
    assert.equal(first.user.name, 'Grace Hopper');
    assert.equal(first.user.emailVerified, true);
    assert.deepEqual(first.user.identities, ['google']);
    const again = signedIn(await google({ idToken: fake.google.idToken({ sub, email, email_verified: true }) }), 'again');
    assert.equal(again.isNewUser, false);
    assert.equal(again.user.id, first.user.id);
    const me = await A.get('/users/me', { token: again.accessToken });
    expectStatus(me, 200);
    assert.deepEqual(me.body.identities, ['google']);
  });

  it('a user with only an identity has no password: login fails exactly as a wrong password does', async () => {
    const email = uniqueEmail('nopw');
    signedIn(await google({ idToken: fake.google.idToken({ email, email_verified: true }) }));
    const withPassword = await registerUser(srv.base);
    const noPassword = await A.post('/auth/login', { body: { email, password: PASSWORD } });
    const wrong = await A.post('/auth/login', { body: { email: withPassword.email, password: 'not the password 123' } });
    assertProblem(noPassword, 401, 'INVALID_CREDENTIALS');
    assertProblem(wrong, 401, 'INVALID_CREDENTIALS');
    const strip = ({ instance, requestId, ...rest }) => rest;
    assert.deepEqual(strip(noPassword.body), strip(wrong.body));
  });

  it('no first password without the current one: an identity-only account sets it through password reset', async () => {
    const s = signedIn(await google({ idToken: fake.google.idToken({ email: uniqueEmail('pw'), email_verified: true }) }));
    assertFieldError(await A.post('/users/me/password', { token: s.accessToken, body: { newPassword: 'a brand new password 42' } }), 'currentPassword');
    assertProblem(await A.post('/users/me/password', { token: s.accessToken,
      body: { currentPassword: 'anything at all 1', newPassword: 'a brand new password 42' } }), 403, 'CURRENT_PASSWORD_WRONG');
  });

  it('aud may be any configured client id; several audiences need azp to be ours', async () => {
    signedIn(await google({ idToken: fake.google.idToken({ aud: GOOGLE_IDS[1] }) }), 'second client id');
    signedIn(await google({ idToken: fake.google.idToken({ aud: [GOOGLE_IDS[1], 'other'], azp: GOOGLE_IDS[1] }) }), 'aud array');
    assertProblem(await google({ idToken: fake.google.idToken({ aud: [GOOGLE_IDS[1], 'other'], azp: 'other' }) }), 401, 'OAUTH_TOKEN_INVALID');
  });

  it('every forged or mismatched token is 401 OAUTH_TOKEN_INVALID and creates nothing', async () => {
    const sub = `forged-${crypto.randomUUID()}`;
    const email = uniqueEmail('forged');
    const base = { sub, email, email_verified: true };
    const key = fake.google.keys[0];
    const now = Math.floor(Date.now() / 1000);
    const valid = fake.google.idToken(base);
    const [h, p, s] = valid.split('.');
    const sig = Buffer.from(s, 'base64url');
    sig[10] ^= 0x01;
    const stranger = fake.Provider.strangerKey();
    const publicPem = key.publicKey.export({ type: 'spki', format: 'pem' });
    const claims = fake.google.claims(base);
    const forged = {
      'alg none': signJwt({ alg: 'none', kid: key.kid }, claims),
      'HS256 with the public key as secret': signJwt({ alg: 'HS256', kid: key.kid }, claims, publicPem),
      'RS256 by a key the provider never published': fake.google.idToken(base, { key: stranger }),
      'kid of another key': fake.google.idToken(base, { key: { ...stranger, kid: key.kid } }),
      'bit-flipped signature': `${h}.${p}.${sig.toString('base64url')}`,
      'payload swapped under the signature': `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'x' })).toString('base64url')}.${s}`,
      'wrong iss': fake.google.idToken({ ...base, iss: 'https://accounts.google.com.evil.test' }),
      'Apple token at the Google endpoint': fake.apple.idToken({ ...base, aud: GOOGLE_IDS[0] }),
      'wrong aud': fake.google.idToken({ ...base, aud: 'someone-else.apps.googleusercontent.test' }),
      'expired beyond the skew': fake.google.idToken({ ...base, iat: now - 3600, exp: now - 61 }),
      'issued in the future beyond the skew': fake.google.idToken({ ...base, iat: now + 120 }),
      'no exp': fake.google.idToken({ ...base, exp: undefined }),
      'missing sub': fake.google.idToken({ ...base, sub: undefined }),
      'not a JWT': 'not-a-jwt',
    };
    for (const [what, idToken] of Object.entries(forged))
      assertProblem(await google({ idToken }), 401, 'OAUTH_TOKEN_INVALID', what);
    assertProblem(await google({ idToken: fake.google.idToken({ ...base, nonce: 'n-1' }), nonce: 'n-2' }), 401, 'OAUTH_TOKEN_INVALID', 'wrong nonce');
    assertProblem(await google({ idToken: valid, nonce: 'n-1' }), 401, 'OAUTH_TOKEN_INVALID', 'nonce asked, none in the token');
    // Nothing was created: the email is free and the first real sign-in is a new user.
    expectStatus(await A.post('/auth/login', { body: { email, password: PASSWORD } }), 401);
    const real = signedIn(await google({ idToken: fake.google.idToken({ ...base, iat: now - 50, exp: now - 50 }) }), 'within the skew');
    assert.equal(real.isNewUser, true);
  });

  it('nonce: the claim is the nonce sent or its hex SHA-256 (Apple)', async () => {
    signedIn(await google({ idToken: fake.google.idToken({ nonce: 'raw-nonce' }), nonce: 'raw-nonce' }), 'raw');
    signedIn(await appleSignIn({ idToken: fake.apple.idToken({ nonce: sha256hex('apple-nonce') }), nonce: 'apple-nonce' }), 'hashed');
    assertProblem(await appleSignIn({ idToken: fake.apple.idToken({ nonce: sha256hex('other') }), nonce: 'apple-nonce' }), 401, 'OAUTH_TOKEN_INVALID');
  });

  it('Apple: email_verified as the string "true", the name sent on first sign-in, private-relay emails', async () => {
    const email = `${crypto.randomBytes(5).toString('hex')}@privaterelay.appleid.com`;
    const first = signedIn(await appleSignIn({ idToken: fake.apple.idToken({ email, email_verified: 'true', aud: APPLE_IDS[1] }), name: 'Ada Lovelace' }));
    assert.equal(first.isNewUser, true);
    assert.equal(first.user.name, 'Ada Lovelace');
    assert.equal(first.user.email, email);
    assert.equal(first.user.emailVerified, true);
    assert.deepEqual(first.user.identities, ['apple']);
    const unverified = signedIn(await appleSignIn({ idToken: fake.apple.idToken({ email: uniqueEmail('a'), email_verified: 'false' }) }));
    assert.equal(unverified.user.email, null, 'an address the provider does not vouch for is not taken');
    assert.equal(unverified.user.emailVerified, false);
  });

  it('malformed bodies are 400', async () => {
    assertFieldError(await google({}), 'idToken');
    assertFieldError(await google({ idToken: 'a.b.c', code: 'x', redirectUri: 'https://app.test/cb' }), 'code');
    assertFieldError(await google({ code: 'x' }), 'redirectUri');
    assertFieldError(await google({ idToken: 'a.b.c', name: 'Me' }), 'name');
    assertFieldError(await google({ code: 'x', redirectUri: 'https://app.test/cb', codeVerifier: 'short' }), 'codeVerifier');
    assertFieldError(await google({ idToken: 42 }), 'idToken');
    assertProblem(await A.post('/auth/oauth/google', { rawBody: '{"idToken":', headers: { 'content-type': 'application/json' } }), 400);
  });
});

describe('authorization code', () => {
  const redirectUri = 'https://app.gooddeeds.test/oauth/callback';
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');

  it('Google: the server exchanges the code with its client secret and the PKCE verifier', async () => {
    const sub = `code-${crypto.randomUUID()}`;
    const code = fake.google.issueCode({ redirectUri, codeChallenge: challenge, nonce: 'n0nce', user: { sub, email: uniqueEmail('c'), email_verified: true } });
    const s = signedIn(await google({ code, redirectUri, codeVerifier: verifier, nonce: 'n0nce' }));
    assert.equal(s.isNewUser, true);
    assertProblem(await google({ code, redirectUri, codeVerifier: verifier }), 401, 'OAUTH_TOKEN_INVALID', 'a code is used once');
    const other = fake.google.issueCode({ redirectUri, codeChallenge: challenge });
    assertProblem(await google({ code: other, redirectUri, codeVerifier: 'x'.repeat(43) }), 401, 'OAUTH_TOKEN_INVALID', 'wrong verifier');
    assert.ok(fake.google.rejected.includes('grant: PKCE verifier does not match'));
    const third = fake.google.issueCode({ redirectUri });
    assertProblem(await google({ code: third, redirectUri: `${redirectUri}x` }), 401, 'OAUTH_TOKEN_INVALID', 'other redirect_uri');
  });

  it('Apple: the client secret is an ES256 JWT by the team key, and the fake accepts it', async () => {
    const before_ = fake.apple.exchanges;
    const code = fake.apple.issueCode({ redirectUri, codeChallenge: challenge, nonce: 'apple-n', user: { email: uniqueEmail('ac'), email_verified: 'true' } });
    const s = signedIn(await appleSignIn({ code, redirectUri, codeVerifier: verifier, nonce: 'apple-n', name: 'Tim' }));
    assert.equal(s.isNewUser, true);
    assert.equal(s.user.name, 'Tim');
    assert.equal(fake.apple.exchanges, before_ + 1);
    assert.deepEqual(fake.apple.rejected.filter((r) => r.startsWith('client')), []);
  });

  it('the authorization endpoint of the fake redirects back with a code the server can use', async () => {
    const u = new URL(`${fake.google.issuer}/authorize`);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: GOOGLE_IDS[0], redirect_uri: redirectUri,
      state: 'st', nonce: 'nn', code_challenge: challenge, code_challenge_method: 'S256' })) u.searchParams.set(k, v);
    const res = await fetch(u, { redirect: 'manual' });
    assert.equal(res.status, 302);
    const back = new URL(res.headers.get('location'));
    assert.equal(back.searchParams.get('state'), 'st');
    signedIn(await google({ code: back.searchParams.get('code'), redirectUri, codeVerifier: verifier, nonce: 'nn' }));
  });

  it('a token endpoint that fails, hangs or drops the connection is 502', async () => {
    for (const mode of ['error', 'hang', 'refuse']) {
      fake.google.mode = mode;
      try {
        assertProblem(await google({ code: 'whatever', redirectUri }), 502, 'OAUTH_PROVIDER_UNAVAILABLE', mode);
      } finally {
        fake.google.mode = 'ok';
      }
    }
  });
});

describe('JWKS', () => {
  it('a rotated key is fetched; unknown kids refetch at most once per interval', async () => {
    signedIn(await google({ idToken: fake.google.idToken() }), 'warm');
    await sleep(REFETCH_MS + 100);
    const fetches = fake.google.jwksFetches;
    const fresh = fake.google.rotate();
    signedIn(await google({ idToken: fake.google.idToken({}, { key: fresh }) }), 'new kid');
    assert.equal(fake.google.jwksFetches, fetches + 1, 'the new kid fetched the keys once');
    const stranger = fake.Provider.strangerKey();
    const refused = await Promise.all(
      Array.from({ length: 5 }, () => google({ idToken: fake.google.idToken({}, { key: stranger }) })));
    for (const r of refused) assertProblem(r, 401, 'OAUTH_TOKEN_INVALID');
    assert.equal(fake.google.jwksFetches, fetches + 1, 'unknown kids right after a fetch do not fetch again');
    await sleep(REFETCH_MS + 100);
    assertProblem(await google({ idToken: fake.google.idToken({}, { key: stranger }) }), 401, 'OAUTH_TOKEN_INVALID');
    assert.equal(fake.google.jwksFetches, fetches + 2, 'after the interval one more fetch');
    // A retired key stops working once the cache has the new set.
    const old = fake.google.keys[1];
    fake.google.retire(old.kid);
    await sleep(REFETCH_MS + 100);
    const another = fake.google.rotate();
    signedIn(await google({ idToken: fake.google.idToken({}, { key: another }) }), 'newest key');
    assertProblem(await google({ idToken: fake.google.idToken({}, { key: old }) }), 401, 'OAUTH_TOKEN_INVALID', 'retired key');
    assert.ok(await metric('gooddeeds_oauth_jwks_fetches_total', 'provider="google"') >= 3);
  });

  it('concurrent sign-ins on a cold cache share one fetch; keys unreachable is 502', async () => {
    cold.google.mode = 'error';
    assertProblem(await google({ idToken: cold.google.idToken() }, C), 502, 'OAUTH_PROVIDER_UNAVAILABLE', '503');
    cold.google.mode = 'refuse';
    assertProblem(await google({ idToken: cold.google.idToken() }, C), 502, 'OAUTH_PROVIDER_UNAVAILABLE', 'refused');
    cold.google.mode = 'hang';
    const t0 = Date.now();
    assertProblem(await google({ idToken: cold.google.idToken() }, C), 502, 'OAUTH_PROVIDER_UNAVAILABLE', 'hangs');
    assert.ok(Date.now() - t0 < 5000, 'bounded by --oauth-timeout-ms');
    cold.google.mode = 'ok';
    const before_ = cold.google.jwksFetches;
    const results = await Promise.all(Array.from({ length: 8 }, () => google({ idToken: cold.google.idToken() }, C)));
    for (const r of results) signedIn(r, 'concurrent');
    assert.equal(cold.google.jwksFetches, before_ + 1, 'one fetch for all of them');
    // Keys it has keep working while the provider is down.
    cold.google.mode = 'error';
    try {
      signedIn(await google({ idToken: cold.google.idToken() }, C), 'cached keys');
    } finally {
      cold.google.mode = 'ok';
    }
  });
});

describe('accounts', () => {
  it('pre-account takeover: a password set by someone who never proved the address is dropped', async () => {
    const email = uniqueEmail('victim');
    const squatter = await registerUser(srv.base, { email });
    const owner = signedIn(await google({ idToken: fake.google.idToken({ email: email.toUpperCase(), email_verified: true }) }));
    assert.equal(owner.isNewUser, false);
    assert.equal(owner.user.id, squatter.user.id, 'the mailbox owner gets the account');
    assert.equal(owner.user.emailVerified, true);
    assertProblem(await A.post('/auth/login', { body: { email, password: squatter.password } }), 401, 'INVALID_CREDENTIALS');
    assertProblem(await A.post('/auth/refresh', { body: { refreshToken: squatter.refreshToken } }), 401);
    expectStatus(await A.get('/users/me', { token: squatter.accessToken }), 401, "the squatter's session ended");
    expectStatus(await A.get('/users/me', { token: owner.accessToken }), 200);
  });

  it('an account whose address was proven is linked and keeps its password and sessions', async () => {
    const u = await registerUser(srv.base);
    await execSql(srv, `UPDATE users SET email_verified_at = 1 WHERE id = '${u.user.id}'`);
    const s = signedIn(await appleSignIn({ idToken: fake.apple.idToken({ email: u.email, email_verified: true }) }));
    assert.equal(s.isNewUser, false);
    assert.equal(s.user.id, u.user.id);
    assert.deepEqual(s.user.identities, ['apple']);
    expectStatus(await A.post('/auth/login', { body: { email: u.email, password: u.password } }), 200);
    expectStatus(await A.get('/users/me', { token: u.accessToken }), 200);
    const g = signedIn(await google({ idToken: fake.google.idToken({ email: u.email, email_verified: true }) }));
    assert.equal(g.user.id, u.user.id);
    assert.deepEqual(g.user.identities, ['google', 'apple']);
  });

  it('an address the provider does not vouch for links nothing', async () => {
    const u = await registerUser(srv.base);
    const s = signedIn(await google({ idToken: fake.google.idToken({ email: u.email, email_verified: false }) }));
    assert.equal(s.isNewUser, true);
    assert.notEqual(s.user.id, u.user.id);
    assert.equal(s.user.email, null);
    expectStatus(await A.post('/auth/login', { body: { email: u.email, password: u.password } }), 200);
    expectStatus(await A.get('/users/me', { token: u.accessToken }), 200);
  });

  it('the export lists identities; erasure removes them', async () => {
    const sub = `erase-${crypto.randomUUID()}`;
    const email = uniqueEmail('erase');
    const s = signedIn(await google({ idToken: fake.google.idToken({ sub, email, email_verified: true }) }));
    const exp = await A.get('/users/me/export', { token: s.accessToken });
    expectStatus(exp, 200);
    assert.equal(exp.body.identities.length, 1);
    assert.equal(exp.body.identities[0].provider, 'google');
    assert.equal(exp.body.identities[0].subject, sub);
    assert.equal(exp.body.identities[0].email, email);
    expectStatus(await A.del('/users/me', { token: s.accessToken }), 204);
    const again = signedIn(await google({ idToken: fake.google.idToken({ sub, email, email_verified: true }) }));
    assert.equal(again.isNewUser, true);
    assert.notEqual(again.user.id, s.user.id);
  });

  it('concurrent first sign-ins of one subject make one account', async () => {
    const sub = `race-${crypto.randomUUID()}`;
    const email = uniqueEmail('race');
    const results = await Promise.all(Array.from({ length: 6 }, () =>
      google({ idToken: fake.google.idToken({ sub, email, email_verified: true }) })));
    const bodies = results.map((r) => signedIn(r, 'race'));
    assert.equal(new Set(bodies.map((b) => b.user.id)).size, 1);
    assert.equal(bodies.filter((b) => b.isNewUser).length, 1);
  });

  it('/metrics counts sign-ins by provider and outcome', async () => {
    assert.ok(await metric('gooddeeds_oauth_sign_ins_total', 'provider="google",outcome="new_user"') > 0);
    assert.ok(await metric('gooddeeds_oauth_sign_ins_total', 'provider="google",outcome="invalid"') > 0);
    assert.ok(await metric('gooddeeds_oauth_sign_ins_total', 'provider="apple",outcome="ok"') > 0);
    assert.ok(await metric('gooddeeds_oauth_sign_ins_total', 'provider="google",outcome="unavailable"') > 0);
  });
});
