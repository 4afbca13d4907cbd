#!/usr/bin/env node
// The web app's budgets (docs/PERFORMANCE.md, "Web app"): the JavaScript it loads,
// gzipped (map tiles aside), under 250 KB; and the first sync of 1,000 tasks into the
// browser's database (WatermelonDB, LokiJS on IndexedDB, Chromium) under 2 s.
//
//   GOODDEEDS_BIN=build/release/gooddeeds node bench/web_budget.mjs [WEB_DIST]
//
// WEB_DIST defaults to build/release/web-dist (the build the binary embeds). The tasks are
// pushed through /sync/push by their creator, whose browser then signs in and pulls them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer, registerUser, api, PASSWORD, expectStatus } from '../tests/api/harness.mjs';
import { launch, newContext } from '../tests/web/browser.mjs';

const dist = path.resolve(process.argv[2] || 'build/release/web-dist');
const TASKS = Number(process.env.BENCH_TASKS || 1000);

function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const js = files(dist).filter((f) => f.endsWith('.js'));
const gz = js.reduce((n, f) => n + zlib.gzipSync(readFileSync(f), { level: 9 }).length, 0);
const raw = js.reduce((n, f) => n + statSync(f).size, 0);
console.log(`JavaScript: ${js.length} files, ${(raw / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzipped (budget 250 KB)`);

const srv = await startServer({ args: ['--web-dir', dist] });
const browser = await launch();
try {
  const user = await registerUser(srv.base);
  const R = api(srv.base);
  const auth = { token: user.accessToken };
  const pull = await R.get('/sync/pull?lastPulledAt=null&schemaVersion=2&migration=null', auth);
  expectStatus(pull, 200, 'pull');
  const now = Date.now();
  const created = Array.from({ length: TASKS }, (_, i) => ({
    id: crypto.randomUUID(), project_id: null, creator_id: user.user.id, helper_id: null,
    title: `Task ${i}`, description: `Help needed with thing number ${i}.`, category: 'other',
    lat: 52.5 + (i % 100) / 1000, lng: 13.4 + Math.floor(i / 100) / 1000, points_reward: 10,
    status: 'open', image_urls: '[]', created_at: now, updated_at: now, completed_at: null,
  }));
  const push = await R.post(`/sync/push?lastPulledAt=${pull.body.timestamp}`, { ...auth, body: { changes: { tasks: { created, updated: [], deleted: [] } } } });
  expectStatus(push, 200, 'push');

  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  await page.goto(srv.origin + '/');
  await page.getByRole('button', { name: 'Already have an account? Sign in' }).click();
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.locator('form').getByRole('button', { name: 'Sign in' }).click();
  await page.waitForFunction(() => window.gdSyncStats && window.gdSyncStats.count >= 1, null, { timeout: 60_000 });
  // The first sync only: the live socket's `ready` starts another, which finds nothing new.
  const ms = await page.evaluate(() => window.gdSyncStats.firstMs);
  await page.getByRole('link', { name: 'My tasks' }).click();
  await page.getByRole('link', { name: `Task ${TASKS - 1}`, exact: true }).waitFor();
  console.log(`First sync of ${TASKS} tasks into the browser's database: ${ms.toFixed(0)} ms (budget 2000 ms)`);
  const ok = gz < 250 * 1024 && ms < 2000;
  console.log(ok ? 'within budget' : 'OVER BUDGET');
  process.exitCode = ok ? 0 : 1;
} finally {
  await browser.close();
  await srv.stop();
}
