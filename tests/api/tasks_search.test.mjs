// Geo search GET /tasks (API.md "Help tasks", docs/tasks.md "Search"): only open tasks
// within the radius, distanceMeters, sort orders, category filter, defaults, validation and
// keyset pagination with query-bound cursors. Every test uses its own random centre so
// concurrent tests never see each other's tasks. Searches are made by a user who did not
// create the tasks, so locations and distances are those of the privacy grid (≤ ~180 m off).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, api, registerUser, assertProblem, assertFieldError, expectStatus, ISO_MS_Z_RE,
} from './harness.mjs';

let srv;
let A;
let searcher;
let creator;

before(async () => {
  srv = await startServer();
  A = api(srv.base);
  [searcher, creator] = await Promise.all([registerUser(srv.base), registerUser(srv.base)]);
});

after(async () => {
  await srv?.stop();
});

const R = 6371008.8;
const rad = (d) => (d * Math.PI) / 180;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// How far a snapped location may be from the true one (half the diagonal of a 250 m cell).
const SNAP = 180;

function haversine(a, b) {
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

function offset(c, north, east = 0) {
  const lat = c.lat + (north / R) * (180 / Math.PI);
  const lng = c.lng + (east / (R * Math.cos(rad(lat)))) * (180 / Math.PI);
  return { lat, lng };
}

function randomCentre() {
  return { lat: Math.random() * 120 - 60, lng: Math.random() * 340 - 170 };
}

async function createTask(location, over = {}, user = creator) {
  const res = await A.post('/tasks', {
    token: user.accessToken,
    body: { title: 'Help wanted', category: 'other', pointsReward: 10, location, ...over },
  });
  expectStatus(res, 201, 'POST /tasks');
  return res.body;
}

function qs(params) {
  return new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])).toString();
}

async function search(params, user = searcher) {
  const res = await A.get(`/tasks?${qs(params)}`, { token: user.accessToken });
  expectStatus(res, 200, `GET /tasks?${qs(params)}`);
  assert.ok(Array.isArray(res.body.items), res.text);
  assert.ok('nextCursor' in res.body, `nextCursor present: ${res.text}`);
  for (const t of res.body.items) {
    assert.equal(t.status, 'open', 'only open tasks');
    assert.equal(typeof t.distanceMeters, 'number', `distanceMeters: ${JSON.stringify(t)}`);
    assert.ok(t.distanceMeters >= 0);
    if (params.radius !== undefined) assert.ok(t.distanceMeters <= Number(params.radius) + 0.1, `within radius: ${t.distanceMeters}`);
  }
  return res.body;
}

async function searchAll(params, user = searcher) {
  const items = [];
  let cursor;
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 100, 'pagination terminates');
    const page = await search({ ...params, cursor }, user);
    items.push(...page.items);
    if (!page.nextCursor) return { items, pages: pages + 1 };
    cursor = page.nextCursor;
  }
}

const ids = (items) => items.map((t) => t.id);

function assertAscendingDistance(items) {
  for (let i = 1; i < items.length; i++) {
    assert.ok(items[i].distanceMeters >= items[i - 1].distanceMeters,
      `distance ascending at ${i}: ${items.map((t) => t.distanceMeters)}`);
  }
}

function assertNewestFirst(items) {
  for (let i = 1; i < items.length; i++) {
    assert.ok(Date.parse(items[i].createdAt) <= Date.parse(items[i - 1].createdAt),
      `createdAt descending at ${i}: ${items.map((t) => t.createdAt)}`);
  }
}

