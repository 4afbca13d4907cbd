// Help task lifecycle (API.md "Help tasks", docs/tasks.md "Lifecycle"): applications,
// every legal transition, every illegal one (409 with currentStatus), wrong actors (403),
// the reward on confirm, and concurrent transitions resolving to exactly one winner.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  startServer, api, registerUser, assertProblem, assertFieldError, expectStatus, assertLedgerOk,
  UUID_RE, ISO_MS_Z_RE,
} from './harness.mjs';

let srv;
let A;

before(async () => {
  srv = await startServer();
  A = api(srv.base);
});

after(async () => {
  // The confirm races above must have left a sound ledger.
  if (srv) await assertLedgerOk(srv, 'after the lifecycle suite');
  await srv?.stop();
});

const STATUSES = ['open', 'assigned', 'in_progress', 'pending_confirmation', 'completed', 'cancelled'];
const APP_KEYS = ['applicantId', 'createdAt', 'id', 'message', 'status', 'taskId'];

function taskBody(over = {}) {
  return {
    title: 'Fix a bicycle tyre',
    description: 'Rear wheel',
    category: 'repairs',
    location: { lat: 51.5074, lng: -0.1278 },
    pointsReward: 40,
    ...over,
  };
}

async function createTask(token, over = {}) {
  const res = await A.post('/tasks', { token, body: taskBody(over) });
  expectStatus(res, 201, 'POST /tasks');
  return res.body;
}

async function getTask(user, id) {
  const res = await A.get(`/tasks/${id}`, { token: user.accessToken });
  expectStatus(res, 200, `GET /tasks/${id}`);
  return res.body;
}

async function apply(user, task, message = 'I can help') {
  return A.post(`/tasks/${task.id}/applications`, { token: user.accessToken, body: { message } });
}

async function applyOk(user, task, message) {
  const res = await apply(user, task, message);
  expectStatus(res, 201, 'apply');
  return res.body;
}

function accept(user, task, appId) {
  return A.post(`/tasks/${task.id}/applications/${appId}/accept`, { token: user.accessToken });
}

function act(user, task, action, body) {
  return A.post(`/tasks/${task.id}/${action}`, { token: user.accessToken, body: body ?? (action === 'reject' ? { reason: 'Please redo it' } : undefined) });
}

async function transitionOk(user, task, action, expectedStatus, body) {
  const res = await act(user, task, action, body);
  expectStatus(res, 200, `${action} → ${expectedStatus}`);
  assert.equal(res.body.status, expectedStatus, `${action}: status in the response: ${res.text}`);
  assert.equal(res.body.id, task.id);
  return res.body;
}

async function applications(user, task) {
  const res = await A.get(`/tasks/${task.id}/applications`, { token: user.accessToken });
  expectStatus(res, 200, 'GET applications');
  assert.ok(Array.isArray(res.body.items), res.text);
  assert.ok('nextCursor' in res.body, res.text);
  return res.body.items;
}

async function users(n) {
  return Promise.all(Array.from({ length: n }, () => registerUser(srv.base)));
}

// A task of `creator` brought to `status`. `helper` and `other` have both applied; once
// assigned, `helper` is the helper and `other`'s application is declined.
async function scenario(status, over = {}) {
  const [creator, helper, other, stranger] = await users(4);
  let task = await createTask(creator.accessToken, over);
  const helperApp = await applyOk(helper, task);
  const otherApp = await applyOk(other, task);
  const s = { creator, helper, other, stranger, helperApp, otherApp };
  if (status === 'cancelled') {
    task = await transitionOk(creator, task, 'cancel', 'cancelled');
  } else if (status !== 'open') {
    const res = await accept(creator, task, helperApp.id);
    expectStatus(res, 200, 'accept');
    task = res.body;
    if (status !== 'assigned') task = await transitionOk(helper, task, 'start', 'in_progress');
    if (status === 'pending_confirmation' || status === 'completed') task = await transitionOk(helper, task, 'complete', 'pending_confirmation');
    if (status === 'completed') task = await transitionOk(creator, task, 'confirm', 'completed');
  }
  assert.equal(task.status, status);
  s.task = task;
  return s;
}

