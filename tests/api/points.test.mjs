// Points, partners and redemptions (API.md "Points, partners, redemptions", docs/points.md):
// the public catalogue, the admin endpoints, redeeming offers for discount codes, the partner
// API with its ApiKey, refunds, admin adjustments and deactivations, and bad input on every
// new endpoint. Every describe ends with `gooddeeds verify-ledger` on its database.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  startServer, runBinary, api, registerUser, expectStatus, assertProblem, assertFieldError, createAdmin,
  assertLedgerOk, execSql, loginOk, randomHex, UUID_RE, ISO_MS_Z_RE,
} from './harness.mjs';

const CODE_RE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;
const DAY_MS = 24 * 3600 * 1000;

let srv;
let A;
let admin;

before(async () => {
  srv = await startServer();
  A = api(srv.base);
  admin = await createAdmin(srv);
});

after(async () => {
  if (srv) await assertLedgerOk(srv, 'after the points suite');
  await srv?.stop();
});

const asAdmin = { get token() { return admin.accessToken; } };

async function newPartner(over = {}) {
  const res = await A.post('/admin/partners', {
    token: admin.accessToken,
    body: { name: `Bakery ${randomHex(4)}`, description: 'Bread and cake', logoUrl: 'https://example.test/logo.png', ...over },
  });
  expectStatus(res, 201, 'create partner');
  return res.body;
}

async function newOffer(partner, over = {}) {
  const res = await A.post(`/admin/partners/${partner.id}/offers`, {
    token: admin.accessToken,
    body: { title: '10% off', description: 'Any loaf', pointsCost: 10, validDays: 30, ...over },
  });
  expectStatus(res, 201, 'create offer');
  return res.body;
}

async function newKey(partner) {
  const res = await A.post(`/admin/partners/${partner.id}/api-keys`, { token: admin.accessToken });
  expectStatus(res, 201, 'issue key');
  return res.body;
}

async function give(user, amount, reason = 'test credit') {
  const res = await A.post(`/admin/users/${user.user.id}/points`, {
    token: admin.accessToken, body: { amount, reason },
  });
  expectStatus(res, 201, 'admin adjustment');
  return res.body;
}

async function balanceOf(user) {
  const res = await A.get('/users/me/points', { token: user.accessToken });
  expectStatus(res, 200, 'GET /users/me/points');
  return res.body.balance;
}

function redeem(user, offer, headers = {}) {
  return A.post('/redemptions', { token: user.accessToken, body: { offerId: offer.id }, headers });
}

function partnerApi(key, action, code) {
  return A.post(`/partner-api/redemptions/${action}`, {
    headers: { authorization: `ApiKey ${key}` }, body: { code },
  });
}

// A partner with one offer (cost 10, 30 days), an API key, and a user with `points`.
async function shop(points = 100, offerOver = {}) {
  const partner = await newPartner();
  const offer = await newOffer(partner, offerOver);
  const key = await newKey(partner);
  const user = await registerUser(srv.base);
  if (points > 0) await give(user, points);
  return { partner, offer, key, user };
}

describe('admin access', { concurrency: true }, () => {
  const calls = (id) => [
    ['GET', '/admin/partners'],
    ['POST', '/admin/partners', { name: 'X' }],
    ['GET', `/admin/partners/${id}`],
    ['PATCH', `/admin/partners/${id}`, { name: 'X' }],
    ['POST', `/admin/partners/${id}/offers`, { title: 'X', pointsCost: 1, validDays: 1 }],
    ['PATCH', `/admin/offers/${id}`, { title: 'X' }],
    ['POST', `/admin/partners/${id}/api-keys`],
    ['DELETE', `/admin/partners/${id}/api-keys/${id}`],
    ['POST', `/admin/redemptions/${id}/refund`, { reason: 'x' }],
    ['GET', `/admin/users/${id}`],
    ['PATCH', `/admin/users/${id}`, { isActive: false }],
    ['POST', `/admin/users/${id}/points`, { amount: 100, reason: 'x' }],
    ['POST', `/admin/tasks/${id}/deactivate`],
  ];

  it('a signed-in user without the admin role gets 403 on every admin endpoint', async () => {
    const u = await registerUser(srv.base);
    for (const [method, p, body] of calls(randomUUID())) {
      const res = await A.req(method, p, { token: u.accessToken, body });
      assertProblem(res, 403, 'FORBIDDEN', `${method} ${p}`);
    }
    assert.equal(await balanceOf(u), 0, 'nothing was credited');
  });

  it('without a token every admin endpoint is 401', async () => {
    for (const [method, p, body] of calls(randomUUID())) {
      assertProblem(await A.req(method, p, { body }), 401, 'UNAUTHENTICATED', `${method} ${p}`);
    }
  });
});

