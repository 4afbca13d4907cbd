// Account erasure (DELETE /users/me) and help tasks: the erased user's open tasks are
// cancelled like `cancel` does, tasks they help with reopen like `withdraw` does.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, registerUser, expectStatus } from './harness.mjs';

describe('erasure and tasks', { concurrency: true }, () => {
  let srv;
  let A;
  before(async () => { srv = await startServer(); A = api(srv.base); });
  after(async () => { await srv?.stop(); });

  const newTask = async (u) => {
    const t = await A.post('/tasks', {
      token: u.accessToken,
      body: { title: 'Erase', category: 'other', location: { lat: -20 + Math.random(), lng: 40 }, pointsReward: 3 },
    });
    expectStatus(t, 201, 'create');
    return t.body;
  };
  const apply = async (u, t) => {
    const a = await A.post(`/tasks/${t.id}/applications`, { token: u.accessToken, body: {} });
    expectStatus(a, 201, 'apply');
    return a.body;
  };

  it('an erased helper hands the task back and the declined applicants can be accepted', async () => {
    const [creator, helper, other] = await Promise.all([registerUser(srv.base), registerUser(srv.base), registerUser(srv.base)]);
    const t = await newTask(creator);
    const mine = await apply(helper, t);
    const theirs = await apply(other, t);
    expectStatus(await A.post(`/tasks/${t.id}/applications/${mine.id}/accept`, { token: creator.accessToken }), 200, 'accept');
    expectStatus(await A.del('/users/me', { token: helper.accessToken }), 204, 'erase helper');
    const now = await A.get(`/tasks/${t.id}`, { token: creator.accessToken });
    assert.equal(now.body.status, 'open');
    assert.equal(now.body.helperId, null);
    expectStatus(await A.post(`/tasks/${t.id}/applications/${theirs.id}/accept`, { token: creator.accessToken }), 200,
      'the other applicant can be accepted');
  });

  it('an erased creator\'s open tasks are cancelled and their applications declined', async () => {
    const [creator, applicant] = await Promise.all([registerUser(srv.base), registerUser(srv.base)]);
    const t = await newTask(creator);
    await apply(applicant, t);
    expectStatus(await A.del('/users/me', { token: creator.accessToken }), 204, 'erase creator');
    const seen = await A.get(`/tasks/${t.id}`, { token: applicant.accessToken });
    expectStatus(seen, 200, 'an applicant still sees the task');
    assert.equal(seen.body.status, 'cancelled');
    assert.equal(seen.body.description, '');
  });
});