async function pointsOf(user) {
  const me = await A.get('/users/me', { token: user.accessToken });
  expectStatus(me, 200, 'GET /users/me');
  const pts = await A.get('/users/me/points', { token: user.accessToken });
  expectStatus(pts, 200, 'GET /users/me/points');
  assert.equal(pts.body.balance, me.body.pointsBalance, 'balance agrees between /users/me and /users/me/points');
  return { balance: me.body.pointsBalance, items: pts.body.items };
}

async function tasksCompleted(viewer, user) {
  const res = await A.get(`/users/${user.user.id}`, { token: viewer.accessToken });
  expectStatus(res, 200, 'public profile');
  return res.body.tasksCompleted;
}

function assertConflict(res, code, currentStatus, what) {
  const b = assertProblem(res, 409, code, what);
  assert.equal(b.currentStatus, currentStatus, `${what}: currentStatus: ${res.text}`);
}

describe('applications', { concurrency: true }, () => {
  it('apply answers 201 with the application; the creator lists them oldest first', async () => {
    const [creator, h1, h2] = await users(3);
    const task = await createTask(creator.accessToken);
    const r1 = await apply(h1, task, 'I live next door');
    expectStatus(r1, 201, 'apply h1');
    assert.deepEqual(Object.keys(r1.body).sort(), APP_KEYS, r1.text);
    assert.match(r1.body.id, UUID_RE);
    assert.equal(r1.body.taskId, task.id);
    assert.equal(r1.body.applicantId, h1.user.id);
    assert.equal(r1.body.message, 'I live next door');
    assert.equal(r1.body.status, 'pending');
    assert.match(r1.body.createdAt, ISO_MS_Z_RE);
    await new Promise((r) => setTimeout(r, 5));
    const r2 = await A.post(`/tasks/${task.id}/applications`, { token: h2.accessToken, body: {} });
    expectStatus(r2, 201, 'apply without a message');
    const list = await applications(creator, task);
    assert.deepEqual(list.map((a) => a.id), [r1.body.id, r2.body.id], 'oldest first');
    assert.deepEqual(list[0], r1.body);
    assert.ok(list.every((a) => a.status === 'pending'));
    // The task stays open while applications come in.
    assert.equal((await getTask(creator, task.id)).status, 'open');
  });

  it('the creator applying to their own task → 403 CANNOT_APPLY_TO_OWN_TASK', async () => {
    const [creator] = await users(1);
    const task = await createTask(creator.accessToken);
    assertProblem(await apply(creator, task), 403, 'CANNOT_APPLY_TO_OWN_TASK');
    assert.deepEqual(await applications(creator, task), []);
  });

  it('applying twice → 409 ALREADY_APPLIED', async () => {
    const [creator, h] = await users(2);
    const task = await createTask(creator.accessToken);
    await applyOk(h, task);
    assertProblem(await apply(h, task, 'again'), 409, 'ALREADY_APPLIED');
    assert.equal((await applications(creator, task)).length, 1);
  });

  it('GET applications as a non-creator → 403 (applicant and stranger alike)', async () => {
    const [creator, h, stranger] = await users(3);
    const task = await createTask(creator.accessToken);
    await applyOk(h, task);
    assertProblem(await A.get(`/tasks/${task.id}/applications`, { token: h.accessToken }), 403, 'FORBIDDEN', 'applicant');
    assertProblem(await A.get(`/tasks/${task.id}/applications`, { token: stranger.accessToken }), 403, 'FORBIDDEN', 'stranger');
  });

  it('invalid and unknown ids', async () => {
    const [creator, h] = await users(2);
    const task = await createTask(creator.accessToken);
    const app = await applyOk(h, task);
    assertProblem(await A.post('/tasks/nope/applications', { token: h.accessToken, body: {} }), 400, 'INVALID_ID');
    assertProblem(await A.post(`/tasks/${randomUUID()}/applications`, { token: h.accessToken, body: {} }), 404, 'TASK_NOT_FOUND');
    assertProblem(await A.get(`/tasks/${randomUUID()}/applications`, { token: creator.accessToken }), 404, 'TASK_NOT_FOUND');
    assertProblem(await accept(creator, task, 'nope'), 400, 'INVALID_ID', 'non-UUID application id');
    assertProblem(await accept(creator, task, randomUUID()), 404, undefined, 'unknown application id');
    // An application of another task is not an application of this one.
    const task2 = await createTask(creator.accessToken);
    assertProblem(await accept(creator, task2, app.id), 404, undefined, 'application of another task');
    assert.equal((await getTask(creator, task2.id)).status, 'open');
    assert.equal((await getTask(creator, task.id)).status, 'open');
    for (const action of ['start', 'withdraw', 'complete', 'confirm', 'reject', 'cancel']) {
      assertProblem(await A.post(`/tasks/not-a-uuid/${action}`, { token: creator.accessToken, body: { reason: 'x' } }), 400, 'INVALID_ID', action);
      assertProblem(await A.post(`/tasks/${randomUUID()}/${action}`, { token: creator.accessToken, body: { reason: 'x' } }), 404, 'TASK_NOT_FOUND', action);
    }
  });

  it('rejects an over-long or non-string message', async () => {
    const [creator, h] = await users(2);
    const task = await createTask(creator.accessToken);
    assertFieldError(await apply(h, task, 42), 'message', 'VALIDATION_FAILED', 'numeric message');
    assertFieldError(await apply(h, task, 'm'.repeat(100_000)), 'message', 'VALIDATION_FAILED', '100k message');
    assert.deepEqual(await applications(creator, task), []);
  });

  it('requires a bearer token', async () => {
    const [creator] = await users(1);
    const task = await createTask(creator.accessToken);
    assertProblem(await A.post(`/tasks/${task.id}/applications`, { body: {} }), 401, 'UNAUTHENTICATED');
    assertProblem(await A.get(`/tasks/${task.id}/applications`), 401, 'UNAUTHENTICATED');
    assertProblem(await A.post(`/tasks/${task.id}/cancel`), 401, 'UNAUTHENTICATED');
  });
});

