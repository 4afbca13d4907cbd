// `gooddeeds import tasks` against a running server's database: good and bad lines in both
// shapes (ours and the seed system's columns), the report of refused and skipped lines, the
// exit code, and that search, GET /tasks/{id} and sync pull see exactly the imported tasks;
// a re-import changes nothing, and tasks created afterwards are indexed as before.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startServer, api, expectStatus, registerUser, runBinary, UUID_RE } from './harness.mjs';

const jsonl = (rows) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

describe('gooddeeds import tasks', () => {
  let srv, A, creator, searcher, dir, pulledAt;
  const centre = { lat: 47.3769, lng: 8.5417 };
  const ours = randomUUID();
  const cancelled = randomUUID();

  before(async () => {
    srv = await startServer();
    A = api(srv.base);
    creator = await registerUser(srv.base);
    searcher = await registerUser(srv.base);
    dir = await mkdtemp(path.join(tmpdir(), 'gd-import-'));
    const pull = await A.get('/sync/pull?lastPulledAt=null&schemaVersion=1&migration=null', { token: creator.accessToken });
    expectStatus(pull, 200, 'first pull');
    pulledAt = pull.body.timestamp;
  });
  after(async () => {
    await srv?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const good = () => [
    { id: ours, creatorId: creator.user.id, title: ' Carry boxes ', description: 'Two floors',
      category: 'transport', location: { lat: centre.lat + 0.001, lng: centre.lng }, pointsReward: 30,
      imageUrls: ['https://example.test/a.jpg'] },
    { id: cancelled, creatorId: creator.user.id, title: 'Old request', category: 'other',
      location: centre, pointsReward: 5, status: 'cancelled' },
  ];

  async function importFile(name, rows) {
    const file = path.join(dir, name);
    const report = path.join(dir, `${name}.report`);
    await writeFile(file, jsonl(rows));
    const r = await runBinary(['import', 'tasks', '--database', srv.dbUrl, '--report', report, file]);
    const text = await readFile(report, 'utf8');
    return { ...r, report: text.trim() ? text.trim().split('\n').map((l) => JSON.parse(l)) : [] };
  }

  async function searchIds() {
    const res = await A.get(`/tasks?lat=${centre.lat}&lng=${centre.lng}&radius=5000&limit=100`, { token: searcher.accessToken });
    expectStatus(res, 200, 'search');
    return res.body.items.map((t) => t.id).sort();
  }

  let seedId;
  it('imports the good lines of both shapes and reports every other line', async () => {
    const seedRow = { id: 'seed-17', creator_id: creator.user.id, title: 'Walk the dog', description: null,
      category: 'pets', latitude: centre.lat - 0.002, longitude: centre.lng, points_reward: 12, status: 'open',
      created_at: '2024-01-02 10:00:00', updated_at: '2024-01-03 10:00:00', is_completed: false,
      is_deleted: false, project_id: 'p-1' };
    const r = await importFile('first.jsonl', [
      ...good(),
      seedRow,
      { creatorId: creator.user.id, title: 'Too far north', category: 'pets', location: { lat: 91, lng: 0 }, pointsReward: 5 },
      { creatorId: creator.user.id, category: 'pets', location: centre, pointsReward: 5 },
      { creatorId: randomUUID(), title: 'Nobody', category: 'pets', location: centre, pointsReward: 5 },
      good()[0],
      '{"title": "cut off',
      '',
    ]);
    assert.equal(r.code, 1, `exit code 1 when a line was refused; ${r.stdout} ${r.stderr}`);
    assert.match(r.stdout, /imported 3 task\(s\), skipped 1, refused 4/);
    const byLine = Object.fromEntries(r.report.map((e) => [e.line, e]));
    assert.deepEqual(Object.keys(byLine).map(Number).sort((a, b) => a - b), [3, 4, 5, 6, 7, 8]);
    seedId = byLine[3].id;
    assert.equal(byLine[3].outcome, 'imported');
    assert.equal(byLine[3].sourceId, 'seed-17');
    assert.match(seedId, UUID_RE);
    assert.equal(byLine[4].outcome, 'refused');
    assert.equal(byLine[4].code, 'VALIDATION_FAILED');
    assert.deepEqual(byLine[4].errors.map((e) => e.field), ['location']);
    assert.deepEqual(byLine[5].errors.map((e) => e.field), ['title']);
    assert.equal(byLine[6].code, 'USER_NOT_FOUND');
    assert.equal(byLine[7].outcome, 'skipped');
    assert.equal(byLine[7].code, 'CONFLICT');
    assert.equal(byLine[7].id, ours);
    assert.equal(byLine[8].code, 'MALFORMED_JSON');
  });

  it('search finds exactly the imported open tasks, as the API would show them', async () => {
    assert.deepEqual(await searchIds(), [ours, seedId].sort());
    const own = await A.get(`/tasks/${ours}`, { token: creator.accessToken });
    expectStatus(own, 200);
    assert.equal(own.body.title, 'Carry boxes');
    assert.equal(own.body.status, 'open');
    assert.equal(own.body.creatorId, creator.user.id);
    assert.deepEqual(own.body.location, { lat: centre.lat + 0.001, lng: centre.lng });
    assert.deepEqual(own.body.imageUrls, ['https://example.test/a.jpg']);
    const seed = await A.get(`/tasks/${seedId}`, { token: creator.accessToken });
    assert.equal(seed.body.createdAt, '2024-01-02T10:00:00.000Z');
    assert.equal(seed.body.updatedAt, '2024-01-03T10:00:00.000Z');
    assert.equal(seed.body.pointsReward, 12);
    assert.equal(seed.body.description, '');
    assert.equal(seed.body.projectId, null);
    expectStatus(await A.get(`/tasks/${cancelled}`, { token: searcher.accessToken }), 404, 'a cancelled task is not for others');
    const gone = await A.get(`/tasks/${cancelled}`, { token: creator.accessToken });
    assert.equal(gone.body.status, 'cancelled');
  });

  it('sync pull brings the creator exactly the imported tasks', async () => {
    const res = await A.get(`/sync/pull?lastPulledAt=${pulledAt}&schemaVersion=1&migration=null`, { token: creator.accessToken });
    expectStatus(res, 200);
    const t = res.body.changes.tasks;
    assert.deepEqual([...t.created, ...t.updated].map((r) => r.id).sort(), [ours, cancelled, seedId].sort());
    pulledAt = res.body.timestamp;
    const other = await A.get('/sync/pull?lastPulledAt=null&schemaVersion=1&migration=null', { token: searcher.accessToken });
    assert.deepEqual(other.body.changes.tasks.created, [], 'nobody else pulls them');
  });

  it('a re-import skips what is there, exits 0 and changes nothing', async () => {
    const r = await importFile('again.jsonl', good());
    assert.equal(r.code, 0, `${r.stdout} ${r.stderr}`);
    assert.match(r.stdout, /imported 0 task\(s\), skipped 2, refused 0/);
    assert.deepEqual(r.report.map((e) => [e.line, e.outcome, e.id]), [[1, 'skipped', ours], [2, 'skipped', cancelled]]);
    assert.deepEqual(await searchIds(), [ours, seedId].sort());
    const res = await A.get(`/sync/pull?lastPulledAt=${pulledAt}&schemaVersion=1&migration=null`, { token: creator.accessToken });
    const t = res.body.changes.tasks;
    assert.deepEqual([...t.created, ...t.updated], [], 'no change to pull');
  });

  it('tasks created and edited through the API afterwards are indexed as before', async () => {
    const created = await A.post('/tasks', { token: creator.accessToken, body: {
      title: 'After the import', category: 'garden', location: centre, pointsReward: 3 } });
    expectStatus(created, 201);
    const moved = await A.patch(`/tasks/${ours}`, { token: creator.accessToken, body: { location: { lat: 0, lng: 0 } } });
    expectStatus(moved, 200);
    assert.deepEqual(await searchIds(), [created.body.id, seedId].sort());
  });

  it('a line over 1 MiB is refused, as the API refuses such a body', async () => {
    const r = await importFile('long.jsonl', [{ creatorId: creator.user.id, title: 'x'.repeat(1100000),
      category: 'pets', location: centre, pointsReward: 1 }]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.report.map((e) => [e.line, e.outcome, e.code]), [[1, 'refused', 'PAYLOAD_TOO_LARGE']]);
  });

  it('usage errors exit 2', async () => {
    assert.equal((await runBinary(['import', 'tasks', '--database', srv.dbUrl])).code, 2);
    assert.equal((await runBinary(['import', 'tasks', '--database', srv.dbUrl, path.join(dir, 'missing.jsonl')])).code, 2);
    assert.equal((await runBinary(['import', 'projects'])).code, 2);
    const help = await runBinary(['import', 'tasks', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--report/);
  });
});
