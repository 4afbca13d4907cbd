// Races and limits of the points economy (docs/points.md, "Atomic and race-free"): users with
// a balance for exactly three redemptions fire thirty at once, on one server and on two server
// processes sharing one database; concurrent confirmations against the daily earning cap;
// the cap on pointsReward. After each race `gooddeeds verify-ledger` must pass, and it must
// fail once an invariant is broken.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  startServer, api, registerUser, expectStatus, assertProblem, assertFieldError, createAdmin, assertLedgerOk,
  runBinary, execSql, randomHex,
} from './harness.mjs';

const COST = 10;

// One database with an admin, a partner and an offer costing COST points.
async function economy(srv) {
  const A = api(srv.base);
  const admin = await createAdmin(srv);
  const p = await A.post('/admin/partners', { token: admin.accessToken, body: { name: `Race ${randomHex(4)}` } });
  expectStatus(p, 201, 'partner');
  const o = await A.post(`/admin/partners/${p.body.id}/offers`, {
    token: admin.accessToken, body: { title: 'Coffee', pointsCost: COST, validDays: 7 },
  });
  expectStatus(o, 201, 'offer');
  return { A, admin, offer: o.body };
}

// A helper who earned `reward` by a confirmed task.
async function earnByTask(base, helper, reward) {
  const A = api(base);
  const creator = await registerUser(base);
  const t = await A.post('/tasks', {
    token: creator.accessToken,
    body: { title: 'Race', category: 'other', location: { lat: 48 + Math.random(), lng: 11 }, pointsReward: reward },
  });
  expectStatus(t, 201, 'task');
  const app = await A.post(`/tasks/${t.body.id}/applications`, { token: helper.accessToken, body: {} });
  expectStatus(app, 201, 'apply');
  expectStatus(await A.post(`/tasks/${t.body.id}/applications/${app.body.id}/accept`, { token: creator.accessToken }), 200, 'accept');
  expectStatus(await A.post(`/tasks/${t.body.id}/start`, { token: helper.accessToken }), 200, 'start');
  expectStatus(await A.post(`/tasks/${t.body.id}/complete`, { token: helper.accessToken }), 200, 'complete');
  return { creator, task: t.body };
}

// A user with 3 * COST + 5 points: 20 from a task, the rest from an admin.
async function userWithThreeRedemptions(e, base) {
  const u = await registerUser(base);
  const { creator, task } = await earnByTask(base, u, 20);
  expectStatus(await e.A.post(`/tasks/${task.id}/confirm`, { token: creator.accessToken }), 200, 'confirm');
  const adj = await e.A.post(`/admin/users/${u.user.id}/points`, {
    token: e.admin.accessToken, body: { amount: 3 * COST + 5 - 20, reason: 'race setup' },
  });
  expectStatus(adj, 201, 'adjust');
  return u;
}

// Fires 30 redemptions at once for `u`, spread over `bases`; checks exactly 3 succeed.
async function raceThirty(u, offer, bases) {
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) =>
    api(bases[i % bases.length]).post('/redemptions', { token: u.accessToken, body: { offerId: offer.id } })));
  const won = results.filter((r) => r.status === 201);
  assert.equal(won.length, 3, `exactly 3 succeed: ${results.map((r) => r.status).join(',')}`);
  for (const r of results) if (r.status !== 201) assertProblem(r, 409, 'INSUFFICIENT_POINTS');
  assert.equal(new Set(won.map((r) => r.body.discountCode)).size, 3, 'three distinct codes');
  const A = api(bases[0]);
  const pts = await A.get('/users/me/points', { token: u.accessToken });
  assert.equal(pts.body.balance, 5, 'balance ends at 35 - 3 * 10');
  assert.equal(pts.body.items.filter((i) => i.type === 'redemption').length, 3, 'three debits');
  const mine = await A.get('/users/me/redemptions', { token: u.accessToken });
  assert.deepEqual(mine.body.items.map((r) => r.id).sort(), won.map((r) => r.body.id).sort());
}