describe('legal transitions', { concurrency: true }, () => {
  it('open → assigned → in_progress → pending_confirmation → in_progress (reject) → pending_confirmation → completed', async () => {
    const [creator, helper, other] = await users(3);
    let task = await createTask(creator.accessToken, { pointsReward: 40 });
    const helperApp = await applyOk(helper, task);
    const otherApp = await applyOk(other, task);

    const acc = await accept(creator, task, helperApp.id);
    expectStatus(acc, 200, 'accept');
    assert.equal(acc.body.status, 'assigned');
    assert.equal(acc.body.helperId, helper.user.id);
    const apps = await applications(creator, task);
    assert.equal(apps.find((a) => a.id === helperApp.id).status, 'accepted');
    assert.equal(apps.find((a) => a.id === otherApp.id).status, 'declined', 'accept declines the other applications');

    task = await transitionOk(helper, task, 'start', 'in_progress');
    assert.equal(task.helperId, helper.user.id);
    task = await transitionOk(helper, task, 'complete', 'pending_confirmation');
    assert.equal(task.completedAt, null);
    task = await transitionOk(creator, task, 'reject', 'in_progress', { reason: 'The tyre is still flat' });
    task = await transitionOk(helper, task, 'complete', 'pending_confirmation');
    const before = Date.now();
    task = await transitionOk(creator, task, 'confirm', 'completed');
    assert.match(task.completedAt, ISO_MS_Z_RE, 'completedAt set');
    assert.ok(Math.abs(Date.parse(task.completedAt) - before) < 60_000, `completedAt is now: ${task.completedAt}`);
    assert.equal(task.helperId, helper.user.id);
    const got = await getTask(creator, task.id);
    assert.equal(got.status, 'completed');
    assert.equal(got.completedAt, task.completedAt);
    assert.equal((await getTask(helper, task.id)).status, 'completed', 'the helper still sees the task');
  });

  it('confirm credits the helper: balance, one task_reward ledger row, tasksCompleted', async () => {
    const s = await scenario('pending_confirmation', { pointsReward: 137 });
    const { creator, helper, other, task } = s;
    const helperBefore = await pointsOf(helper);
    assert.equal(helperBefore.balance, 0);
    assert.equal(await tasksCompleted(other, helper), 0);
    const creatorBefore = await pointsOf(creator);

    const done = await transitionOk(creator, task, 'confirm', 'completed');
    assert.match(done.completedAt, ISO_MS_Z_RE);

    const after = await pointsOf(helper);
    assert.equal(after.balance, 137, 'helper credited pointsReward');
    assert.equal(after.items.length, 1, `one ledger row: ${JSON.stringify(after.items)}`);
    const row = after.items[0];
    assert.equal(row.type, 'task_reward');
    assert.equal(row.amount, 137);
    assert.equal(row.taskId, task.id);
    assert.equal(row.userId, helper.user.id);
    assert.match(row.id, UUID_RE);
    assert.match(row.createdAt, ISO_MS_Z_RE);
    assert.equal(await tasksCompleted(other, helper), 1, 'public tasksCompleted of the helper');
    assert.equal(await tasksCompleted(other, creator), 0, 'the creator completed nothing');
    // The creator is not credited.
    const creatorAfter = await pointsOf(creator);
    assert.ok(creatorAfter.balance <= creatorBefore.balance, 'the creator gains nothing');
    assert.ok(!creatorAfter.items.some((r) => r.type === 'task_reward'));
  });

  it('withdraw from assigned reopens the task, helperId null, and the creator can accept another applicant', async () => {
    const s = await scenario('assigned');
    const { creator, helper, other, helperApp, otherApp, task } = s;
    const reopened = await transitionOk(helper, task, 'withdraw', 'open');
    assert.equal(reopened.helperId, null);
    const got = await getTask(creator, task.id);
    assert.equal(got.status, 'open');
    assert.equal(got.helperId, null);
    const apps = await applications(creator, task);
    assert.equal(apps.find((a) => a.id === helperApp.id).status, 'withdrawn');
    assert.equal(apps.find((a) => a.id === otherApp.id).status, 'pending', 'declined applications become pending again');
    // The former helper can no longer act as the helper.
    assertProblem(await act(helper, task, 'start'), 403, 'FORBIDDEN', 'former helper starts');
    const acc = await accept(creator, task, otherApp.id);
    expectStatus(acc, 200, 'accept the other applicant');
    assert.equal(acc.body.status, 'assigned');
    assert.equal(acc.body.helperId, other.user.id);
    const started = await transitionOk(other, task, 'start', 'in_progress');
    assert.equal(started.helperId, other.user.id);
    const helping = await A.get('/users/me/tasks?role=helper', { token: helper.accessToken });
    expectStatus(helping, 200, 'former helper\'s tasks');
    assert.ok(!helping.body.items.some((t) => t.id === task.id), 'no longer among the former helper\'s tasks');
  });

  it('withdraw from in_progress reopens the task', async () => {
    const s = await scenario('in_progress');
    const reopened = await transitionOk(s.helper, s.task, 'withdraw', 'open');
    assert.equal(reopened.helperId, null);
    const again = await accept(s.creator, s.task, s.otherApp.id);
    expectStatus(again, 200, 'accept after withdraw');
    assert.equal(again.body.helperId, s.other.user.id);
  });

  it('cancel from open: cancelled, pending applications declined', async () => {
    const s = await scenario('open');
    const res = await act(s.creator, s.task, 'cancel');
    expectStatus(res, 200, 'cancel');
    assert.equal(res.body.status, 'cancelled');
    assert.equal(res.body.helperId, null);
    assert.equal((await getTask(s.creator, s.task.id)).status, 'cancelled');
    const apps = await applications(s.creator, s.task);
    assert.ok(apps.every((a) => a.status === 'declined'), JSON.stringify(apps));
  });

  it('cancel from open without applications', async () => {
    const [creator] = await users(1);
    const task = await createTask(creator.accessToken);
    await transitionOk(creator, task, 'cancel', 'cancelled');
  });

  it('reject needs a reason of 1..1000 characters (400 otherwise, status unchanged)', async () => {
    const s = await scenario('pending_confirmation');
    const { creator, task } = s;
    assertFieldError(await act(creator, task, 'reject', {}), 'reason', 'VALIDATION_FAILED', 'no reason');
    assertFieldError(await act(creator, task, 'reject', { reason: '' }), 'reason', 'VALIDATION_FAILED', 'empty reason');
    assertFieldError(await act(creator, task, 'reject', { reason: 'r'.repeat(1001) }), 'reason', 'VALIDATION_FAILED', '1001 chars');
    assertFieldError(await act(creator, task, 'reject', { reason: 7 }), 'reason', 'VALIDATION_FAILED', 'numeric reason');
    const noBody = await A.post(`/tasks/${task.id}/reject`, { token: creator.accessToken });
    assertProblem(noBody, 400, undefined, 'reject without a body');
    assert.equal((await getTask(creator, task.id)).status, 'pending_confirmation');
    await transitionOk(creator, task, 'reject', 'in_progress', { reason: 'é'.repeat(1000) });
  });
});

