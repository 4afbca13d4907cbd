// Idempotency-Key on POST /tasks/{id}/confirm (API.md, General): replay, another request with
// the same key (422), concurrent use of one key, scoping to the caller.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  startServer, api, registerUser, expectStatus, assertProblem, assertLedgerOk,
} from './harness.mjs';

describe('Idempotency-Key', { concurrency: true }, () => {
  let srv;
  let A;
  before(async () => {
    srv = await startServer();
    A = api(srv.base);
  });
  after(async () => {
    if (srv) await assertLedgerOk(srv, 'after concurrent confirms with one key');
    await srv?.stop();
  });

  // A task waiting for the creator's confirmation.
  async function pending(reward = 10) {
    const [creator, helper] = await Promise.all([registerUser(srv.base), registerUser(srv.base)]);
    const t = await A.post('/tasks', {
      token: creator.accessToken,
      body: { title: 'Idem', category: 'other', location: { lat: 10 + Math.random(), lng: 20 }, pointsReward: reward },
    });
    expectStatus(t, 201, 'create');
    const app = await A.post(`/tasks/${t.body.id}/applications`, { token: helper.accessToken, body: {} });
    expectStatus(app, 201, 'apply');
    expectStatus(await A.post(`/tasks/${t.body.id}/applications/${app.body.id}/accept`, { token: creator.accessToken }), 200, 'accept');
    expectStatus(await A.post(`/tasks/${t.body.id}/start`, { token: helper.accessToken }), 200, 'start');
    expectStatus(await A.post(`/tasks/${t.body.id}/complete`, { token: helper.accessToken }), 200, 'complete');
    return { creator, helper, task: t.body };
  }
  const balance = async (u) => (await A.get('/users/me/points', { token: u.accessToken })).body;

  it('a replay returns the first response, marked as replayed, and credits once', async () => {
    const s = await pending(7);
    const headers = { 'idempotency-key': randomUUID() };
    const first = await A.post(`/tasks/${s.task.id}/confirm`, { token: s.creator.accessToken, headers });
    expectStatus(first, 200, 'first');
    const again = await A.post(`/tasks/${s.task.id}/confirm`, { token: s.creator.accessToken, headers });
    expectStatus(again, 200, 'replay');
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    const pts = await balance(s.helper);
    assert.equal(pts.balance, 7);
    assert.equal(pts.items.length, 1);
  });

  it('the same key on another request is 422 and changes nothing', async () => {
    const [s1, s2] = await Promise.all([pending(), pending()]);
    const key = randomUUID();
    const headers = { 'idempotency-key': key };
    expectStatus(await A.post(`/tasks/${s1.task.id}/confirm`, { token: s1.creator.accessToken, headers }), 200, 'first');
    // Same caller? No: keys are per caller, so reuse s1's creator on s2's task is impossible;
    // use a failed attempt with s1's creator on another path instead.
    const other = await A.post(`/tasks/${s2.task.id}/confirm`, { token: s1.creator.accessToken, headers });
    assertProblem(other, 422, 'IDEMPOTENCY_KEY_REUSED', 'same key, other task');
    expectStatus(await A.post(`/tasks/${s2.task.id}/confirm`, { token: s2.creator.accessToken, headers }), 200,
      'the same key string is free for another caller');
    assert.equal((await balance(s2.helper)).balance, 10);
  });

  it('concurrent requests with one key: exactly one confirm runs, the rest replay or wait', async () => {
    const s = await pending(5);
    const headers = { 'idempotency-key': randomUUID() };
    const results = await Promise.all(Array.from({ length: 12 }, () =>
      A.post(`/tasks/${s.task.id}/confirm`, { token: s.creator.accessToken, headers })));
    const statuses = results.map((r) => r.status);
    assert.ok(statuses.includes(200), `one succeeded: ${statuses}`);
    for (const r of results) {
      if (r.status === 409) assert.equal(r.body.code, 'IDEMPOTENCY_KEY_IN_USE');
      else assert.equal(r.status, 200, `only 200 or 409: ${statuses}`);
    }
    const pts = await balance(s.helper);
    assert.equal(pts.balance, 5);
    assert.equal(pts.items.length, 1);
  });

  it('rejects a malformed key', async () => {
    const s = await pending();
    const res = await A.post(`/tasks/${s.task.id}/confirm`, {
      token: s.creator.accessToken, headers: { 'idempotency-key': 'x'.repeat(256) },
    });
    assertProblem(res, 400, 'VALIDATION_FAILED', 'key of 256 characters');
  });
});
