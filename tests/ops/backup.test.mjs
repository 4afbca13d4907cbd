// `gooddeeds backup` and `gooddeeds restore` (docs/operations.md "Backups and restore"): a
// backup taken while the server takes registrations, tasks and point-earning confirms,
// restored into a fresh data directory (SQLite) or a second database (PostgreSQL), holds
// everything committed before the backup started, passes verify-ledger, is consistent
// across tables, and serves a server started on it. Then the refusals: a database that is
// not empty, a file that is not a Good Deeds backup, one from a newer version, a missing
// pg_dump, and the password that must never reach a command line.
//
// Run by tests/ops/run.sh once per back end (GOODDEEDS_TEST_BACKEND, GOODDEEDS_TEST_PG_URL).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile, copyFile, access, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  BACKEND, startServer, runBinary, api, registerUser, expectStatus, loginOk, assertLedgerOk,
  createPgDatabase, dropPgDatabase,
} from '../api/harness.mjs';

const execFileP = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const WORKERS = 4;

// One SQL query on a database URL (sqlite3 or psql); the rows, each a list of text cells.
async function query(dbUrl, sql) {
  const { stdout } = dbUrl.startsWith('sqlite:')
    ? await execFileP('sqlite3', ['-cmd', '.timeout 10000', '-separator', '\t',
      dbUrl.slice('sqlite:'.length), sql], { timeout: 30_000, maxBuffer: 64 << 20 })
    : await execFileP('psql', [dbUrl, '-v', 'ON_ERROR_STOP=1', '-XAtq', '-F', '\t', '-c', sql],
      { timeout: 30_000, maxBuffer: 64 << 20 });
  return stdout.split('\n').filter((l) => l.length).map((l) => l.split('\t'));
}
const scalar = async (dbUrl, sql) => Number((await query(dbUrl, sql))[0][0]);

// What a database holds, in the numbers the checks compare.
async function counts(dbUrl) {
  return {
    users: await scalar(dbUrl, 'SELECT count(*) FROM users'),
    tasks: await scalar(dbUrl, 'SELECT count(*) FROM tasks'),
    completed: await scalar(dbUrl, "SELECT count(*) FROM tasks WHERE status = 'completed'"),
    rewards: await scalar(dbUrl, "SELECT count(*) FROM point_transactions WHERE type = 'task_reward'"),
    ledgerRows: await scalar(dbUrl, 'SELECT count(*) FROM point_transactions'),
    ledgerSum: await scalar(dbUrl, 'SELECT coalesce(sum(amount), 0) FROM point_transactions'),
    balanceSum: await scalar(dbUrl, 'SELECT coalesce(sum(points_balance), 0) FROM users'),
    orphanRows: await scalar(dbUrl,
      'SELECT count(*) FROM point_transactions p LEFT JOIN users u ON u.id = p.user_id WHERE u.id IS NULL'),
  };
}

// A worker of the write load: pairs of new users, one task each that goes all the way to a
// confirmed reward. Everything is recorded when its response has arrived, i.e. committed.
function startLoad(srv) {
  const A = api(srv.base);
  const done = { users: [], tasks: [], confirms: [], latencies: [] };
  let stop = false;
  async function timed(what, p) {
    const t0 = performance.now();
    const res = await p;
    done.latencies.push({ start: t0, end: performance.now(), what });
    return res;
  }
  async function worker(w) {
    for (let i = 0; !stop; i++) {
      const creator = await timed('register', registerUser(srv.base));
      const helper = await timed('register', registerUser(srv.base));
      done.users.push(creator, helper);
      const reward = 10 + ((w * 7 + i) % 40);
      let res = await timed('create', A.post('/tasks', {
        token: creator.accessToken,
        body: { title: `Backup load ${w}.${i}`, description: 'Carry boxes', category: 'other',
          location: { lat: 52.52, lng: 13.405 }, pointsReward: reward },
      }));
      expectStatus(res, 201, 'POST /tasks');
      const task = res.body;
      done.tasks.push(task.id);
      res = await timed('apply', A.post(`/tasks/${task.id}/applications`, {
        token: helper.accessToken, body: { message: 'On my way' } }));
      expectStatus(res, 201, 'apply');
      res = await timed('accept', A.post(`/tasks/${task.id}/applications/${res.body.id}/accept`,
        { token: creator.accessToken }));
      expectStatus(res, 200, 'accept');
      for (const [who, action] of [[helper, 'start'], [helper, 'complete'], [creator, 'confirm']]) {
        res = await timed(action, A.post(`/tasks/${task.id}/${action}`, { token: who.accessToken }));
        expectStatus(res, 200, action);
      }
      done.confirms.push({ taskId: task.id, helper, reward });
    }
  }
  const running = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  return {
    done,
    async stop() {
      stop = true;
      await running;
    },
  };
}