// Every action with the legitimate actor in every status where it is illegal.
describe('illegal transitions → 409 with currentStatus', { concurrency: true }, () => {
  // action → [actor, needsOpen, statuses where it is legal]
  const ACTIONS = {
    accept: ['creator', true, ['open']],
    cancel: ['creator', true, ['open']],
    confirm: ['creator', false, ['pending_confirmation']],
    reject: ['creator', false, ['pending_confirmation']],
    start: ['helper', false, ['assigned']],
    withdraw: ['helper', false, ['assigned', 'in_progress']],
    complete: ['helper', false, ['in_progress']],
  };
  for (const status of STATUSES) {
    it(`from ${status}`, async () => {
      const s = await scenario(status);
      const hasHelper = !['open', 'cancelled'].includes(status);
      let checked = 0;
      for (const [action, [actor, needsOpen, legal]] of Object.entries(ACTIONS)) {
        if (legal.includes(status)) continue;
        if (actor === 'helper' && !hasHelper) continue; // no helper: covered by the 403 tests
        const code = needsOpen ? 'TASK_NOT_OPEN' : 'TASK_STATUS_CONFLICT';
        const res = action === 'accept'
          ? await accept(s.creator, s.task, s.otherApp.id)
          : await act(s[actor], s.task, action);
        assertConflict(res, code, status, `${action} by the ${actor} from ${status}`);
        checked++;
      }
      if (status !== 'open') {
        // Applying needs `open`; a new applicant cannot even see a non-open task (404),
        // so use one who already applied: 409 either way.
        const res = await apply(s.other, s.task, 'again');
        const b = assertProblem(res, 409, undefined, `apply from ${status}`);
        assert.ok(['TASK_NOT_OPEN', 'ALREADY_APPLIED'].includes(b.code), res.text);
        if (b.code === 'TASK_NOT_OPEN') assert.equal(b.currentStatus, status);
      }
      assert.ok(checked > 0 || status === 'open');
      const after = await getTask(s.creator, s.task.id);
      assert.equal(after.status, status, 'the status is unchanged after the 409s');
      assert.equal(after.updatedAt, s.task.updatedAt, 'nothing changed');
    });
  }

  it('apply to a cancelled or completed task by a stranger is a 404 (not visible)', async () => {
    for (const status of ['cancelled', 'completed']) {
      const s = await scenario(status);
      assertProblem(await apply(s.stranger, s.task), 404, 'TASK_NOT_FOUND', `apply from ${status}`);
    }
  });
});