describe('GET /tasks: results', { concurrency: true }, () => {
  it('only open tasks within the radius, nearest first, each with distanceMeters', async () => {
    const c = randomCentre();
    const helper = await registerUser(srv.base);
    const t05 = await createTask(offset(c, 500), { title: '0.5 km' });
    const t3 = await createTask(offset(c, 3000), { title: '3 km' });
    const t8 = await createTask(offset(c, 8000), { title: '8 km' });
    const tc = await createTask(offset(c, 1000), { title: 'cancelled' });
    expectStatus(await A.post(`/tasks/${tc.id}/cancel`, { token: creator.accessToken }), 200, 'cancel');
    const ta = await createTask(offset(c, 1500), { title: 'assigned' });
    const app = await A.post(`/tasks/${ta.id}/applications`, { token: helper.accessToken, body: {} });
    expectStatus(app, 201, 'apply');
    expectStatus(await A.post(`/tasks/${ta.id}/applications/${app.body.id}/accept`, { token: creator.accessToken }), 200, 'accept');

    const page = await search({ lat: c.lat, lng: c.lng, radius: 5000 });
    assert.deepEqual(ids(page.items), [t05.id, t3.id], `radius 5000: ${page.items.map((t) => t.title)}`);
    assert.equal(page.nextCursor, null);
    assert.ok(Math.abs(page.items[0].distanceMeters - 500) <= SNAP, `~500 m: ${page.items[0].distanceMeters}`);
    assert.ok(Math.abs(page.items[1].distanceMeters - 3000) <= SNAP, `~3000 m: ${page.items[1].distanceMeters}`);
    for (const t of page.items) {
      // distanceMeters is rounded to 0.1 m.
      assert.ok(Math.abs(t.distanceMeters * 10 - Math.round(t.distanceMeters * 10)) < 1e-6, `0.1 m: ${t.distanceMeters}`);
      assert.match(t.createdAt, ISO_MS_Z_RE);
      assert.equal(t.creatorId, creator.user.id);
      assert.equal(t.helperId, null);
    }
    assert.deepEqual(ids((await search({ lat: c.lat, lng: c.lng, radius: 10000 })).items), [t05.id, t3.id, t8.id], 'radius 10000');
    assert.deepEqual(ids((await search({ lat: c.lat, lng: c.lng, radius: 1000 })).items), [t05.id], 'radius 1000');
    assert.deepEqual(ids((await search({ lat: c.lat, lng: c.lng, radius: 50000 })).items), [t05.id, t3.id, t8.id], 'radius 50000');
  });

  it('works east–west and south as well as north', async () => {
    const c = randomCentre();
    const e = await createTask(offset(c, 0, 2000));
    const w = await createTask(offset(c, 0, -4000));
    const s = await createTask(offset(c, -1000));
    const far = await createTask(offset(c, 0, -6000));
    assert.deepEqual(ids((await search({ lat: c.lat, lng: c.lng, radius: 5000 })).items), [s.id, e.id, w.id]);
    assert.ok(!ids((await search({ lat: c.lat, lng: c.lng })).items).includes(far.id));
  });

  it('sort=distance is ascending, sort=newest is createdAt descending', async () => {
    const c = randomCentre();
    const dists = [2500, 400, 3900, 1200, 3100, 1900];
    const created = [];
    for (const [i, d] of dists.entries()) {
      created.push(await createTask(offset(c, d * Math.cos(i), d * Math.sin(i)), { title: `d${d}` }));
      await sleep(3);
    }
    const byDistance = await search({ lat: c.lat, lng: c.lng, sort: 'distance' });
    assert.equal(byDistance.items.length, dists.length);
    assertAscendingDistance(byDistance.items);
    const expected = [...created].sort((a, b) => haversine(c, a.location) - haversine(c, b.location));
    assert.deepEqual(ids(byDistance.items), ids(expected), 'nearest first (the distances are far apart)');
    const byDefault = await search({ lat: c.lat, lng: c.lng });
    assert.deepEqual(ids(byDefault.items), ids(byDistance.items), 'distance is the default sort');

    const newest = await search({ lat: c.lat, lng: c.lng, sort: 'newest' });
    assert.deepEqual(ids(newest.items), ids([...created].reverse()), 'newest first');
    assertNewestFirst(newest.items);
    for (const t of newest.items) assert.equal(typeof t.distanceMeters, 'number');
  });

  it('filters by category', async () => {
    const c = randomCentre();
    const shop = await createTask(offset(c, 300), { category: 'shopping' });
    const garden1 = await createTask(offset(c, 600), { category: 'garden' });
    const pets = await createTask(offset(c, 900), { category: 'pets' });
    const garden2 = await createTask(offset(c, 1200), { category: 'garden' });
    assert.deepEqual(ids((await search({ lat: c.lat, lng: c.lng, category: 'garden' })).items), [garden1.id, garden2.id]);
    assert.deepEqual(ids((await search({ lat: c.lat, lng: c.lng, category: 'pets' })).items), [pets.id]);
    assert.deepEqual(ids((await search({ lat: c.lat, lng: c.lng, category: 'tech_help' })).items), []);
    assert.deepEqual(new Set(ids((await search({ lat: c.lat, lng: c.lng })).items)), new Set([shop.id, garden1.id, pets.id, garden2.id]));
  });

  it('default radius is 5000 m', async () => {
    const c = randomCentre();
    const inside = await createTask(offset(c, 4600));
    const outside = await createTask(offset(c, 5500));
    const page = await search({ lat: c.lat, lng: c.lng });
    assert.deepEqual(ids(page.items), [inside.id], `no radius: ${JSON.stringify(page.items.map((t) => t.distanceMeters))}`);
    assert.ok(ids((await search({ lat: c.lat, lng: c.lng, radius: 6000 })).items).includes(outside.id));
  });

  it('default limit is 20', async () => {
    const c = randomCentre();
    const created = await Promise.all(Array.from({ length: 21 }, (_, i) => createTask(offset(c, 50 * i, 30 * i))));
    const first = await search({ lat: c.lat, lng: c.lng });
    assert.equal(first.items.length, 20);
    assert.equal(typeof first.nextCursor, 'string');
    const second = await search({ lat: c.lat, lng: c.lng, cursor: first.nextCursor });
    assert.equal(second.items.length, 1);
    assert.equal(second.nextCursor, null);
    assert.deepEqual(new Set([...ids(first.items), ...ids(second.items)]), new Set(ids(created)));
    const all = await search({ lat: c.lat, lng: c.lng, limit: 100 });
    assert.equal(all.items.length, 21);
    assert.equal(all.nextCursor, null);
  });

  it('an empty area gives an empty page', async () => {
    const c = randomCentre();
    const page = await search({ lat: c.lat, lng: c.lng, radius: 1 });
    assert.deepEqual(page, { items: [], nextCursor: null });
  });

  it('requires a bearer token', async () => {
    assertProblem(await A.get('/tasks?lat=10&lng=10'), 401, 'UNAUTHENTICATED');
  });
});