describe('30 concurrent redemptions with a balance for exactly 3', () => {
  let srv;
  let e;
  before(async () => {
    srv = await startServer();
    e = await economy(srv);
  });
  after(async () => { await srv?.stop(); });

  it('one server: exactly 3 succeed, the rest are 409 INSUFFICIENT_POINTS', async () => {
    const users = await Promise.all(Array.from({ length: 3 }, () => userWithThreeRedemptions(e, srv.base)));
    await Promise.all(users.map((u) => raceThirty(u, e.offer, [srv.base])));
    await assertLedgerOk(srv, 'after the race');
  });
});

describe('two server processes on one database', () => {
  let srv;
  let srv2;
  let e;
  before(async () => {
    srv = await startServer({ args: ['--max-points-per-day', '100'] });
    srv2 = await startServer({ sameDatabaseAs: srv, args: ['--max-points-per-day', '100'] });
    e = await economy(srv);
  });
  after(async () => {
    await srv2?.stop();
    await srv?.stop();
  });

  it('30 concurrent redemptions spread over both: exactly 3 succeed', async () => {
    const users = await Promise.all(Array.from({ length: 3 }, () => userWithThreeRedemptions(e, srv.base)));
    await Promise.all(users.map((u) => raceThirty(u, e.offer, [srv.base, srv2.base])));
    await assertLedgerOk(srv, 'after the two-process race');
  });

  it('concurrent confirmations never credit more than the daily cap', async () => {
    const helper = await registerUser(srv.base);
    const pending = [];
    for (let i = 0; i < 6; i++) pending.push(await earnByTask(srv.base, helper, 30));
    const results = await Promise.all(pending.map(({ creator, task }, i) =>
      api(i % 2 ? srv2.base : srv.base).post(`/tasks/${task.id}/confirm`, { token: creator.accessToken })));
    for (const r of results) expectStatus(r, 200, 'every confirm completes its task');
    const pts = await e.A.get('/users/me/points', { token: helper.accessToken });
    assert.equal(pts.body.balance, 100, 'six rewards of 30 capped at 100');
    const amounts = pts.body.items.map((i) => i.amount).sort((a, b) => a - b);
    assert.deepEqual(amounts, [10, 30, 30, 30], JSON.stringify(pts.body.items));
    await assertLedgerOk(srv, 'after the confirmations');
  });
});

describe('verify-ledger', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv?.stop(); });

  it('exits 0 on a sound ledger and 1, naming the invariant, once one is broken', async () => {
    const e = await economy(srv);
    const u = await userWithThreeRedemptions(e, srv.base);
    expectStatus(await e.A.post('/redemptions', { token: u.accessToken, body: { offerId: e.offer.id } }), 201);
    const ok = await assertLedgerOk(srv, 'before the corruption');
    assert.match(ok.stdout, /\d+ users, \d+ ledger rows, 1 redemptions/);

    await execSql(srv, `UPDATE users SET points_balance = points_balance + 7 WHERE id = '${u.user.id}'`);
    const broken = await runBinary(['verify-ledger', '--database', srv.dbUrl]);
    assert.equal(broken.code, 1, broken.stdout + broken.stderr);
    assert.match(broken.stdout, new RegExp(`VIOLATION balance equals the sum.*${u.user.id}, 32, 25`));
    assert.match(broken.stdout, /1 violation\(s\)/);
    await execSql(srv, `UPDATE users SET points_balance = points_balance - 7 WHERE id = '${u.user.id}'`);
    await assertLedgerOk(srv, 'repaired');

    // A redemption without its debit: a code that was never paid for.
    const id = randomUUID();
    await execSql(srv, 'INSERT INTO redemptions (id, user_id, partner_id, offer_id, points_spent, code, status, ' +
      `expires_at, created_at, updated_at) VALUES ('${id}', '${u.user.id}', '${e.offer.partnerId}', '${e.offer.id}', ` +
      `${COST}, 'ZZZZZZZZZZZZ', 'active', ${Date.now() + 1e9}, ${Date.now()}, ${Date.now()})`);
    const unpaid = await runBinary(['verify-ledger', '--database', srv.dbUrl]);
    assert.equal(unpaid.code, 1, unpaid.stdout);
    assert.match(unpaid.stdout, new RegExp(`VIOLATION every redemption is matched by exactly one debit.*${id}, 0`));
  });

  it('refuses to run without a database and explains itself with --help', async () => {
    const none = await runBinary(['verify-ledger'], { GOODDEEDS_DATABASE: '' });
    assert.equal(none.code, 2);
    const missing = `${srv.dataDir}/no-such.db`;
    const absent = await runBinary(['verify-ledger', '--database', `sqlite:${missing}`]);
    assert.equal(absent.code, 1, absent.stderr);
    assert.match(absent.stderr, /no database/);
    assert.equal(existsSync(missing), false, 'verify-ledger creates nothing');
    const help = await runBinary(['verify-ledger', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--database/);
  });
});

