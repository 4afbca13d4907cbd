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

// A task of `creator` (a new user by default) that `helper` has completed, worth `reward`:
// ready for the creator's confirm.
async function earnByTask(base, helper, reward, creator = null) {
  const A = api(base);
  creator ??= await registerUser(base);
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
    assert.deepEqual(amounts, [0, 0, 10, 30, 30, 30], JSON.stringify(pts.body.items));
    for (const cut of pts.body.items.filter((i) => i.amount < 30))
      assert.match(cut.note, /capped from 30 by the daily earning limit of 100/);
    const cuts = results.map((r) => r.body.reward);
    assert.equal(cuts.filter((r) => r.cut === 'daily_limit').length, 3, JSON.stringify(cuts));
    assert.equal(cuts.reduce((sum, r) => sum + r.credited, 0), 100);
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
    assert.match(broken.stdout, /VIOLATION a user's last ledger row holds the balance/);
    assert.match(broken.stdout, /2 violation\(s\)/);
    // The server refuses to write on top of it: the next debit fails whole.
    const refused = await e.A.post('/redemptions', { token: u.accessToken, body: { offerId: e.offer.id } });
    assertProblem(refused, 500, 'INTERNAL');
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
    const rewards = [];
    for (let i = 0; i < 3; i++) {
      const { creator, task } = await earnByTask(srv.base, helper, 30);
      const res = await A.post(`/tasks/${task.id}/confirm`, { token: creator.accessToken });
      expectStatus(res, 200, `confirm ${i}`);
      assert.equal(res.body.status, 'completed');
      rewards.push(res.body.reward);
      const pts = await A.get('/users/me/points', { token: helper.accessToken });
      credited.push(pts.body.balance);
    }
    assert.deepEqual(credited, [30, 50, 50]);
    assert.deepEqual(rewards, [
      { requested: 30, credited: 30, cut: null },
      { requested: 30, credited: 20, cut: 'daily_limit' },
      { requested: 30, credited: 0, cut: 'daily_limit' },
    ], 'the confirm says what the helper got, and why not more');
    const pts = await A.get('/users/me/points', { token: helper.accessToken });
    const rows = pts.body.items.filter((i) => i.type === 'task_reward');
    assert.equal(rows.length, 3, 'a reward cut to nothing is a row of 0 that says why');
    const cut = rows.find((r) => r.amount === 20);
    assert.match(cut.note, /capped from 30 by the daily earning limit of 50/);
    const none = rows.find((r) => r.amount === 0);
    assert.match(none.note, /capped from 30 by the daily earning limit of 50/);
    const me = await A.get('/users/me', { token: helper.accessToken });
    assert.equal(me.body.pointsBalance, 50);
    await assertLedgerOk(srv, 'after capped rewards');
  });

  it('the limits are serve flags with GOODDEEDS_ variables, and refuse nonsense', async () => {
    const help = await runBinary(['serve', '--help']);
    assert.match(help.stdout, /--max-points-per-day/);
    assert.match(help.stdout, /--max-task-reward/);
    for (const flag of ['--max-points-per-pair', '--pair-window-days', '--redeem-min-account-age-days', '--redeem-min-reward-creators'])
      assert.match(help.stdout, new RegExp(flag));
    for (const args of [['--max-points-per-day', '0'], ['--max-task-reward', '0'], ['--max-points-per-day', 'lots'],
      ['--max-points-per-pair', '-1'], ['--pair-window-days', '0'], ['--redeem-min-account-age-days', '-1'],
      ['--redeem-min-reward-creators', '1000']]) {
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

// Points farming (docs/points.md, "Points farming"): two accounts confirming each other's
// tasks. One creator gives one helper at most --max-points-per-pair in --pair-window-days;
// redeeming waits for young accounts and for helpers paid by a single creator.
describe('points farming limits', () => {
  let srv;
  let e;
  before(async () => {
    srv = await startServer({ args: ['--max-points-per-pair', '50', '--redeem-min-reward-creators', '2'] });
    e = await economy(srv);
  });
  after(async () => { await srv?.stop(); });

  it('one creator can give one helper at most the pair limit; the confirm and the ledger say so', async () => {
    const helper = await registerUser(srv.base);
    const friend = await registerUser(srv.base);
    const got = [];
    for (let i = 0; i < 3; i++) {
      const { task } = await earnByTask(srv.base, helper, 30, friend);
      const res = await e.A.post(`/tasks/${task.id}/confirm`, { token: friend.accessToken });
      expectStatus(res, 200, `confirm ${i}`);
      assert.equal(res.body.status, 'completed', 'the task completes whatever the reward');
      got.push(res.body.reward);
    }
    assert.deepEqual(got, [
      { requested: 30, credited: 30, cut: null },
      { requested: 30, credited: 20, cut: 'pair_limit' },
      { requested: 30, credited: 0, cut: 'pair_limit' },
    ]);
    // Another creator is another pair.
    const { creator, task } = await earnByTask(srv.base, helper, 30);
    const other = await e.A.post(`/tasks/${task.id}/confirm`, { token: creator.accessToken });
    assert.deepEqual(other.body.reward, { requested: 30, credited: 30, cut: null });
    const pts = await e.A.get('/users/me/points', { token: helper.accessToken });
    assert.equal(pts.body.balance, 80);
    const notes = pts.body.items.filter((i) => i.note).map((i) => [i.amount, i.note]);
    assert.deepEqual(notes.sort(), [
      [0, 'capped from 30 by the limit of 50 points from one creator in 30 days'],
      [20, 'capped from 30 by the limit of 50 points from one creator in 30 days'],
    ]);
    await assertLedgerOk(srv, 'after the pair limit');
  });

  it('a helper paid by one creator only cannot redeem until a second one pays', async () => {
    const helper = await registerUser(srv.base);
    const friend = await registerUser(srv.base);
    const { task } = await earnByTask(srv.base, helper, 30, friend);
    expectStatus(await e.A.post(`/tasks/${task.id}/confirm`, { token: friend.accessToken }), 200);
    const held = await e.A.post('/redemptions', { token: helper.accessToken, body: { offerId: e.offer.id } });
    assertProblem(held, 409, 'REDEMPTION_ON_HOLD');
    assert.equal(held.body.reason, 'single_source');
    const other = await earnByTask(srv.base, helper, 5);
    expectStatus(await e.A.post(`/tasks/${other.task.id}/confirm`, { token: other.creator.accessToken }), 200);
    expectStatus(await e.A.post('/redemptions', { token: helper.accessToken, body: { offerId: e.offer.id } }), 201);
    // Points from an admin alone are not held.
    const gifted = await registerUser(srv.base);
    expectStatus(await e.A.post(`/admin/users/${gifted.user.id}/points`, {
      token: e.admin.accessToken, body: { amount: COST, reason: 'welcome' },
    }), 201);
    expectStatus(await e.A.post('/redemptions', { token: gifted.accessToken, body: { offerId: e.offer.id } }), 201);
    await assertLedgerOk(srv, 'after the holds');
  });

  it('a young account cannot redeem before --redeem-min-account-age-days, and is told until when', async () => {
    const young = await startServer({ args: ['--redeem-min-account-age-days', '3'] });
    try {
      const ye = await economy(young);
      const u = await registerUser(young.base);
      expectStatus(await ye.A.post(`/admin/users/${u.user.id}/points`, {
        token: ye.admin.accessToken, body: { amount: COST, reason: 'welcome' },
      }), 201);
      const held = await ye.A.post('/redemptions', { token: u.accessToken, body: { offerId: ye.offer.id } });
      assertProblem(held, 409, 'REDEMPTION_ON_HOLD');
      assert.equal(held.body.reason, 'account_too_new');
      const until = Date.parse(held.body.heldUntil);
      assert.ok(Math.abs(until - (Date.now() + 3 * 86_400_000)) < 120_000, held.body.heldUntil);
      const pts = await ye.A.get('/users/me/points', { token: u.accessToken });
      assert.equal(pts.body.balance, COST, 'nothing was taken');
      // The account ages (its creation moved back): now it may.
      await execSql(young, `UPDATE users SET created_at = created_at - ${4 * 86_400_000} WHERE id = '${u.user.id}'`);
      expectStatus(await ye.A.post('/redemptions', { token: u.accessToken, body: { offerId: ye.offer.id } }), 201);
    } finally {
      await young.stop();
    }
  });
});