describe('GET /tasks: validation', { concurrency: true }, () => {
  const cases = [
    ['missing lat', { lng: 10 }, 'lat'],
    ['missing lng', { lat: 10 }, 'lng'],
    ['lat 91', { lat: 91, lng: 10 }, 'lat'],
    ['lat -91', { lat: -91, lng: 10 }, 'lat'],
    ['lng 181', { lat: 10, lng: 181 }, 'lng'],
    ['lat not a number', { lat: 'north', lng: 10 }, 'lat'],
    ['radius 0', { lat: 10, lng: 10, radius: 0 }, 'radius'],
    ['radius -5', { lat: 10, lng: 10, radius: -5 }, 'radius'],
    ['radius 50001', { lat: 10, lng: 10, radius: 50001 }, 'radius'],
    ['radius not a number', { lat: 10, lng: 10, radius: 'far' }, 'radius'],
    ['sort=foo', { lat: 10, lng: 10, sort: 'foo' }, 'sort'],
    ['limit 0', { lat: 10, lng: 10, limit: 0 }, 'limit'],
    ['limit 101', { lat: 10, lng: 10, limit: 101 }, 'limit'],
    ['limit 2.5', { lat: 10, lng: 10, limit: 2.5 }, 'limit'],
    ['an unknown category', { lat: 10, lng: 10, category: 'babysitting' }, 'category'],
  ];
  for (const [name, params, field] of cases) {
    it(`${name} → 400 naming ${field}`, async () => {
      assertFieldError(await A.get(`/tasks?${qs(params)}`, { token: searcher.accessToken }), field, 'VALIDATION_FAILED', name);
    });
  }

  it('a garbage cursor → 400 INVALID_CURSOR naming cursor', async () => {
    const res = await A.get(`/tasks?${qs({ lat: 10, lng: 10, cursor: 'definitely-not-a-cursor' })}`, { token: searcher.accessToken });
    assertFieldError(res, 'cursor', 'INVALID_CURSOR');
  });

  it('accepts the extremes: radius 1 and 50000, limit 1 and 100, lat ±90, lng ±180', async () => {
    for (const p of [
      { lat: 0, lng: 0, radius: 1 }, { lat: 0, lng: 0, radius: 50000 }, { lat: 0, lng: 0, limit: 1 },
      { lat: 0, lng: 0, limit: 100 }, { lat: 90, lng: 180 }, { lat: -90, lng: -180 },
    ]) {
      await search(p);
    }
  });
});

