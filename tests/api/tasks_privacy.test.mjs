// Task visibility and location privacy (API.md "Help tasks", docs/tasks.md "Who sees what"):
// non-open tasks are a 404 to outsiders; everyone but the creator and the assigned helper
// sees the location snapped to the centre of a ~250 m grid cell, and search measures,
// filters and sorts by that snapped point, so probing from many places reveals only the cell.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, api, registerUser, assertProblem, expectStatus,
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

const R = 6371008.8;
const rad = (d) => (d * Math.PI) / 180;
const deg = (r) => (r * 180) / Math.PI;
const SNAP = 180; // half the diagonal of a 250 m cell, with a little slack

function haversine(a, b) {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

// The point `dist` metres from `p` along `bearing` (radians from north).
function destination(p, bearing, dist) {
  const d = dist / R;
  const lat1 = rad(p.lat);
  const lng1 = rad(p.lng);
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(bearing));
  const lng2 = lng1 + Math.atan2(Math.sin(bearing) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
  return { lat: deg(lat2), lng: ((deg(lng2) + 540) % 360) - 180 };
}

function initialBearing(a, b) {
  const y = Math.sin(rad(b.lng - a.lng)) * Math.cos(rad(b.lat));
  const x = Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) - Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lng - a.lng));
  return Math.atan2(y, x);
}

// A random point with many decimals, so the true coordinates are recognisable in a body.
function randomPoint() {
  return { lat: Number((Math.random() * 120 - 60).toFixed(7)), lng: Number((Math.random() * 340 - 170).toFixed(7)) };
}

async function users(n) {
  return Promise.all(Array.from({ length: n }, () => registerUser(srv.base)));
}

async function createTask(user, location, over = {}) {
  const res = await A.post('/tasks', {
    token: user.accessToken,
    body: { title: 'Water my plants', category: 'garden', pointsReward: 15, location, ...over },
  });
  expectStatus(res, 201, 'POST /tasks');
  return res.body;
}

async function getTask(user, id) {
  const res = await A.get(`/tasks/${id}`, { token: user.accessToken });
  expectStatus(res, 200, `GET /tasks/${id}`);
  return res;
}

async function search(user, q, radius = 5000, extra = {}) {
  const params = new URLSearchParams({ lat: String(q.lat), lng: String(q.lng), radius: String(radius), limit: '100', ...extra });
  const res = await A.get(`/tasks?${params}`, { token: user.accessToken });
  expectStatus(res, 200, `GET /tasks?${params}`);
  return res;
}

function assertNoTrueLocation(res, loc, what) {
  assert.ok(!res.text.includes(String(loc.lat)) && !res.text.includes(String(loc.lng)),
    `${what}: the true coordinates ${loc.lat},${loc.lng} appear nowhere: ${res.text.slice(0, 800)}`);
}

function sameLocation(a, b) {
  return Math.abs(a.lat - b.lat) < 1e-9 && Math.abs(a.lng - b.lng) < 1e-9;
}

function assertSnapped(shown, truth, what) {
  assert.ok(!sameLocation(shown, truth), `${what}: not the true location ${JSON.stringify(shown)}`);
  const d = haversine(shown, truth);
  assert.ok(d <= SNAP, `${what}: snapped point within ~${SNAP} m of the true one, got ${d.toFixed(1)} m`);
}

// A task of `creator` with `helper` assigned; `applicant` applied too (declined on accept).
async function assignedTask(creator, helper, applicant, location) {
  const task = await createTask(creator, location);
  const h = await A.post(`/tasks/${task.id}/applications`, { token: helper.accessToken, body: {} });
  expectStatus(h, 201, 'apply helper');
  const a = await A.post(`/tasks/${task.id}/applications`, { token: applicant.accessToken, body: {} });
  expectStatus(a, 201, 'apply applicant');
  const acc = await A.post(`/tasks/${task.id}/applications/${h.body.id}/accept`, { token: creator.accessToken });
  expectStatus(acc, 200, 'accept');
  return acc.body;
}