// Where a restore goes: a fresh SQLite file in a new data directory, or a new PG database.
async function freshTarget() {
  if (BACKEND === 'postgres') {
    const pg = await createPgDatabase();
    return { url: pg.url, drop: () => dropPgDatabase(pg) };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gooddeeds-restore-'));
  return { url: `sqlite:${dir}/gooddeeds.db`, dir, drop: () => rm(dir, { recursive: true, force: true }) };
}

let srv;
let work;
const cleanups = [];

before(async () => {
  srv = await startServer();
  work = await mkdtemp(path.join(os.tmpdir(), 'gooddeeds-backup-'));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
});

after(async () => {
  await srv?.stop();
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe(`backup and restore under write load (${BACKEND})`, () => {
  let restored;   // the target the backup was restored into
  let before;     // what had committed when the backup started
  let final;      // the source's counts after the load ended

  it('a backup taken while the server writes restores, and holds all that committed before it', async (t) => {
    const load = startLoad(srv);
    try {
      while (load.done.confirms.length < 3 * WORKERS) await sleep(50);
      before = {
        users: [...load.done.users],
        tasks: [...load.done.tasks],
        confirms: [...load.done.confirms],
      };
      const file = path.join(work, 'gooddeeds.backup');
      const t0 = performance.now();
      const r = await runBinary(['backup', '--database', srv.dbUrl, '--out', file]);
      const t1 = performance.now();
      assert.equal(r.code, 0, `backup exit code; stderr:\n${r.stderr}`);
      assert.match(r.stdout, /written to/);
      assert.equal((await stat(file)).mode & 0o777, 0o600, 'the backup is readable by its owner alone');
      assert.deepEqual((await readdir(work)).filter((f) => f.includes('.tmp-')), [], 'no temporary file is left');
      // Some more load after the backup, so that the source moves past it.
      const confirmsAtEnd = load.done.confirms.length;
      while (load.done.confirms.length < confirmsAtEnd + WORKERS) await sleep(50);
      await load.stop();
      const during = load.done.latencies.filter((l) => l.end > t0 && l.start < t1);
      const outside = load.done.latencies.filter((l) => l.end <= t0);
      const max = (xs) => Math.round(Math.max(0, ...xs.map((l) => l.end - l.start)));
      t.diagnostic(`backup took ${Math.round(t1 - t0)} ms; ${during.length} requests overlapped it, ` +
        `slowest ${max(during)} ms (before it: ${outside.length} requests, slowest ${max(outside)} ms); ` +
        `${before.confirms.length} confirms before it, ${load.done.confirms.length} at the end`);
      assert.ok(during.length > 0, 'the server kept answering while the backup ran');

      restored = await freshTarget();
      cleanups.push(restored.drop);
      const rr = await runBinary(['restore', '--database', restored.url, '--in', file]);
      assert.equal(rr.code, 0, `restore exit code; stderr:\n${rr.stderr}`);
      assert.match(rr.stdout, /restored .* \(schema version \d+/);
    } finally {
      await load.stop();
    }
    final = await counts(srv.dbUrl);
  });

  it('the restored database passes verify-ledger and is consistent across tables', async () => {
    assert.ok(restored, 'restored by the test above');
    await assertLedgerOk({ dbUrl: restored.url }, 'restored database');
    const c = await counts(restored.url);
    assert.equal(c.orphanRows, 0, 'every ledger row belongs to a user that exists');
    assert.equal(c.balanceSum, c.ledgerSum, 'the balances add up to the ledger');
    assert.equal(c.rewards, c.completed, 'a reward row for every completed task and no other');
    for (const k of ['users', 'tasks', 'completed', 'ledgerRows']) {
      assert.ok(c[k] <= final[k], `${k}: the backup (${c[k]}) holds no more than the source (${final[k]})`);
    }
    assert.ok(c.users < final.users, 'the load went on past the backup (the check above can fail)');
    assert.ok(c.users >= before.users.length, `users: ${c.users} >= ${before.users.length} committed before`);
    assert.ok(c.completed >= before.confirms.length,
      `completed tasks: ${c.completed} >= ${before.confirms.length} confirmed before`);

    const ids = new Set((await query(restored.url, 'SELECT id FROM users')).map((r) => r[0]));
    const missingUsers = before.users.filter((u) => !ids.has(u.user.id));
    assert.deepEqual(missingUsers.map((u) => u.user.id), [], 'every user registered before the backup is in it');
    const taskIds = new Set((await query(restored.url, 'SELECT id FROM tasks')).map((r) => r[0]));
    assert.deepEqual(before.tasks.filter((id) => !taskIds.has(id)), [], 'every task created before the backup is in it');
    const balances = new Map((await query(restored.url, 'SELECT id, points_balance FROM users'))
      .map(([id, b]) => [id, Number(b)]));
    for (const c2 of before.confirms) {
      assert.equal(balances.get(c2.helper.user.id), c2.reward, `helper of task ${c2.taskId} keeps the reward`);
    }
  });

  it('a server started on the restored database serves the accounts and balances', async () => {
    assert.ok(restored, 'restored by the test above');
    const copy = await startServer({ databaseUrl: restored.url });
    try {
      const A = api(copy.base);
      for (const c of before.confirms.slice(0, 5)) {
        const s = await loginOk(copy.base, c.helper.email, c.helper.password);
        const res = await A.get('/users/me/points', { token: s.accessToken });
        expectStatus(res, 200, 'GET /users/me/points on the restored server');
        assert.equal(res.body.balance, c.reward);
        const task = await A.get(`/tasks/${c.taskId}`, { token: s.accessToken });
        expectStatus(task, 200, 'GET /tasks/{id} on the restored server');
        assert.equal(task.body.status, 'completed');
      }
      // It takes writes too.
      const u = await registerUser(copy.base);
      expectStatus(await A.get('/users/me', { token: u.accessToken }), 200, 'new account');
    } finally {
      await copy.stop();
    }
    await assertLedgerOk({ dbUrl: restored.url }, 'restored database after the server ran on it');
    await assertLedgerOk(srv, 'source database');
  });

  it('refuses to restore into a database that is not empty', async () => {
    assert.ok(restored, 'restored by the test above');
    const file = path.join(work, 'again.backup');
    expectOk(await runBinary(['backup', '--database', srv.dbUrl, '--out', file]), 'backup');
    const r = await runBinary(['restore', '--database', restored.url, '--in', file]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /is not empty/);
    if (BACKEND === 'sqlite') {
      // --force replaces it, whole: it then holds the source as of the second backup.
      const users = await scalar(srv.dbUrl, 'SELECT count(*) FROM users');
      expectOk(await runBinary(['restore', '--database', restored.url, '--in', file, '--force']), 'restore --force');
      assert.equal(await scalar(restored.url, 'SELECT count(*) FROM users'), users);
      await assertLedgerOk({ dbUrl: restored.url }, 'after restore --force');
    } else {
      const f = await runBinary(['restore', '--database', restored.url, '--in', file, '--force']);
      assert.equal(f.code, 1, f.stderr);
      assert.match(f.stderr, /--force applies to SQLite/);
    }
  });
});

function expectOk(r, what) {
  assert.equal(r.code, 0, `${what}: exit code ${r.code}; stderr:\n${r.stderr}`);
  return r;
}

describe('the command line of backup and restore', () => {
  it('--help, the usage text, and usage errors exit 2', async () => {
    for (const cmd of ['backup', 'restore']) {
      const h = await runBinary([cmd, '--help']);
      assert.equal(h.code, 0, h.stderr);
      assert.match(h.stdout, new RegExp(`gooddeeds ${cmd} --database URL`));
    }
    assert.match((await runBinary(['--help'])).stdout, /^ {2}backup .*\n {2}restore /m);
    const noOut = await runBinary(['backup', '--database', srv.dbUrl]);
    assert.equal(noOut.code, 2, noOut.stderr);
    assert.match(noOut.stderr, /'--out' is required/);
    const noDb = await runBinary(['restore', '--in', 'x'], { GOODDEEDS_DATABASE: '' });
    assert.equal(noDb.code, 2, noDb.stderr);
    assert.match(noDb.stderr, /'database' is required/);
    const unknown = await runBinary(['backup', '--database', srv.dbUrl, '--out', 'x', '--fast']);
    assert.equal(unknown.code, 2, unknown.stderr);
    const badUrl = await runBinary(['backup', '--database', 'mysql://x', '--out', 'x']);
    assert.equal(badUrl.code, 2, badUrl.stderr);
    assert.match(badUrl.stderr, /must start with sqlite: or postgres:\/\//);
    // GOODDEEDS_DATABASE stands in for --database, as for the other commands.
    const file = path.join(work, 'from-env.backup');
    expectOk(await runBinary(['backup', '--out', file], { GOODDEEDS_DATABASE: srv.dbUrl }), 'backup from GOODDEEDS_DATABASE');
    const unwritable = await runBinary(['backup', '--database', srv.dbUrl, '--out', path.join(work, 'no-such-dir', 'x')]);
    assert.equal(unwritable.code, 1, unwritable.stderr);
    assert.match(unwritable.stderr, /^gooddeeds backup: no directory .*no-such-dir for /);
    assert.deepEqual((await readdir(work)).filter((f) => f.includes('.tmp-')), [], 'no temporary file is left');
    if (BACKEND === 'sqlite') {
      // A backup over the live database, or a restore of a database into itself.
      const self = srv.dbUrl.slice('sqlite:'.length);
      const over = await runBinary(['backup', '--database', srv.dbUrl, '--out', self]);
      assert.equal(over.code, 1, over.stderr);
      assert.match(over.stderr, /--out names the database itself/);
      const into = await runBinary(['restore', '--database', srv.dbUrl, '--in', self, '--force']);
      assert.equal(into.code, 1, into.stderr);
      assert.match(into.stderr, /--in names the database itself/);
      await assertLedgerOk(srv, 'the database after both were refused');
    }
  });
});

describe(`restore refuses what is not a Good Deeds backup (${BACKEND})`, () => {
  async function target() {
    const t = await freshTarget();
    cleanups.push(t.drop);
    return t;
  }
  async function refused(file, pattern) {
    const t = await target();
    const r = await runBinary(['restore', '--database', t.url, '--in', file]);
    assert.equal(r.code, 1, `exit code; stderr:\n${r.stderr}`);
    assert.match(r.stderr, pattern);
    if (t.dir) await assert.rejects(access(t.url.slice('sqlite:'.length)), 'no database was created');
  }

  it('a text file, a missing file, and the other back end\'s format', async () => {
    const text = path.join(work, 'notes.txt');
    await writeFile(text, 'not a database\n');
    await refused(text, BACKEND === 'sqlite' ? /is not a SQLite database/ : /is not a pg_dump custom-format archive/);
    await refused(path.join(work, 'nothing-here'), /no backup file at/);
    const other = path.join(work, BACKEND === 'sqlite' ? 'fake.dump' : 'other.db');
    if (BACKEND === 'sqlite') {
      await writeFile(other, 'PGDMP\x01\x0e\x00');
      await refused(other, /is a pg_dump archive: restore it into a postgres:\/\/ URL/);
    } else {
      execFileSync('sqlite3', [other, 'CREATE TABLE t (x)']);
      await refused(other, /is a SQLite database: restore it into a sqlite: URL/);
    }
  });

  it('a database without schema_migrations, a damaged one, and one from a newer version', { skip: BACKEND !== 'sqlite' }, async () => {
    const plain = path.join(work, 'plain.db');
    execFileSync('sqlite3', [plain, 'CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES (1)']);
    await refused(plain, /no schema_migrations table: not a Good Deeds database/);

    const good = path.join(work, 'good.backup');
    expectOk(await runBinary(['backup', '--database', srv.dbUrl, '--out', good]), 'backup');
    const newer = path.join(work, 'newer.backup');
    await copyFile(good, newer);
    execFileSync('sqlite3', [newer, "INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 0)"]);
    await refused(newer, /made by a newer gooddeeds \(schema version 9999/);

    // Damage a page in the middle: integrity_check finds it.
    const damaged = path.join(work, 'damaged.backup');
    const bytes = await readFile(good);
    const page = 4096;
    const pages = bytes.length / page;
    assert.ok(pages > 10, `the backup has pages to damage (${pages})`);
    for (let p = 2; p < pages; p += 3) bytes.fill(0xa5, p * page + 100, p * page + 600);
    await writeFile(damaged, bytes);
    await refused(damaged, /integrity check|malformed/);
  });

  it('a PostgreSQL database that is not Good Deeds\'s is not backed up', { skip: BACKEND !== 'postgres' }, async () => {
    const t = await target();
    execFileSync('psql', [t.url, '-qc', 'CREATE TABLE notes (x text)']);
    const r = await runBinary(['backup', '--database', t.url, '--out', path.join(work, 'x.dump')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /no schema_migrations table/);
  });
});

describe('pg_dump: found on PATH, and never given the password on its command line', { skip: BACKEND !== 'postgres' }, () => {
  it('without pg_dump on PATH the backup says what to install', async () => {
    const r = await runBinary(['backup', '--database', srv.dbUrl, '--out', path.join(work, 'none.dump')],
      { PATH: '/nonexistent' });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /pg_dump not found on PATH: install .*postgresql-client/);
  });

  it('the URL\'s password reaches pg_dump through a temporary passfile only', async () => {
    // A pg_dump in front of the real one that writes down what it was given.
    const realPgDump = execFileSync('bash', ['-c', 'command -v pg_dump']).toString().trim();
    const bin = path.join(work, 'bin');
    const record = path.join(work, 'record');
    await rm(bin, { recursive: true, force: true });
    await execFileP('mkdir', ['-p', bin]);
    await writeFile(path.join(bin, 'pg_dump'), `#!/bin/bash
printf '%s\\n' "$@" > '${record}.argv'
printf '%s' "$PGPASSFILE" > '${record}.path'
cat -- "$PGPASSFILE" > '${record}.pass'
stat -c %a -- "$PGPASSFILE" > '${record}.mode'
exec '${realPgDump}' "$@"
`);
    await chmod(path.join(bin, 'pg_dump'), 0o755);
    // The test cluster trusts local connections, so any password is accepted.
    const secret = 'Se:cr\\et-' + Math.random().toString(36).slice(2);
    const url = new URL(srv.dbUrl);
    url.password = encodeURIComponent(secret);
    const file = path.join(work, 'with-password.dump');
    const r = await runBinary(['backup', '--database', url.toString(), '--out', file],
      { PATH: `${bin}:${process.env.PATH}` });
    expectOk(r, 'backup with a password in the URL');
    const argv = await readFile(`${record}.argv`, 'utf8');
    assert.ok(!argv.includes(secret) && !argv.includes(encodeURIComponent(secret)),
      `the password is not on pg_dump's command line:\n${argv}`);
    assert.match(argv, /^--format=custom$/m);
    assert.match(argv, /^--dbname=.*dbname='gd_[0-9a-f]+'/m);
    assert.equal(await readFile(`${record}.pass`, 'utf8'),
      `*:*:*:*:${secret.replace(/[\\:]/g, (c) => `\\${c}`)}\n`, 'the passfile holds the password, escaped');
    assert.equal((await readFile(`${record}.mode`, 'utf8')).trim(), '600', 'the passfile is private');
    await assert.rejects(access(await readFile(`${record}.path`, 'utf8')), 'the passfile is removed afterwards');
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), 'nor is it printed');
  });
});