describe('GET /tasks: pagination', { concurrency: true }, () => {
  // Nine tasks: six at distinct distances and three at one spot (equal distances, so the
  // page boundaries fall inside a tie and the id tie-break matters).
  async function nineTasks(c) {
    const out = [];
    for (const [i, d] of [300, 900, 1500, 2100, 2700, 3300].entries()) {
      out.push(await createTask(offset(c, d * Math.cos(2 * i), d * Math.sin(2 * i))));
    }
    const spot = offset(c, -1800, 700);
    for (let i = 0; i < 3; i++) out.push(await createTask(spot));
    return out;
  }

  for (const sort of ['distance', 'newest']) {
    it(`sort=${sort}, limit 2 walks all pages without duplicates or gaps`, async () => {
      const c = randomCentre();
      const created = await nineTasks(c);
      const { items, pages } = await searchAll({ lat: c.lat, lng: c.lng, sort, limit: 2 });
      assert.equal(pages, 5, 'nine items in pages of two');
      assert.equal(new Set(ids(items)).size, items.length, `no duplicates: ${ids(items)}`);
      assert.deepEqual(new Set(ids(items)), new Set(ids(created)), 'no gaps');
      if (sort === 'distance') assertAscendingDistance(items);
      else assertNewestFirst(items);
      const one = await search({ lat: c.lat, lng: c.lng, sort, limit: 100 });
      assert.deepEqual(ids(items), ids(one.items), 'the pages concatenate to the single-page answer');
    });

    it(`sort=${sort}: a task created between page 1 and page 2 neither duplicates nor hides an item`, async () => {
      const c = randomCentre();
      const created = await nineTasks(c);
      const params = { lat: c.lat, lng: c.lng, sort, limit: 2 };
      const first = await search(params);
      assert.equal(first.items.length, 2);
      // New tasks nearer than, at and beyond the page boundary.
      const added = [
        await createTask(offset(c, 100)),
        await createTask(offset(c, 1600, 100)),
        await createTask(offset(c, -1800, 700)),
      ];
      const items = [...first.items];
      let cursor = first.nextCursor;
      while (cursor) {
        const page = await search({ ...params, cursor });
        items.push(...page.items);
        cursor = page.nextCursor;
        assert.ok(items.length < 100);
      }
      const seen = ids(items);
      assert.equal(new Set(seen).size, seen.length, `no duplicates: ${seen}`);
      for (const t of created) assert.ok(seen.includes(t.id), `original task ${t.id} still listed`);
      for (const id of seen) assert.ok(created.some((t) => t.id === id) || added.some((t) => t.id === id));
      if (sort === 'distance') assertAscendingDistance(items);
      else {
        assertNewestFirst(items.slice(2));
        for (const t of added) assert.ok(!seen.includes(t.id), 'newer tasks do not appear after page 1 of a newest-first walk');
      }
    });
  }

  it('a cursor reused with another lat, lng, radius, category or sort → 400 INVALID_CURSOR', async () => {
    const c = randomCentre();
    for (let i = 0; i < 3; i++) await createTask(offset(c, 300 * (i + 1)), { category: 'garden' });
    const params = { lat: c.lat, lng: c.lng, radius: 5000, category: 'garden', sort: 'distance', limit: 1 };
    const first = await search(params);
    assert.ok(first.nextCursor, 'a next page');
    const cursor = first.nextCursor;
    for (const change of [
      { lat: c.lat + 0.001 }, { lng: c.lng + 0.001 }, { radius: 4000 }, { category: 'pets' },
      { category: undefined }, { sort: 'newest' },
    ]) {
      const res = await A.get(`/tasks?${qs({ ...params, ...change, cursor })}`, { token: searcher.accessToken });
      assertFieldError(res, 'cursor', 'INVALID_CURSOR', `cursor with ${JSON.stringify(change)}`);
    }
    // The unchanged query still works with it.
    const second = await search({ ...params, cursor });
    assert.equal(second.items.length, 1);
    assert.notEqual(second.items[0].id, first.items[0].id);
  });
});