describe('who sees a task', { concurrency: true }, () => {
  it('an open task: the creator sees the true location, others a snapped one', async () => {
    const [creator, other, third] = await users(3);
    const truth = randomPoint();
    const task = await createTask(creator, truth);
    const mine = await getTask(creator, task.id);
    assert.deepEqual(mine.body.location, truth, 'the creator sees the true location');
    const theirs = await getTask(other, task.id);
    assertSnapped(theirs.body.location, truth, 'another user');
    assertNoTrueLocation(theirs, truth, 'GET by another user');
    const again = await getTask(third, task.id);
    assert.deepEqual(again.body.location, theirs.body.location, 'every outsider sees the same snapped point');
    // Apart from the location the task is the same.
    assert.deepEqual({ ...theirs.body, location: null }, { ...mine.body, location: null });
  });

  it('an applicant sees the snapped location, the assigned helper the true one', async () => {
    const [creator, helper, applicant] = await users(3);
    const truth = randomPoint();
    const task = await createTask(creator, truth);
    const h = await A.post(`/tasks/${task.id}/applications`, { token: helper.accessToken, body: {} });
    expectStatus(h, 201, 'apply');
    const a = await A.post(`/tasks/${task.id}/applications`, { token: applicant.accessToken, body: {} });
    expectStatus(a, 201, 'apply');
    const beforeAccept = await getTask(helper, task.id);
    assertSnapped(beforeAccept.body.location, truth, 'an applicant before being accepted');
    const acc = await A.post(`/tasks/${task.id}/applications/${h.body.id}/accept`, { token: creator.accessToken });
    expectStatus(acc, 200, 'accept');
    assert.deepEqual((await getTask(helper, task.id)).body.location, truth, 'the assigned helper sees the true location');
    const declined = await getTask(applicant, task.id);
    assertSnapped(declined.body.location, truth, 'a declined applicant');
    assertNoTrueLocation(declined, truth, 'GET by a declined applicant');
    // After the helper withdraws, they are an outsider again.
    expectStatus(await A.post(`/tasks/${task.id}/withdraw`, { token: helper.accessToken }), 200, 'withdraw');
    assertSnapped((await getTask(helper, task.id)).body.location, truth, 'a helper who withdrew');
  });

  for (const status of ['assigned', 'in_progress', 'pending_confirmation', 'completed', 'cancelled']) {
    it(`a ${status} task is a 404 for a stranger, visible to creator, helper and applicants`, async () => {
      const [creator, helper, applicant, stranger] = await users(4);
      let task;
      if (status === 'cancelled') {
        task = await createTask(creator, randomPoint());
        const a = await A.post(`/tasks/${task.id}/applications`, { token: applicant.accessToken, body: {} });
        expectStatus(a, 201, 'apply');
        expectStatus(await A.post(`/tasks/${task.id}/cancel`, { token: creator.accessToken }), 200, 'cancel');
      } else {
        task = await assignedTask(creator, helper, applicant, randomPoint());
        const steps = { in_progress: ['start'], pending_confirmation: ['start', 'complete'], completed: ['start', 'complete'] }[status] ?? [];
        for (const step of steps) expectStatus(await A.post(`/tasks/${task.id}/${step}`, { token: helper.accessToken }), 200, step);
        if (status === 'completed') expectStatus(await A.post(`/tasks/${task.id}/confirm`, { token: creator.accessToken }), 200, 'confirm');
      }
      const seenBy = status === 'cancelled' ? [creator, applicant] : [creator, helper, applicant];
      for (const u of seenBy) assert.equal((await getTask(u, task.id)).body.status, status);
      assertProblem(await A.get(`/tasks/${task.id}`, { token: stranger.accessToken }), 404, 'TASK_NOT_FOUND', `stranger GET ${status}`);
      assertProblem(await A.get(`/tasks/${task.id}/applications`, { token: stranger.accessToken }), 404, 'TASK_NOT_FOUND', `stranger applications ${status}`);
      assertProblem(await A.patch(`/tasks/${task.id}`, { token: stranger.accessToken, body: { title: 'x' } }), 404, 'TASK_NOT_FOUND', `stranger PATCH ${status}`);
    });
  }
});