describe('wrong actors → 403', { concurrency: true }, () => {
  const cases = [
    ['open', 'applicant', 'accept', 'FORBIDDEN'],
    ['open', 'stranger', 'accept', 'FORBIDDEN'],
    ['open', 'applicant', 'cancel', 'FORBIDDEN'],
    ['open', 'stranger', 'cancel', 'FORBIDDEN'],
    ['open', 'creator', 'start', 'FORBIDDEN'],
    ['open', 'applicant', 'start', 'FORBIDDEN'],
    ['open', 'stranger', 'withdraw', 'FORBIDDEN'],
    ['open', 'applicant', 'complete', 'FORBIDDEN'],
    ['assigned', 'creator', 'start', 'FORBIDDEN'],
    ['assigned', 'other', 'start', 'FORBIDDEN'],
    ['assigned', 'creator', 'withdraw', 'FORBIDDEN'],
    ['assigned', 'helper', 'cancel', 'FORBIDDEN'],
    ['in_progress', 'creator', 'complete', 'FORBIDDEN'],
    ['in_progress', 'other', 'complete', 'FORBIDDEN'],
    ['in_progress', 'other', 'withdraw', 'FORBIDDEN'],
    ['pending_confirmation', 'helper', 'confirm', 'FORBIDDEN'],
    ['pending_confirmation', 'helper', 'reject', 'FORBIDDEN'],
    ['pending_confirmation', 'other', 'confirm', 'FORBIDDEN'],
    ['completed', 'helper', 'confirm', 'FORBIDDEN'],
  ];
  for (const [status, who, action, code] of cases) {
    it(`${action} by the ${who} on a ${status} task`, async () => {
      const s = await scenario(status);
      const user = who === 'applicant' ? s.helper : s[who];
      const res = action === 'accept' ? await accept(user, s.task, s.otherApp.id) : await act(user, s.task, action);
      assertProblem(res, 403, code, `${action} by ${who} on ${status}`);
      const after = await getTask(s.creator, s.task.id);
      assert.equal(after.status, status, 'status unchanged');
      assert.equal(after.helperId, s.task.helperId, 'helper unchanged');
    });
  }

  it('the helper accepting an application on the reopened task → 403', async () => {
    const s = await scenario('open');
    assertProblem(await accept(s.helper, s.task, s.helperApp.id), 403, 'FORBIDDEN', 'applicant accepts own application');
    assert.equal((await getTask(s.creator, s.task.id)).helperId, null);
  });

  it('a stranger acting on a non-open task they cannot see → 404 TASK_NOT_FOUND', async () => {
    // docs/tasks.md: a non-open task is a 404 to everyone but creator, helper and applicants,
    // and the id check comes before the actor check.
    const s = await scenario('in_progress');
    assertProblem(await act(s.stranger, s.task, 'complete'), 404, 'TASK_NOT_FOUND', 'stranger completes');
    assertProblem(await act(s.stranger, s.task, 'withdraw'), 404, 'TASK_NOT_FOUND', 'stranger withdraws');
    assertProblem(await act(s.stranger, s.task, 'confirm'), 404, 'TASK_NOT_FOUND', 'stranger confirms');
    assert.equal((await getTask(s.creator, s.task.id)).status, 'in_progress');
  });
});

