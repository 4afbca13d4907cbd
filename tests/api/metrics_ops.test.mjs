// Operators' metrics (docs/operations.md, "Monitoring"): process_* and gooddeeds_build_info,
// daily and monthly active users counted from the database (the same on every node), point
// transactions by kind, the database's connection-wait histogram; and the Grafana dashboard
// and the alert rules of deploy/, whose every metric name must be one the server exports.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, mkdtemp, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BACKEND, startServer, api, registerUser, createAdmin, execSql, randomHex, runBinary,
  expectStatus,
} from './harness.mjs';

const execFileP = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DAY_MS = 86_400_000;
// Debian's prometheus package (scripts/deps); tests/prometheus/check_rules.sh uses it too.
const PROMTOOL = process.env.PROMTOOL || '/usr/bin/promtool';

let srv; // counts active users on every scrape
let other; // a second node on the same database
let A;

before(async () => {
  srv = await startServer({ args: ['--active-users-cache-ms', '0'] });
  other = await startServer({ sameDatabaseAs: srv, args: ['--active-users-cache-ms', '0'] });
  A = api(srv.base);
});

after(async () => {
  await other?.stop();
  await srv?.stop();
});

async function scrape(s = srv) {
  const res = await api(s.origin).get('/metrics');
  expectStatus(res, 200, '/metrics');
  return res.text;
}