describe('search privacy', { concurrency: true }, () => {
  it('20 searches from around a task only ever reveal its grid cell', async () => {
    const [creator, stranger] = await users(2);
    const truth = randomPoint();
    const task = await createTask(creator, truth);
    const snapped = (await getTask(stranger, task.id)).body.location;
    assertSnapped(snapped, truth, 'GET by the stranger');
    let differs = 0;
    for (let i = 0; i < 20; i++) {
      const q = destination(truth, Math.random() * 2 * Math.PI, 150 + Math.random() * 4000);
      const res = await search(stranger, q);
      const hit = res.body.items.find((t) => t.id === task.id);
      assert.ok(hit, `probe ${i}: the task is found from ${JSON.stringify(q)}`);
      assertNoTrueLocation(res, truth, `probe ${i}`);
      assert.deepEqual(hit.location, snapped, `probe ${i}: always the same snapped point`);
      const expected = haversine(q, snapped);
      assert.ok(Math.abs(hit.distanceMeters - expected) <= 1,
        `probe ${i}: distanceMeters ${hit.distanceMeters} is measured from the snapped point (${expected.toFixed(1)}), not the true one (${haversine(q, truth).toFixed(1)})`);
      if (Math.abs(haversine(q, truth) - expected) > 2) differs++;
    }
    assert.ok(differs > 0, 'at least one probe tells the snapped from the true distance');
  });

  it('the radius filter uses the snapped point, not the true one', async () => {
    const [creator, stranger] = await users(2);
    // Find a task whose snapped point is well away from its true point (nearly all are).
    let truth;
    let snapped;
    let task;
    for (let tries = 0; ; tries++) {
      assert.ok(tries < 10, 'a task snapped at least 40 m away');
      truth = randomPoint();
      task = await createTask(creator, truth);
      snapped = (await getTask(stranger, task.id)).body.location;
      if (haversine(truth, snapped) > 40) break;
    }
    // Probe from beyond the snapped point, on the line true → snapped: the snapped point is
    // nearer than the true one by about their separation.
    const q = destination(snapped, initialBearing(truth, snapped), 2000);
    const dS = haversine(q, snapped);
    const dT = haversine(q, truth);
    assert.ok(dT - dS > 20, `geometry: ${dS} vs ${dT}`);
    const found = (r) => search(stranger, q, r).then((res) => res.body.items.some((t) => t.id === task.id));
    assert.equal(await found(Math.ceil(dS) + 2), true, `radius just beyond the snapped point (${dS.toFixed(1)} m) finds it`);
    assert.equal(await found(Math.floor(dS) - 2), false, `radius just short of the snapped point (${dS.toFixed(1)} m) does not`);
    // And from the other side: the true point is nearer, but only the snapped one counts.
    const q2 = destination(truth, initialBearing(snapped, truth), 2000);
    const dS2 = haversine(q2, snapped);
    const dT2 = haversine(q2, truth);
    assert.ok(dS2 - dT2 > 20, `geometry: ${dS2} vs ${dT2}`);
    assert.equal(await found2(Math.ceil(dT2) + 2), false, `radius covering only the true point (${dT2.toFixed(1)} m) does not find it`);
    assert.equal(await found2(Math.ceil(dS2) + 2), true, `radius covering the snapped point (${dS2.toFixed(1)} m) does`);
    async function found2(r) {
      return (await search(stranger, q2, r)).body.items.some((t) => t.id === task.id);
    }
  });

  it('search sorts by the snapped distance', async () => {
    const [creator, stranger] = await users(2);
    const centre = randomPoint();
    const tasks = [];
    for (let i = 0; i < 8; i++) tasks.push(await createTask(creator, destination(centre, Math.random() * 2 * Math.PI, 200 + Math.random() * 2500)));
    const res = await search(stranger, centre, 5000, { sort: 'distance' });
    const items = res.body.items;
    assert.equal(items.length, 8);
    for (const t of items) assert.ok(Math.abs(t.distanceMeters - haversine(centre, t.location)) <= 1, `distance from the shown point: ${JSON.stringify(t)}`);
    for (let i = 1; i < items.length; i++) assert.ok(items[i].distanceMeters >= items[i - 1].distanceMeters);
  });

  it('locations snap to a grid of ~250 m cells', async () => {
    const [creator, stranger] = await users(2);
    const start = randomPoint();
    const lats = new Set();
    for (let i = 0; i < 25; i++) {
      const t = await createTask(creator, destination(start, 0, 40 * i));
      const shown = (await getTask(stranger, t.id)).body.location;
      assertSnapped(shown, t.location, `task ${i}`);
      lats.add(shown.lat);
    }
    const sorted = [...lats].sort((a, b) => a - b);
    assert.ok(sorted.length >= 4 && sorted.length <= 6, `a 960 m line crosses 4..5 cells: ${sorted}`);
    for (let i = 1; i < sorted.length; i++) {
      const step = haversine({ lat: sorted[i - 1], lng: start.lng }, { lat: sorted[i], lng: start.lng });
      assert.ok(Math.abs(step - 250) <= 5, `neighbouring cells are ~250 m apart: ${step.toFixed(2)} m`);
    }
  });
});
