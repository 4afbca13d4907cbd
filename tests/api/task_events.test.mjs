// Task events (docs/tasks.md "Events"): each transition's outbox row is published on the
// in-process bus shortly after the commit, exactly once, which /metrics counts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, registerUser, expectStatus } from './harness.mjs';

let srv;
let A;
let R;

before(async () => {
  srv = await startServer({ args: ['--outbox-poll-ms', '20'] });
  A = api(srv.base);
  R = api(srv.origin);
});

after(async () => {
  await srv?.stop();
});

async function delivered() {
  const text = (await R.get('/metrics')).text;
  const m = text.match(/^gooddeeds_task_events_delivered_total (\d+)$/m);
  assert.ok(m, 'gooddeeds_task_events_delivered_total is exported');
  return Number(m[1]);
}

async function waitFor(n) {
  const deadline = Date.now() + 5000;
  let seen = await delivered();
  while (seen < n && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    seen = await delivered();
  }
  return seen;
}

describe('task events', () => {
  it('accept, start, complete and confirm each publish one event, once', async () => {
    const creator = await registerUser(srv.base);
    const helper = await registerUser(srv.base);
    const base = await delivered();
    const task = await A.post('/tasks', {
      token: creator.accessToken,
      body: {
        title: 'Carry shopping', description: 'Two bags', category: 'shopping',
        location: { lat: 48.137, lng: 11.575 }, pointsReward: 10,
      },
    });
    expectStatus(task, 201, 'create');
    const id = task.body.id;
    const app = await A.post(`/tasks/${id}/applications`, { token: helper.accessToken, body: { message: 'me' } });
    expectStatus(app, 201, 'apply');
    expectStatus(await A.post(`/tasks/${id}/applications/${app.body.id}/accept`, {
      token: creator.accessToken,
    }), 200, 'accept');
    assert.equal(await waitFor(base + 1), base + 1, 'task.accepted delivered');
    expectStatus(await A.post(`/tasks/${id}/start`, { token: helper.accessToken }), 200, 'start');
    expectStatus(await A.post(`/tasks/${id}/complete`, { token: helper.accessToken }), 200, 'complete');
    expectStatus(await A.post(`/tasks/${id}/confirm`, { token: creator.accessToken }), 200, 'confirm');
    assert.equal(await waitFor(base + 4), base + 4, 'started, completed, confirmed delivered');
    // Nothing is delivered twice, however long the relay keeps polling.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await delivered(), base + 4);
  });
});
