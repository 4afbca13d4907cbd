// Responses that carry secrets or a person's own data must not be stored by browsers or
// proxies (RFC 6749 §5.1, ASVS 8.2.1): token responses, the export, discount codes, partner
// API keys and sync pulls carry `Cache-Control: no-store` and `Pragma: no-cache`, errors too.
// The public catalogue and the health check do not.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, api, registerUser, createAdmin, expectStatus, randomHex, uniqueEmail, PASSWORD,
} from './harness.mjs';

let srv;
let A;
let admin;

before(async () => {
  srv = await startServer();
  A = api(srv.base);
  admin = await createAdmin(srv);
});

after(async () => {
  await srv?.stop();
});

function assertNoStore(res, what) {
  assert.equal(res.headers.get('cache-control'), 'no-store', `${what}: Cache-Control`);
  assert.equal(res.headers.get('pragma'), 'no-cache', `${what}: Pragma`);
}

describe('no-store on secrets', { concurrency: true }, () => {
  it('register, login, refresh (and their failures)', async () => {
    const u = await registerUser(srv.base);
    assertNoStore(u.res, 'register');
    const login = await A.post('/auth/login', { body: { email: u.email, password: PASSWORD } });
    expectStatus(login, 200, 'login');
    assertNoStore(login, 'login');
    const refresh = await A.post('/auth/refresh', { body: { refreshToken: login.body.refreshToken } });
    expectStatus(refresh, 200, 'refresh');
    assertNoStore(refresh, 'refresh');
    const wrong = await A.post('/auth/login', { body: { email: uniqueEmail(), password: PASSWORD } });
    expectStatus(wrong, 401, 'failed login');
    assertNoStore(wrong, 'failed login');
  });

  it('the export, the profile and a sync pull', async () => {
    const u = await registerUser(srv.base);
    const exp = await A.get('/users/me/export', { token: u.accessToken });
    expectStatus(exp, 200, 'export');
    assertNoStore(exp, 'export');
    assertNoStore(await A.get('/users/me', { token: u.accessToken }), 'GET /users/me');
    const pull = await A.get('/sync/pull?lastPulledAt=null&schemaVersion=1&migration=null', { token: u.accessToken });
    expectStatus(pull, 200, 'pull');
    assertNoStore(pull, 'sync pull');
  });

  it('a partner API key and a discount code', async () => {
    const partner = await A.post('/admin/partners', {
      token: admin.accessToken, body: { name: `Cafe ${randomHex(4)}`, description: 'Coffee' },
    });
    expectStatus(partner, 201, 'partner');
    const key = await A.post(`/admin/partners/${partner.body.id}/api-keys`, { token: admin.accessToken });
    expectStatus(key, 201, 'api key');
    assert.ok(key.body.key);
    assertNoStore(key, 'API key creation');
    const offer = await A.post(`/admin/partners/${partner.body.id}/offers`, {
      token: admin.accessToken, body: { title: 'Coffee', description: 'One', pointsCost: 5, validDays: 30 },
    });
    expectStatus(offer, 201, 'offer');
    const u = await registerUser(srv.base);
    expectStatus(await A.post(`/admin/users/${u.user.id}/points`, {
      token: admin.accessToken, body: { amount: 10, reason: 'test' },
    }), 201, 'credit');
    const red = await A.post('/redemptions', { token: u.accessToken, body: { offerId: offer.body.id } });
    expectStatus(red, 201, 'redemption');
    assert.ok(red.body.discountCode);
    assertNoStore(red, 'redemption');
    assertNoStore(await A.get('/users/me/redemptions', { token: u.accessToken }), 'redemption list');
  });

  it('public responses are left alone', async () => {
    const res = await A.get('/partners');
    expectStatus(res, 200, 'catalogue');
    assert.equal(res.headers.get('cache-control'), null);
    assert.equal(res.headers.get('pragma'), null);
  });
});