describe('abuse limits', () => {
  let srv;
  let A;
  before(async () => {
    srv = await startServer({ args: ['--max-task-reward', '40', '--max-points-per-day', '50'] });
    A = api(srv.base);
  });
  after(async () => { await srv?.stop(); });

  it('pointsReward above --max-task-reward is a 400 on create and on edit', async () => {
    const u = await registerUser(srv.base);
    const body = { title: 'Cap', category: 'other', location: { lat: 1, lng: 1 } };
    const over = await A.post('/tasks', { token: u.accessToken, body: { ...body, pointsReward: 41 } });
    assertFieldError(over, 'pointsReward');
    assert.match(over.body.errors[0].message, /between 1 and 40/);
    const ok = await A.post('/tasks', { token: u.accessToken, body: { ...body, pointsReward: 40 } });
    expectStatus(ok, 201);
    assertFieldError(await A.patch(`/tasks/${ok.body.id}`, { token: u.accessToken, body: { pointsReward: 41 } }), 'pointsReward');
    assertFieldError(await A.patch(`/tasks/${ok.body.id}`, { token: u.accessToken, body: { pointsReward: 0 } }), 'pointsReward');
  });

  it('rewards beyond the daily cap are cut down, and the tasks still complete', async () => {
    const helper = await registerUser(srv.base);
    const credited = [];
    for (let i = 0; i < 3; i++) {
      const { creator, task } = await earnByTask(srv.base, helper, 30);
      const res = await A.post(`/tasks/${task.id}/confirm`, { token: creator.accessToken });
      expectStatus(res, 200, `confirm ${i}`);
      assert.equal(res.body.status, 'completed');
      const pts = await A.get('/users/me/points', { token: helper.accessToken });
      credited.push(pts.body.balance);
    }
    assert.deepEqual(credited, [30, 50, 50]);
    const pts = await A.get('/users/me/points', { token: helper.accessToken });
    const rows = pts.body.items.filter((i) => i.type === 'task_reward');
    assert.equal(rows.length, 2, 'no row for a reward cut to nothing');
    const cut = rows.find((r) => r.amount === 20);
    assert.match(cut.note, /capped from 30 by the daily earning limit of 50/);
    const me = await A.get('/users/me', { token: helper.accessToken });
    assert.equal(me.body.pointsBalance, 50);
    await assertLedgerOk(srv, 'after capped rewards');
  });

  it('the limits are serve flags with GOODDEEDS_ variables, and refuse nonsense', async () => {
    const help = await runBinary(['serve', '--help']);
    assert.match(help.stdout, /--max-points-per-day/);
    assert.match(help.stdout, /--max-task-reward/);
    for (const args of [['--max-points-per-day', '0'], ['--max-task-reward', '0'], ['--max-points-per-day', 'lots']]) {
      const r = await runBinary(['serve', '--listen', '127.0.0.1:1', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
    const envCap = await startServer({ env: { GOODDEEDS_MAX_TASK_REWARD: '7' } });
    try {
      const u = await registerUser(envCap.base);
      const res = await api(envCap.base).post('/tasks', { token: u.accessToken, body: { title: 'x', category: 'other', location: { lat: 1, lng: 1 }, pointsReward: 8 } });
      assertFieldError(res, 'pointsReward');
    } finally {
      await envCap.stop();
    }
  });
});