// The value of one sample (`name` with its labels exactly as rendered), or undefined.
function sample(text, series) {
  const escaped = series.replace(/[{}"+.\\[\]()|*?^$]/g, (c) => `\\${c}`);
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

function valueOf(text, series) {
  const v = sample(text, series);
  assert.ok(v !== undefined && Number.isFinite(v), `${series} in /metrics:\n${text.slice(0, 4000)}`);
  return v;
}

// Polls until `series` reaches `want` (the day's mark is written as the request is
// authenticated, the count read at the next scrape).
async function until(s, series, want) {
  let got;
  for (let i = 0; i < 100; i++) {
    got = sample(await scrape(s), series);
    if (got === want) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(got, want, `${series}`);
}

async function me(user, s = srv) {
  expectStatus(await api(s.base).get('/users/me', { token: user.accessToken }), 200, 'GET /users/me');
}

// Every metric name an expression of PromQL uses (label names, functions and keywords left
// out; histogram series by their _bucket name).
function metricNames(expr) {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings (label values)
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges ([5m], [$__rate_interval])
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'inf', 'nan']);
  const names = new Set();
  for (const m of bare.matchAll(/(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)) {
    if (m[2] || keywords.has(m[1].toLowerCase())) continue; // a function call or keyword
    names.add(m[1]);
  }
  return [...names];
}

function exportedNames(text) {
  return new Set(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/[{ ]/)[0]));
}

describe('process and build metrics', () => {
  it('process_* as the Prometheus client libraries name them, read from /proc', async () => {
    const text = await scrape();
    for (const [name, type] of [['process_cpu_seconds_total', 'counter'], ['process_resident_memory_bytes', 'gauge'],
      ['process_virtual_memory_bytes', 'gauge'], ['process_open_fds', 'gauge'], ['process_max_fds', 'gauge'],
      ['process_start_time_seconds', 'gauge']]) {
      assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), `${name} declared as a ${type}`);
    }
    const start = valueOf(text, 'process_start_time_seconds');
    assert.ok(Math.abs(start * 1000 - Date.now()) < 10 * 60_000, `started minutes ago at most: ${start}`);
    const rss = valueOf(text, 'process_resident_memory_bytes');
    const vsz = valueOf(text, 'process_virtual_memory_bytes');
    assert.ok(rss > 1 << 20 && vsz >= rss, `rss ${rss} vsz ${vsz}`);
    // The server's own /proc entries, as this test reads them.
    const status = await readFile(`/proc/${srv.proc.pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)[1]);
    assert.ok(Math.abs(rss - rssKb * 1024) < 64 << 20, `rss ${rss} vs VmRSS ${rssKb} kB`);
    const fds = valueOf(text, 'process_open_fds');
    const listed = (await readdir(`/proc/${srv.proc.pid}/fd`)).length;
    assert.ok(fds >= 3 && Math.abs(fds - listed) <= 8, `open fds ${fds} vs /proc listing ${listed}`);
    assert.ok(valueOf(text, 'process_max_fds') > fds);
    const cpu = valueOf(text, 'process_cpu_seconds_total');
    assert.ok(cpu > 0, `cpu ${cpu}`);
    for (let i = 0; i < 200; i++) await api(srv.origin).get('/healthz');
    assert.ok(valueOf(await scrape(), 'process_cpu_seconds_total') >= cpu, 'CPU time does not go back');
  });

  it('gooddeeds_build_info names the version and the back end', async () => {
    const { stdout } = await execFileP(process.env.GOODDEEDS_BIN, ['version']);
    const version = stdout.trim().split(' ')[1];
    const text = await scrape();
    assert.match(text, /^# TYPE gooddeeds_build_info gauge$/m);
    assert.equal(valueOf(text, `gooddeeds_build_info{version="${version}",backend="${BACKEND}"}`), 1);
  });

  it('the connection-wait histogram fills with the statements that ran', async () => {
    const before = valueOf(await scrape(), 'gooddeeds_db_pool_wait_seconds_count');
    const u = await registerUser(srv.base); // writes: PostgreSQL's pool, SQLite's writer queue
    await me(u);
    const text = await scrape();
    assert.match(text, /^# TYPE gooddeeds_db_pool_wait_seconds histogram$/m);
    assert.ok(valueOf(text, 'gooddeeds_db_pool_wait_seconds_count') > before, 'waits counted');
    const inf = valueOf(text, 'gooddeeds_db_pool_wait_seconds_bucket{le="+Inf"}');
    assert.equal(inf, valueOf(text, 'gooddeeds_db_pool_wait_seconds_count'));
    assert.ok(valueOf(text, 'gooddeeds_db_pool_wait_seconds_bucket{le="5"}') <= inf);
    assert.ok(valueOf(text, 'gooddeeds_db_pool_wait_seconds_sum') >= 0);
  });
});

describe('active users', () => {
  it('two accounts with authenticated requests, on two nodes, make DAU 2 and MAU 2', async () => {
    // Other tests' accounts were active before: the counts move by this test's accounts.
    const text0 = await scrape();
    const d0 = valueOf(text0, 'gooddeeds_daily_active_users');
    const m0 = valueOf(text0, 'gooddeeds_monthly_active_users');
    const [u1, u2] = await Promise.all([registerUser(srv.base), registerUser(srv.base)]);
    // Registering is not an authenticated request.
    await until(srv, 'gooddeeds_daily_active_users', d0);
    await me(u1);
    await me(u1);
    await until(srv, 'gooddeeds_daily_active_users', d0 + 1);
    await me(u2, other); // the other node writes the mark; both count it from the database
    await me(u1, other);
    for (const s of [srv, other]) {
      await until(s, 'gooddeeds_daily_active_users', d0 + 2);
      await until(s, 'gooddeeds_monthly_active_users', m0 + 2);
    }
    // A bad token is not activity.
    const u0 = await registerUser(srv.base);
    await api(srv.base).get('/users/me', { token: `${u0.accessToken}x` });
    await until(srv, 'gooddeeds_daily_active_users', d0 + 2);

    // An account last seen 10 days ago is monthly but not daily; 30 days ago, neither.
    const [u3, u4] = await Promise.all([registerUser(srv.base), registerUser(srv.base)]);
    const today = Math.floor(Date.now() / DAY_MS);
    await execSql(srv, `UPDATE users SET last_seen_day = ${today - 10} WHERE id = '${u3.user.id}'`);
    await execSql(srv, `UPDATE users SET last_seen_day = ${today - 30} WHERE id = '${u4.user.id}'`);
    await until(srv, 'gooddeeds_monthly_active_users', m0 + 3);
    await until(srv, 'gooddeeds_daily_active_users', d0 + 2);
    // Seen again today: the old mark moves to today.
    await me(u3);
    await me(u4, other);
    await until(srv, 'gooddeeds_daily_active_users', d0 + 4);
    await until(other, 'gooddeeds_monthly_active_users', m0 + 4);
  });

  it('--active-users-cache-ms: one count serves the scrapes meanwhile', async () => {
    const cached = await startServer({ sameDatabaseAs: srv, args: ['--active-users-cache-ms', '600000'] });
    try {
      const first = valueOf(await scrape(cached), 'gooddeeds_daily_active_users');
      const u = await registerUser(srv.base);
      await me(u);
      await until(srv, 'gooddeeds_daily_active_users', first + 1);
      assert.equal(valueOf(await scrape(cached), 'gooddeeds_daily_active_users'), first, 'still the cached count');
    } finally {
      await cached.stop();
    }
  });

  it('a negative --active-users-cache-ms is refused', async () => {
    const r = await runBinary(['serve', '--database', srv.dbUrl, '--active-users-cache-ms', '-1']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--active-users-cache-ms must be 0 or more/);
    const env = await runBinary(['serve', '--database', srv.dbUrl], { GOODDEEDS_ACTIVE_USERS_CACHE_MS: '-5' });
    assert.notEqual(env.code, 0);
    assert.match(env.stderr, /active-users-cache-ms|ACTIVE_USERS_CACHE_MS/);
  });
});

describe('point transactions by kind', () => {
  it('earning, spending, adjusting and refunding move their labelled counters', async () => {
    const admin = await createAdmin(srv);
    const series = (kind, type) => `gooddeeds_point_transactions_total{type="${type}",kind="${kind}"}`;
    const kinds = [['earn', 'task_reward'], ['spend', 'redemption'], ['adjust', 'admin_adjustment'], ['refund', 'refund']];
    const text0 = await scrape();
    const before = Object.fromEntries(kinds.map(([k, t]) => [k, valueOf(text0, series(k, t))]));
    const created0 = valueOf(text0, 'gooddeeds_tasks_created_total');
    const completed0 = valueOf(text0, 'gooddeeds_tasks_completed_total');
    const redemptions0 = valueOf(text0, 'gooddeeds_redemptions_total');

    // adjust: an admin credits 50 points.
    const [creator, helper] = await Promise.all([registerUser(srv.base), registerUser(srv.base)]);
    const credit = await A.post(`/admin/users/${helper.user.id}/points`, {
      token: admin.accessToken, body: { amount: 50, reason: 'welcome' },
    });
    expectStatus(credit, 201, 'admin adjustment');

    // earn: a task confirmed as completed rewards its helper.
    const task = await A.post('/tasks', {
      token: creator.accessToken,
      body: { title: 'Carry shopping', description: 'Two bags', category: 'shopping', location: { lat: 52.52, lng: 13.405 }, pointsReward: 20 },
    });
    expectStatus(task, 201, 'POST /tasks');
    const app = await A.post(`/tasks/${task.body.id}/applications`, { token: helper.accessToken, body: { message: 'Happy to' } });
    expectStatus(app, 201, 'apply');
    expectStatus(await A.post(`/tasks/${task.body.id}/applications/${app.body.id}/accept`, { token: creator.accessToken }), 200, 'accept');
    for (const [who, action] of [[helper, 'start'], [helper, 'complete'], [creator, 'confirm']]) {
      expectStatus(await A.post(`/tasks/${task.body.id}/${action}`, { token: who.accessToken }), 200, action);
    }

    // spend: the helper redeems an offer; refund: an admin gives the points back.
    const partner = await A.post('/admin/partners', { token: admin.accessToken, body: { name: `Cafe ${randomHex(4)}`, description: 'Coffee' } });
    expectStatus(partner, 201, 'create partner');
    const offer = await A.post(`/admin/partners/${partner.body.id}/offers`, {
      token: admin.accessToken, body: { title: 'A coffee', description: 'Any size', pointsCost: 30, validDays: 30 },
    });
    expectStatus(offer, 201, 'create offer');
    const redemption = await A.post('/redemptions', { token: helper.accessToken, body: { offerId: offer.body.id } });
    expectStatus(redemption, 201, 'redeem');
    const refund = await A.post(`/admin/redemptions/${redemption.body.id}/refund`, { token: admin.accessToken, body: { reason: 'Closed' } });
    expectStatus(refund, 200, 'refund');

    const text = await scrape();
    for (const [k, t] of kinds) assert.equal(valueOf(text, series(k, t)), before[k] + 1, `one ${k} row`);
    assert.equal(valueOf(text, 'gooddeeds_tasks_created_total'), created0 + 1);
    assert.equal(valueOf(text, 'gooddeeds_tasks_completed_total'), completed0 + 1);
    assert.equal(valueOf(text, 'gooddeeds_redemptions_total'), redemptions0 + 1);
  });
});

describe('deploy/: the dashboard and the alert rules use what the server exports', () => {
  it('every metric of every Grafana panel and every alert is in a real scrape', async () => {
    // Traffic first, so that the per-route series exist: a success, a 404 and a 401.
    const u = await registerUser(srv.base);
    await me(u);
    await A.get(`/no-such-route-${randomHex(3)}`);
    await A.get('/users/me');
    const exported = exportedNames(await scrape());
    const dashboard = JSON.parse(await readFile(path.join(ROOT, 'deploy/grafana/gooddeeds.json'), 'utf8'));
    const exprs = [];
    const walk = (panels) => {
      for (const p of panels) {
        for (const t of p.targets ?? []) exprs.push({ where: `panel "${p.title}"`, expr: t.expr });
        walk(p.panels ?? []);
      }
    };
    walk(dashboard.panels);
    assert.ok(exprs.length >= 12, `the dashboard's queries: ${exprs.length}`);
    const rules = await readFile(path.join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8');
    for (const m of rules.matchAll(/expr: (?:\|\n((?: {10}.*\n)+)|(.*)\n)/g)) exprs.push({ where: 'alerts.yml', expr: m[1] ?? m[2] });
    assert.ok(exprs.filter((e) => e.where === 'alerts.yml').length >= 4, 'the alert rules\' expressions');
    const used = new Set();
    for (const { where, expr } of exprs) {
      const names = metricNames(expr);
      assert.ok(names.length > 0, `${where}: no metric in ${expr}`);
      for (const n of names) {
        used.add(n);
        assert.ok(exported.has(n), `${where} uses ${n}, which /metrics does not export (${expr})`);
      }
    }
    for (const n of ['http_request_duration_seconds_bucket', 'http_requests_total', 'gooddeeds_db_pool_wait_seconds_bucket',
      'gooddeeds_daily_active_users', 'gooddeeds_monthly_active_users', 'gooddeeds_tasks_created_total',
      'gooddeeds_tasks_completed_total', 'gooddeeds_point_transactions_total', 'gooddeeds_redemptions_total',
      'gooddeeds_session_cache_hits_total']) {
      assert.ok(used.has(n), `the dashboard or the alerts show ${n}`);
    }
  });

  it('every dashboard query is valid PromQL (promtool check rules)', async (t) => {
    const dashboard = JSON.parse(await readFile(path.join(ROOT, 'deploy/grafana/gooddeeds.json'), 'utf8'));
    const rules = dashboard.panels.flatMap((p) => p.targets ?? []).map((q, i) => ({
      record: `dashboard:query_${i}`,
      expr: q.expr.replaceAll('$__rate_interval', '5m'),
    }));
    // JSON is YAML: a rule file of one recording rule per query.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gd-dashboard-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'dashboard.rules.yml');
    await writeFile(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
    const { stdout } = await execFileP(PROMTOOL, ['check', 'rules', file]);
    assert.match(stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
  });

  it('the name extraction finds names and only names', () => {
    assert.deepEqual(metricNames('sum by (le, route) (rate(a_bucket{status=~"5.."}[5m])) / ignoring(x) b > bool 0.01').sort(), ['a_bucket', 'b']);
    assert.deepEqual(metricNames('histogram_quantile(0.95, sum by (le) (rate(c[$__rate_interval]))) and on(instance) d offset 5m'), ['c', 'd']);
  });
});