describe('partners and offers', { concurrency: true }, () => {
  it('an admin creates a partner; it is in the public catalogue without a token', async () => {
    const p = await newPartner({ name: `  Corner Café ${randomHex(3)} ` });
    assert.match(p.id, UUID_RE);
    assert.ok(p.name.startsWith('Corner Café') && !p.name.endsWith(' '), 'name trimmed');
    assert.equal(p.isActive, true);
    assert.equal(p.logoUrl, 'https://example.test/logo.png');
    assert.match(p.createdAt, ISO_MS_Z_RE);
    assert.match(p.updatedAt, ISO_MS_Z_RE);
    const one = await A.get(`/partners/${p.id}`);
    expectStatus(one, 200, 'public GET /partners/{id}');
    assert.deepEqual(one.body, { ...p, offers: [] });
  });

  it('GET /partners/{id} lists only active offers, cheapest first', async () => {
    const p = await newPartner();
    const o3 = await newOffer(p, { pointsCost: 30 });
    const o1 = await newOffer(p, { pointsCost: 5, title: 'Coffee' });
    const off = await newOffer(p, { pointsCost: 1, isActive: false });
    const res = await A.get(`/partners/${p.id}`);
    expectStatus(res, 200);
    assert.deepEqual(res.body.offers.map((o) => o.id), [o1.id, o3.id]);
    assert.deepEqual(res.body.offers[0], o1);
    assert.deepEqual(Object.keys(o1).sort(), ['createdAt', 'description', 'id', 'isActive', 'partnerId',
      'pointsCost', 'title', 'updatedAt', 'validDays']);
    const adminView = await A.get(`/admin/partners/${p.id}`, asAdmin);
    expectStatus(adminView, 200);
    assert.deepEqual(adminView.body.offers.map((o) => o.id).sort(), [o1.id, o3.id, off.id].sort());
  });

  it('PATCH edits partners and offers; a deactivated partner leaves the catalogue', async () => {
    const p = await newPartner();
    const o = await newOffer(p);
    const edited = await A.patch(`/admin/partners/${p.id}`, { ...asAdmin, body: { description: 'New', logoUrl: null } });
    expectStatus(edited, 200, 'patch partner');
    assert.equal(edited.body.description, 'New');
    assert.equal(edited.body.logoUrl, null);
    assert.equal(edited.body.name, p.name);
    const eo = await A.patch(`/admin/offers/${o.id}`, { ...asAdmin, body: { pointsCost: 25, validDays: 7 } });
    expectStatus(eo, 200, 'patch offer');
    assert.equal(eo.body.pointsCost, 25);
    assert.equal(eo.body.validDays, 7);
    assert.equal(eo.body.title, o.title);
    const off = await A.patch(`/admin/partners/${p.id}`, { ...asAdmin, body: { isActive: false } });
    expectStatus(off, 200);
    assert.equal(off.body.isActive, false);
    assertProblem(await A.get(`/partners/${p.id}`), 404, 'PARTNER_NOT_FOUND', 'inactive partner');
    const all = await A.get(`/admin/partners/${p.id}`, asAdmin);
    expectStatus(all, 200, 'admins still see it');
    assert.equal(all.body.isActive, false);
    const back = await A.patch(`/admin/partners/${p.id}`, { ...asAdmin, body: { isActive: true } });
    expectStatus(back, 200);
    expectStatus(await A.get(`/partners/${p.id}`), 200, 'active again');
  });

  it('GET /partners pages through active partners by name, each with its active offers', async () => {
    const tag = randomHex(4);
    const mine = [];
    for (const n of ['b', 'a', 'd', 'c']) mine.push(await newPartner({ name: `${tag} ${n}` }));
    await A.patch(`/admin/partners/${mine[2].id}`, { ...asAdmin, body: { isActive: false } });
    const dear = await newOffer(mine[1], { pointsCost: 50 });
    const cheap = await newOffer(mine[1], { pointsCost: 5 });
    await newOffer(mine[1], { pointsCost: 1, isActive: false });
    const seen = [];
    let cursor = null;
    for (let i = 0; i < 200; i++) {
      const res = await A.get(`/partners?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expectStatus(res, 200, 'GET /partners');
      assert.ok(res.body.items.length <= 3);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    const ids = seen.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'no repeats');
    assert.ok(seen.every((p) => p.isActive), 'only active partners');
    const ours = seen.filter((p) => p.name.startsWith(tag));
    assert.deepEqual(ours.map((p) => p.name), [`${tag} a`, `${tag} b`, `${tag} c`]);
    assert.deepEqual(ours[0].offers, [cheap, dear]);
    assert.deepEqual(ours[1].offers, []);
  });

  it('refuses bad input with field errors', async () => {
    const p = await newPartner();
    const bad = [
      ['POST', '/admin/partners', {}, 'name'],
      ['POST', '/admin/partners', { name: '' }, 'name'],
      ['POST', '/admin/partners', { name: 'x'.repeat(101) }, 'name'],
      ['POST', '/admin/partners', { name: 'X', logoUrl: 'javascript:alert(1)' }, 'logoUrl'],
      ['POST', '/admin/partners', { name: 'X', isActive: 'yes' }, 'isActive'],
      ['POST', '/admin/partners', { name: 'X', owner: 'me' }, 'owner'],
      ['POST', '/admin/partners', { name: 'a\u0000b' }, 'name'],
      ['PATCH', `/admin/partners/${p.id}`, { name: 5 }, 'name'],
      ['POST', `/admin/partners/${p.id}/offers`, { title: 'X', validDays: 1 }, 'pointsCost'],
      ['POST', `/admin/partners/${p.id}/offers`, { title: 'X', pointsCost: 0, validDays: 1 }, 'pointsCost'],
      ['POST', `/admin/partners/${p.id}/offers`, { title: 'X', pointsCost: 1.5, validDays: 1 }, 'pointsCost'],
      ['POST', `/admin/partners/${p.id}/offers`, { title: 'X', pointsCost: '10', validDays: 1 }, 'pointsCost'],
      ['POST', `/admin/partners/${p.id}/offers`, { title: 'X', pointsCost: 1, validDays: 0 }, 'validDays'],
      ['POST', `/admin/partners/${p.id}/offers`, { title: 'X', pointsCost: 1, validDays: 3651 }, 'validDays'],
      ['POST', `/admin/partners/${p.id}/offers`, { pointsCost: 1, validDays: 1 }, 'title'],
      ['POST', `/admin/partners/${p.id}/offers`, { title: 'X', pointsCost: 1, validDays: 1, partnerId: p.id }, 'partnerId'],
    ];
    for (const [method, path, body, field] of bad) {
      assertFieldError(await A.req(method, path, { ...asAdmin, body }), field, 'VALIDATION_FAILED', `${method} ${path} ${JSON.stringify(body)}`);
    }
    assertProblem(await A.post('/admin/partners', { ...asAdmin, rawBody: '{"name":', headers: { 'content-type': 'application/json' } }), 400, 'MALFORMED_JSON');
    assertProblem(await A.post('/admin/partners', { ...asAdmin, rawBody: '{"name":"X"}', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    assertProblem(await A.get('/partners/not-a-uuid'), 400, 'INVALID_ID');
    assertProblem(await A.get('/admin/partners/not-a-uuid', asAdmin), 400, 'INVALID_ID');
    assertProblem(await A.get(`/partners/${randomUUID()}`), 404, 'PARTNER_NOT_FOUND');
    assertProblem(await A.patch(`/admin/partners/${randomUUID()}`, { ...asAdmin, body: { name: 'X' } }), 404, 'PARTNER_NOT_FOUND');
    assertProblem(await A.post(`/admin/partners/${randomUUID()}/offers`, { ...asAdmin, body: { title: 'X', pointsCost: 1, validDays: 1 } }), 404, 'PARTNER_NOT_FOUND');
    assertProblem(await A.patch(`/admin/offers/${randomUUID()}`, { ...asAdmin, body: { title: 'X' } }), 404, 'OFFER_NOT_FOUND');
    assertProblem(await A.get('/partners?limit=0'), 400, 'VALIDATION_FAILED');
    assertProblem(await A.get('/partners?cursor=garbage'), 400, 'INVALID_CURSOR');
  });
});

describe('redemptions', { concurrency: true }, () => {
  it('POST /redemptions debits pointsCost and issues a code that expires after validDays', async () => {
    const s = await shop(25, { pointsCost: 10, validDays: 14 });
    const res = await redeem(s.user, s.offer);
    expectStatus(res, 201, 'redeem');
    const r = res.body;
    assert.match(r.id, UUID_RE);
    assert.equal(r.partnerId, s.partner.id);
    assert.equal(r.offerId, s.offer.id);
    assert.equal(r.pointsSpent, 10);
    assert.match(r.discountCode, CODE_RE);
    assert.match(r.redeemedAt, ISO_MS_Z_RE);
    assert.equal(Date.parse(r.expiresAt) - Date.parse(r.redeemedAt), 14 * DAY_MS);
    assert.equal(r.status, 'active');
    assert.equal(r.usedAt, null);
    const pts = await A.get('/users/me/points', { token: s.user.accessToken });
    assert.equal(pts.body.balance, 15);
    const debit = pts.body.items.find((i) => i.type === 'redemption');
    assert.ok(debit, JSON.stringify(pts.body));
    assert.equal(debit.amount, -10);
    assert.equal(debit.redemptionId, r.id);
    assert.equal(debit.taskId, null);
    const me = await A.get('/users/me', { token: s.user.accessToken });
    assert.equal(me.body.pointsBalance, 15);
    const list = await A.get('/users/me/redemptions', { token: s.user.accessToken });
    expectStatus(list, 200);
    assert.deepEqual(list.body, { items: [r], nextCursor: null });
  });

  it('/metrics counts redemptions, consumed codes and ledger rows', async () => {
    const value = async (name) => {
      const text = (await A.get(`${srv.origin}/metrics`)).text;
      const escaped = name.replace(/[{}"]/g, (c) => `\\${c}`);
      const m = new RegExp(`^${escaped} (\\d+)$`, 'm').exec(text);
      assert.ok(m, `${name} in /metrics`);
      return Number(m[1]);
    };
    const s = await shop(10);
    const before = await value('gooddeeds_redemptions_total');
    const series = 'gooddeeds_point_transactions_total{type="redemption",kind="spend"}';
    const rows = await value(series);
    const r = (await redeem(s.user, s.offer)).body;
    expectStatus(await partnerApi(s.key.key, 'consume', r.discountCode), 200);
    assert.ok(await value('gooddeeds_redemptions_total') >= before + 1);
    assert.ok(await value('gooddeeds_redemptions_consumed_total') >= 1);
    assert.ok(await value(series) >= rows + 1, 'the ledger counts the debit under its type');
  });

  it('codes are unique across many redemptions', async () => {
    const s = await shop(200, { pointsCost: 1 });
    const codes = [];
    for (let i = 0; i < 40; i++) {
      const res = await redeem(s.user, s.offer);
      expectStatus(res, 201);
      codes.push(res.body.discountCode);
    }
    assert.equal(new Set(codes).size, codes.length);
    assert.equal(await balanceOf(s.user), 160);
  });

  it('409 INSUFFICIENT_POINTS when the balance is short, and nothing changes', async () => {
    const s = await shop(9, { pointsCost: 10 });
    assertProblem(await redeem(s.user, s.offer), 409, 'INSUFFICIENT_POINTS');
    assert.equal(await balanceOf(s.user), 9);
    const list = await A.get('/users/me/redemptions', { token: s.user.accessToken });
    assert.deepEqual(list.body.items, []);
  });

  it('a deactivated offer, or an offer of a deactivated partner, cannot be redeemed', async () => {
    const s = await shop(100);
    await A.patch(`/admin/offers/${s.offer.id}`, { ...asAdmin, body: { isActive: false } });
    assertProblem(await redeem(s.user, s.offer), 409, 'OFFER_NOT_AVAILABLE', 'inactive offer');
    await A.patch(`/admin/offers/${s.offer.id}`, { ...asAdmin, body: { isActive: true } });
    expectStatus(await redeem(s.user, s.offer), 201, 'active again');
    await A.patch(`/admin/partners/${s.partner.id}`, { ...asAdmin, body: { isActive: false } });
    assertProblem(await redeem(s.user, s.offer), 409, 'OFFER_NOT_AVAILABLE', 'inactive partner');
    assert.equal(await balanceOf(s.user), 90);
  });

  it('GET /users/me/redemptions pages newest first and shows only the caller\'s', async () => {
    const s = await shop(100, { pointsCost: 1 });
    const other = await registerUser(srv.base);
    await give(other, 5);
    expectStatus(await redeem(other, s.offer), 201);
    const made = [];
    for (let i = 0; i < 5; i++) made.push((await redeem(s.user, s.offer)).body.id);
    const seen = [];
    let cursor = null;
    for (let i = 0; i < 10; i++) {
      const res = await A.get(`/users/me/redemptions?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: s.user.accessToken });
      expectStatus(res, 200);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen.map((r) => r.id).sort(), [...made].sort(), 'each of the caller\'s, once');
    // Newest first: by redeemedAt, then id (two in one millisecond are ordered by id).
    const key = (r) => `${r.redeemedAt} ${r.id}`;
    assert.deepEqual(seen.map(key), seen.map(key).sort().reverse());
  });

  it('refuses bad input with clear 4xx problems', async () => {
    const s = await shop(100);
    const u = s.user;
    assertFieldError(await A.post('/redemptions', { token: u.accessToken, body: {} }), 'offerId');
    assertFieldError(await A.post('/redemptions', { token: u.accessToken, body: { offerId: 'nope' } }), 'offerId');
    assertFieldError(await A.post('/redemptions', { token: u.accessToken, body: { offerId: 42 } }), 'offerId');
    assertFieldError(await A.post('/redemptions', { token: u.accessToken, body: { offerId: s.offer.id, pointsSpent: 0 } }), 'pointsSpent');
    assertProblem(await A.post('/redemptions', { token: u.accessToken, body: [s.offer.id] }), 400, 'VALIDATION_FAILED');
    assertProblem(await A.post('/redemptions', { token: u.accessToken, rawBody: '{', headers: { 'content-type': 'application/json' } }), 400, 'MALFORMED_JSON');
    assertProblem(await A.post('/redemptions', { token: u.accessToken, rawBody: 'x', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    assertProblem(await A.post('/redemptions', { body: { offerId: s.offer.id } }), 401, 'UNAUTHENTICATED');
    assertProblem(await A.post('/redemptions', { token: u.accessToken, body: { offerId: randomUUID() } }), 404, 'OFFER_NOT_FOUND');
    assertProblem(await A.get('/users/me/redemptions?limit=101', { token: u.accessToken }), 400, 'VALIDATION_FAILED');
    assertProblem(await A.get('/users/me/redemptions?cursor=bm90LWEtY3Vyc29y', { token: u.accessToken }), 400, 'INVALID_CURSOR');
    assertProblem(await A.get('/users/me/redemptions'), 401, 'UNAUTHENTICATED');
    assert.equal(await balanceOf(u), 100);
  });
});

describe('Idempotency-Key on POST /redemptions', { concurrency: true }, () => {
  it('a replay returns the stored first response and redeems once', async () => {
    const s = await shop(100);
    const headers = { 'idempotency-key': randomUUID() };
    const first = await redeem(s.user, s.offer, headers);
    expectStatus(first, 201);
    const again = await redeem(s.user, s.offer, headers);
    expectStatus(again, 201, 'replay');
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(await balanceOf(s.user), 90);
    const list = await A.get('/users/me/redemptions', { token: s.user.accessToken });
    assert.equal(list.body.items.length, 1);
  });

  it('a replayed 409 stays a 409 even after the balance grew', async () => {
    const s = await shop(5);
    const headers = { 'idempotency-key': randomUUID() };
    assertProblem(await redeem(s.user, s.offer, headers), 409, 'INSUFFICIENT_POINTS');
    await give(s.user, 50);
    const again = await redeem(s.user, s.offer, headers);
    assertProblem(again, 409, 'INSUFFICIENT_POINTS', 'replay');
    assert.equal(await balanceOf(s.user), 55);
  });

  it('the same key with another body is 422 and changes nothing', async () => {
    const s = await shop(100);
    const other = await newOffer(s.partner, { pointsCost: 3 });
    const headers = { 'idempotency-key': randomUUID() };
    expectStatus(await redeem(s.user, s.offer, headers), 201);
    assertProblem(await redeem(s.user, other, headers), 422, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal(await balanceOf(s.user), 90);
  });

  it('concurrent requests with one key: exactly one redemption happens', async () => {
    const s = await shop(100);
    const headers = { 'idempotency-key': randomUUID() };
    const results = await Promise.all(Array.from({ length: 12 }, () => redeem(s.user, s.offer, headers)));
    const statuses = results.map((r) => r.status);
    assert.ok(statuses.includes(201), `one succeeded: ${statuses}`);
    const ids = new Set();
    for (const r of results) {
      if (r.status === 409) assert.equal(r.body.code, 'IDEMPOTENCY_KEY_IN_USE', r.text);
      else {
        assert.equal(r.status, 201, `only 201 or 409: ${statuses}`);
        ids.add(r.body.id);
      }
    }
    assert.equal(ids.size, 1, 'every 201 is the same redemption');
    assert.equal(await balanceOf(s.user), 90);
  });
});

describe('partner API', { concurrency: true }, () => {
  it('verify, then consume once; a second consume is 409 CODE_ALREADY_USED', async () => {
    const s = await shop(100);
    const r = (await redeem(s.user, s.offer)).body;
    const v = await partnerApi(s.key.key, 'verify', r.discountCode);
    expectStatus(v, 200, 'verify');
    assert.equal(v.body.valid, true);
    assert.equal(v.body.status, 'active');
    assert.deepEqual(v.body.offer, s.offer);
    assert.equal(v.body.discountCode, r.discountCode);
    assert.equal(v.body.expiresAt, r.expiresAt);
    assert.equal(v.body.usedAt, null);
    assert.equal('userId' in v.body, false, 'partners do not learn who redeemed');
    // Typed sloppily: lower case, no hyphens, O for 0 and l for 1.
    const typed = r.discountCode.replaceAll('-', '').toLowerCase().replaceAll('0', 'o').replaceAll('1', 'l');
    const c = await partnerApi(s.key.key, 'consume', ` ${typed} `);
    expectStatus(c, 200, 'consume');
    assert.equal(c.body.status, 'used');
    assert.equal(c.body.valid, false);
    assert.match(c.body.usedAt, ISO_MS_Z_RE);
    const twice = await partnerApi(s.key.key, 'consume', r.discountCode);
    const p = assertProblem(twice, 409, 'CODE_ALREADY_USED', 'second consume');
    assert.equal(p.currentStatus, 'used');
    const after = await partnerApi(s.key.key, 'verify', r.discountCode);
    expectStatus(after, 200);
    assert.deepEqual([after.body.valid, after.body.status, after.body.usedAt], [false, 'used', c.body.usedAt]);
    const mine = await A.get('/users/me/redemptions', { token: s.user.accessToken });
    assert.equal(mine.body.items[0].status, 'used');
    assert.equal(mine.body.items[0].usedAt, c.body.usedAt);
  });

  it('concurrent consumes of one code: exactly one succeeds', async () => {
    const s = await shop(100);
    const r = (await redeem(s.user, s.offer)).body;
    const results = await Promise.all(Array.from({ length: 10 }, () => partnerApi(s.key.key, 'consume', r.discountCode)));
    const ok = results.filter((x) => x.status === 200);
    assert.equal(ok.length, 1, results.map((x) => x.status).join(','));
    for (const x of results) if (x.status !== 200) assertProblem(x, 409, 'CODE_ALREADY_USED');
  });

  it('a partner sees only its own codes: another partner\'s code is 404', async () => {
    const a = await shop(100);
    const b = await shop(0);
    const r = (await redeem(a.user, a.offer)).body;
    assertProblem(await partnerApi(b.key.key, 'verify', r.discountCode), 404, 'CODE_NOT_FOUND');
    assertProblem(await partnerApi(b.key.key, 'consume', r.discountCode), 404, 'CODE_NOT_FOUND');
    assertProblem(await partnerApi(a.key.key, 'verify', 'ZZZZ-ZZZZ-ZZZZ'), 404, 'CODE_NOT_FOUND', 'unknown code');
    expectStatus(await partnerApi(a.key.key, 'verify', r.discountCode), 200, 'still active for its partner');
  });

  it('a partner that keeps guessing unknown codes is rate limited (429 with Retry-After)', async () => {
    const s = await shop(100);
    const other = await shop(100);
    const r = (await redeem(other.user, other.offer)).body;
    const misses = await Promise.all(Array.from({ length: 120 }, (_, i) =>
      partnerApi(s.key.key, i % 2 ? 'verify' : 'consume', `ZZZZ-ZZZZ-${String(i).padStart(4, '0').replace(/[01]/g, 'Z')}`)));
    for (const m of misses) assertProblem(m, 404, 'CODE_NOT_FOUND');
    const limited = await partnerApi(s.key.key, 'verify', 'ZZZZ-ZZZZ-ZZZZ');
    assertProblem(limited, 429, 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1, 'Retry-After');
    // Only the guessing partner: another partner's lookups go on.
    expectStatus(await partnerApi(other.key.key, 'verify', r.discountCode), 200, 'other partner');
  });

  it('an expired code verifies as expired and cannot be consumed', async () => {
    const s = await shop(100);
    const r = (await redeem(s.user, s.offer)).body;
    // Let the code's time run out.
    await execSql(srv, `UPDATE redemptions SET expires_at = ${Date.now() - 1000} WHERE id = '${r.id}'`);
    const v = await partnerApi(s.key.key, 'verify', r.discountCode);
    expectStatus(v, 200);
    assert.deepEqual([v.body.valid, v.body.status], [false, 'expired']);
    const p = assertProblem(await partnerApi(s.key.key, 'consume', r.discountCode), 409, 'CODE_EXPIRED');
    assert.equal(p.currentStatus, 'expired');
    const mine = await A.get('/users/me/redemptions', { token: s.user.accessToken });
    assert.equal(mine.body.items[0].status, 'expired');
  });

  it('a missing, malformed, unknown, revoked or other-scheme key is 401', async () => {
    const s = await shop(100);
    const r = (await redeem(s.user, s.offer)).body;
    const none = await A.post('/partner-api/redemptions/verify', { body: { code: r.discountCode } });
    assertProblem(none, 401, 'UNAUTHENTICATED', 'no key');
    assert.equal(none.headers.get('www-authenticate'), 'ApiKey');
    const cases = [
      `ApiKey gdp_${'A'.repeat(43)}`,
      'ApiKey ',
      'ApiKey nonsense',
      `Bearer ${s.user.accessToken}`,
      `Basic ${Buffer.from('a:b').toString('base64')}`,
    ];
    for (const authorization of cases) {
      const res = await A.post('/partner-api/redemptions/verify', { headers: { authorization }, body: { code: r.discountCode } });
      assertProblem(res, 401, 'API_KEY_INVALID', authorization.slice(0, 20));
      assert.equal(res.headers.get('www-authenticate'), 'ApiKey');
    }
    const del = await A.del(`/admin/partners/${s.partner.id}/api-keys/${s.key.id}`, asAdmin);
    expectStatus(del, 204, 'revoke');
    assertProblem(await partnerApi(s.key.key, 'verify', r.discountCode), 401, 'API_KEY_INVALID', 'revoked key');
    expectStatus(await A.del(`/admin/partners/${s.partner.id}/api-keys/${s.key.id}`, asAdmin), 204, 'revoking twice');
    assertProblem(await A.del(`/admin/partners/${s.partner.id}/api-keys/${randomUUID()}`, asAdmin), 404, 'API_KEY_NOT_FOUND');
  });

  it('keys are shown once, stored hashed, and stop working when the partner is deactivated', async () => {
    const s = await shop(100);
    assert.match(s.key.key, /^gdp_[A-Za-z0-9_-]{43}$/);
    assert.equal(s.key.prefix, s.key.key.slice(0, 12));
    assert.equal(s.key.partnerId, s.partner.id);
    assert.equal(s.key.createdBy, admin.id);
    const view = await A.get(`/admin/partners/${s.partner.id}`, asAdmin);
    expectStatus(view, 200);
    assert.equal(view.body.apiKeys.length, 1);
    assert.equal(view.body.apiKeys[0].prefix, s.key.prefix);
    assert.ok(!view.text.includes(s.key.key), 'the key is never shown again');
    const second = await newKey(s.partner);
    assert.notEqual(second.key, s.key.key);
    const r = (await redeem(s.user, s.offer)).body;
    expectStatus(await partnerApi(second.key, 'verify', r.discountCode), 200, 'every live key works');
    await A.patch(`/admin/partners/${s.partner.id}`, { ...asAdmin, body: { isActive: false } });
    assertProblem(await partnerApi(s.key.key, 'verify', r.discountCode), 401, 'API_KEY_INVALID', 'inactive partner');
  });

  it('refuses bad bodies with 4xx problems', async () => {
    const s = await shop(0);
    const k = { authorization: `ApiKey ${s.key.key}` };
    for (const body of [{}, { code: '' }, { code: 12 }, { code: 'ABCD-EFGH' }, { code: 'ABCD-EFGH-IJKU' }, { code: 'x'.repeat(65) }]) {
      assertFieldError(await A.post('/partner-api/redemptions/verify', { headers: k, body }), 'code', 'VALIDATION_FAILED', JSON.stringify(body));
    }
    assertProblem(await A.post('/partner-api/redemptions/consume', { headers: { ...k, 'content-type': 'text/plain' }, rawBody: '{}' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    assertProblem(await A.post('/partner-api/redemptions/consume', { headers: { ...k, 'content-type': 'application/json' }, rawBody: '{"code"' }), 400, 'MALFORMED_JSON');
    assertProblem(await A.post('/partner-api/redemptions/consume', { rawBody: 'x', headers: { 'content-type': 'text/plain' } }), 401, 'UNAUTHENTICATED', 'auth is checked before the body');
  });
});

describe('refunds', { concurrency: true }, () => {
  it('an admin refunds an unused code: points back, code retired, once', async () => {
    const s = await shop(30);
    const r = (await redeem(s.user, s.offer)).body;
    const res = await A.post(`/admin/redemptions/${r.id}/refund`, { ...asAdmin, body: { reason: 'Shop closed' } });
    expectStatus(res, 200, 'refund');
    assert.equal(res.body.status, 'refunded');
    assert.equal(await balanceOf(s.user), 30);
    const pts = await A.get('/users/me/points', { token: s.user.accessToken });
    const refund = pts.body.items.find((i) => i.type === 'refund');
    assert.deepEqual([refund.amount, refund.redemptionId, refund.note], [10, r.id, 'Shop closed']);
    assertProblem(await partnerApi(s.key.key, 'verify', r.discountCode), 404, 'CODE_NOT_FOUND', 'refunded code');
    const again = await A.post(`/admin/redemptions/${r.id}/refund`, { ...asAdmin, body: { reason: 'again' } });
    assert.equal(assertProblem(again, 409, 'REDEMPTION_NOT_REFUNDABLE').currentStatus, 'refunded');
    const used = (await redeem(s.user, s.offer)).body;
    expectStatus(await partnerApi(s.key.key, 'consume', used.discountCode), 200);
    const p = assertProblem(await A.post(`/admin/redemptions/${used.id}/refund`, { ...asAdmin, body: { reason: 'x' } }), 409, 'REDEMPTION_NOT_REFUNDABLE');
    assert.equal(p.currentStatus, 'used');
    assertProblem(await A.post(`/admin/redemptions/${randomUUID()}/refund`, { ...asAdmin, body: { reason: 'x' } }), 404, 'REDEMPTION_NOT_FOUND');
    assertFieldError(await A.post(`/admin/redemptions/${used.id}/refund`, { ...asAdmin, body: {} }), 'reason');
  });
});

describe('admin adjustments and deactivations', { concurrency: true }, () => {
  it('an adjustment is a ledger row with the admin and the reason', async () => {
    const u = await registerUser(srv.base);
    const credit = await give(u, 40, 'Welcome bonus');
    assert.deepEqual([credit.type, credit.amount, credit.note, credit.actorId, credit.userId],
      ['admin_adjustment', 40, 'Welcome bonus', admin.id, u.user.id]);
    const debit = await A.post(`/admin/users/${u.user.id}/points`, { ...asAdmin, body: { amount: -15, reason: 'Correction' } });
    expectStatus(debit, 201);
    assert.equal(await balanceOf(u), 25);
    const pts = await A.get('/users/me/points', { token: u.accessToken });
    assert.deepEqual(pts.body.items.map((i) => [i.type, i.amount, i.note]).sort(),
      [['admin_adjustment', -15, 'Correction'], ['admin_adjustment', 40, 'Welcome bonus']]);
    assertProblem(await A.post(`/admin/users/${u.user.id}/points`, { ...asAdmin, body: { amount: -26, reason: 'Too much' } }), 409, 'INSUFFICIENT_POINTS');
    assert.equal(await balanceOf(u), 25);
  });

  it('adjustments refuse bad input, unknown users and the admin themself', async () => {
    const u = await registerUser(srv.base);
    const path = `/admin/users/${u.user.id}/points`;
    for (const [body, field] of [[{ reason: 'x' }, 'amount'], [{ amount: 0, reason: 'x' }, 'amount'], [{ amount: 1.5, reason: 'x' }, 'amount'],
      [{ amount: 1_000_001, reason: 'x' }, 'amount'], [{ amount: 5 }, 'reason'], [{ amount: 5, reason: '  ' }, 'reason'], [{ amount: 5, reason: 'x', type: 'refund' }, 'type']]) {
      assertFieldError(await A.post(path, { ...asAdmin, body }), field, 'VALIDATION_FAILED', JSON.stringify(body));
    }
    assertProblem(await A.post(`/admin/users/${randomUUID()}/points`, { ...asAdmin, body: { amount: 5, reason: 'x' } }), 404, 'USER_NOT_FOUND');
    assertProblem(await A.post('/admin/users/xyz/points', { ...asAdmin, body: { amount: 5, reason: 'x' } }), 400, 'INVALID_ID');
    assertProblem(await A.post(`/admin/users/${admin.id}/points`, { ...asAdmin, body: { amount: 5, reason: 'x' } }), 403, 'FORBIDDEN');
    assert.equal(await balanceOf(u), 0);
  });

  it('a deactivated user is signed out and cannot sign in until reactivated', async () => {
    const u = await registerUser(srv.base);
    const res = await A.patch(`/admin/users/${u.user.id}`, { ...asAdmin, body: { isActive: false } });
    expectStatus(res, 200, 'deactivate');
    assert.equal(res.body.isActive, false);
    assert.equal(res.body.id, u.user.id);
    assertProblem(await A.get('/users/me', { token: u.accessToken }), 401, 'TOKEN_INVALID', 'old token');
    assertProblem(await A.post('/auth/login', { body: { email: u.email, password: u.password } }), 401, 'INVALID_CREDENTIALS');
    assertProblem(await A.post('/auth/refresh', { body: { refreshToken: u.refreshToken } }), 401);
    const view = await A.get(`/admin/users/${u.user.id}`, asAdmin);
    expectStatus(view, 200);
    assert.equal(view.body.isActive, false);
    expectStatus(await A.patch(`/admin/users/${u.user.id}`, { ...asAdmin, body: { isActive: true } }), 200, 'reactivate');
    await loginOk(srv.base, u.email);
    assertFieldError(await A.patch(`/admin/users/${u.user.id}`, { ...asAdmin, body: {} }), 'isActive');
    assertFieldError(await A.patch(`/admin/users/${u.user.id}`, { ...asAdmin, body: { isActive: 0 } }), 'isActive');
    assertFieldError(await A.patch(`/admin/users/${u.user.id}`, { ...asAdmin, body: { isActive: true, roles: ['admin'] } }), 'roles');
    assertProblem(await A.patch(`/admin/users/${randomUUID()}`, { ...asAdmin, body: { isActive: false } }), 404, 'USER_NOT_FOUND');
    assertProblem(await A.patch(`/admin/users/${admin.id}`, { ...asAdmin, body: { isActive: false } }), 403, 'FORBIDDEN');
  });

  it('an admin deactivates a task that is not finished; pending applications are declined', async () => {
    const [creator, helper] = await Promise.all([registerUser(srv.base), registerUser(srv.base)]);
    const t = await A.post('/tasks', { token: creator.accessToken, body: { title: 'Spam', category: 'other', location: { lat: 1, lng: 2 }, pointsReward: 5 } });
    expectStatus(t, 201);
    expectStatus(await A.post(`/tasks/${t.body.id}/applications`, { token: helper.accessToken, body: {} }), 201);
    const res = await A.post(`/admin/tasks/${t.body.id}/deactivate`, asAdmin);
    expectStatus(res, 200, 'deactivate task');
    assert.equal(res.body.status, 'cancelled');
    const apps = await A.get(`/tasks/${t.body.id}/applications`, { token: creator.accessToken });
    assert.equal(apps.body.items[0].status, 'declined');
    const again = assertProblem(await A.post(`/admin/tasks/${t.body.id}/deactivate`, asAdmin), 409, 'TASK_STATUS_CONFLICT');
    assert.equal(again.currentStatus, 'cancelled');
    assertProblem(await A.post(`/admin/tasks/${randomUUID()}/deactivate`, asAdmin), 404, 'TASK_NOT_FOUND');
    assertProblem(await A.post('/admin/tasks/1/deactivate', asAdmin), 400, 'INVALID_ID');
  });
});

describe('openapi', () => {
  it('documents every points, partner, redemption and admin path', async () => {
    const doc = (await A.get('/openapi.json')).body;
    for (const p of ['/partners', '/partners/{id}', '/redemptions', '/users/me/redemptions',
      '/partner-api/redemptions/verify', '/partner-api/redemptions/consume', '/admin/partners',
      '/admin/partners/{id}', '/admin/partners/{id}/offers', '/admin/offers/{id}',
      '/admin/partners/{id}/api-keys', '/admin/partners/{id}/api-keys/{keyId}',
      '/admin/redemptions/{id}/refund', '/admin/users/{id}', '/admin/users/{id}/points',
      '/admin/tasks/{id}/deactivate']) {
      assert.ok(p in doc.paths, `paths has ${p}`);
    }
  });
});

describe('partner limits as flags', () => {
  let own;
  before(async () => {
    own = await startServer({
      args: ['--partner-code-misses-burst', '3', '--partner-code-misses-per-min', '1',
        '--max-offers-per-partner', '2', '--max-api-keys-per-partner', '2'],
    });
  });
  after(async () => {
    if (own) await assertLedgerOk(own, 'after the code-misses suite');
    await own?.stop();
  });

  it('a partner guessing codes is limited after the lowered budget', async () => {
    const O = api(own.base);
    const boss = await createAdmin(own);
    const partner = await O.post('/admin/partners', { token: boss.accessToken, body: { name: 'Guesser', description: 'x' } });
    expectStatus(partner, 201, 'partner');
    const key = await O.post(`/admin/partners/${partner.body.id}/api-keys`, { token: boss.accessToken });
    expectStatus(key, 201, 'key');
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const res = await O.post('/partner-api/redemptions/verify', {
        headers: { authorization: `ApiKey ${key.body.key}` }, body: { code: `ABCD-EFGH-JK${i}${i}` },
      });
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [404, 404, 404, 429, 429]);
  });

  it('--max-offers-per-partner and --max-api-keys-per-partner bound offers and keys (409 LIMIT_REACHED)', async () => {
    const O = api(own.base);
    const boss = await createAdmin(own);
    const partner = await O.post('/admin/partners', { token: boss.accessToken, body: { name: 'Busy', description: 'x' } });
    expectStatus(partner, 201, 'partner');
    const offer = (title, over = {}) => O.post(`/admin/partners/${partner.body.id}/offers`, {
      token: boss.accessToken, body: { title, pointsCost: 5, validDays: 1, ...over },
    });
    const first = await offer('One');
    expectStatus(first, 201);
    expectStatus(await offer('Two'), 201);
    const third = await offer('Three');
    assertProblem(third, 409, 'LIMIT_REACHED');
    assert.match(third.body.detail, /at most 2 active offers/);
    expectStatus(await offer('Off', { isActive: false }), 201, 'an inactive offer counts against no limit');
    expectStatus(await O.patch(`/admin/offers/${first.body.id}`, { token: boss.accessToken, body: { isActive: false } }), 200);
    expectStatus(await offer('Three'), 201, 'room again once one is switched off');
    const key = () => O.post(`/admin/partners/${partner.body.id}/api-keys`, { token: boss.accessToken });
    expectStatus(await key(), 201);
    expectStatus(await key(), 201);
    assertProblem(await key(), 409, 'LIMIT_REACHED');
    const help = await runBinary(['serve', '--help']);
    assert.match(help.stdout, /--max-offers-per-partner/);
    assert.match(help.stdout, /--max-api-keys-per-partner/);
    for (const args of [['--max-offers-per-partner', '0'], ['--max-api-keys-per-partner', '1001']]) {
      const r = await runBinary(['serve', '--listen', '127.0.0.1:1', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });
});