describe('concurrent transitions', { concurrency: true }, () => {
  it('20 concurrent confirms: exactly one 200, 19 × 409, credited once', async () => {
    const s = await scenario('pending_confirmation', { pointsReward: 77 });
    const results = await Promise.all(Array.from({ length: 20 }, () => act(s.creator, s.task, 'confirm')));
    const ok = results.filter((r) => r.status === 200);
    const conflicts = results.filter((r) => r.status === 409);
    assert.equal(ok.length, 1, `one winner: ${results.map((r) => r.status)}`);
    assert.equal(conflicts.length, 19, `19 losers: ${results.map((r) => r.status)}`);
    for (const r of conflicts) assertConflict(r, 'TASK_STATUS_CONFLICT', 'completed', 'losing confirm');
    assert.equal(ok[0].body.status, 'completed');
    const p = await pointsOf(s.helper);
    assert.equal(p.balance, 77, 'credited exactly once');
    assert.equal(p.items.filter((r) => r.taskId === s.task.id).length, 1, 'one ledger row');
    assert.equal(await tasksCompleted(s.other, s.helper), 1);
  });

  it('two concurrent accepts of different applications: one 200, one 409, the winner is the helper', async () => {
    for (let round = 0; round < 10; round++) {
      const [creator, h1, h2] = await users(3);
      const task = await createTask(creator.accessToken);
      const [a1, a2] = await Promise.all([applyOk(h1, task), applyOk(h2, task)]);
      const [r1, r2] = await Promise.all([accept(creator, task, a1.id), accept(creator, task, a2.id)]);
      const statuses = [r1.status, r2.status].sort();
      assert.deepEqual(statuses, [200, 409], `round ${round}: ${r1.text} / ${r2.text}`);
      const [win, lose, winner, winApp, loseApp] = r1.status === 200 ? [r1, r2, h1, a1, a2] : [r2, r1, h2, a2, a1];
      assert.equal(win.body.helperId, winner.user.id);
      const got = await getTask(creator, task.id);
      assert.equal(got.status, 'assigned');
      assert.equal(got.helperId, winner.user.id, 'the task\'s helper is the winner');
      const apps = await applications(creator, task);
      assert.equal(apps.find((a) => a.id === winApp.id).status, 'accepted');
      assert.equal(apps.find((a) => a.id === loseApp.id).status, 'declined');
      // The loser found the task no longer open: the same answer as a late accept.
      assertConflict(lose, 'TASK_NOT_OPEN', 'assigned', `round ${round}: losing accept`);
    }
  });

  it('10 concurrent applies by one user: one 201, the rest 409 ALREADY_APPLIED', async () => {
    const [creator, h] = await users(2);
    const task = await createTask(creator.accessToken);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => apply(h, task, `try ${i}`)));
    assert.equal(results.filter((r) => r.status === 201).length, 1, `one 201: ${results.map((r) => r.status)}`);
    for (const r of results.filter((x) => x.status !== 201)) assertProblem(r, 409, 'ALREADY_APPLIED', 'duplicate apply');
    assert.equal((await applications(creator, task)).length, 1);
  });

  it('concurrent start and withdraw by the helper: exactly one wins', async () => {
    const s = await scenario('assigned');
    const [r1, r2] = await Promise.all([act(s.helper, s.task, 'start'), act(s.helper, s.task, 'withdraw')]);
    const codes = [r1.status, r2.status];
    const final = await getTask(s.creator, s.task.id);
    // start then withdraw are both legal in sequence (assigned → in_progress → open); the
    // reverse order makes the late start a 403/409. Either way the end state is consistent.
    if (codes.every((c) => c === 200)) {
      assert.equal(final.status, 'open');
    } else {
      assert.equal(codes.filter((c) => c === 200).length, 1, `${r1.text} / ${r2.text}`);
      assert.equal(final.status, r1.status === 200 ? r1.body.status : r2.body.status);
    }
  });

  it('confirm with an Idempotency-Key: the repeat returns the first response and credits once', async () => {
    const s = await scenario('pending_confirmation', { pointsReward: 12 });
    const headers = { 'idempotency-key': `confirm-${randomUUID()}` };
    const first = await A.post(`/tasks/${s.task.id}/confirm`, { token: s.creator.accessToken, headers });
    expectStatus(first, 200, 'first confirm');
    const again = await A.post(`/tasks/${s.task.id}/confirm`, { token: s.creator.accessToken, headers });
    expectStatus(again, 200, 'repeated confirm with the same key');
    assert.deepEqual(again.body, first.body);
    assert.equal((await pointsOf(s.helper)).balance, 12);
    assertConflict(await act(s.creator, s.task, 'confirm'), 'TASK_STATUS_CONFLICT', 'completed', 'confirm without the key');
  });
});
