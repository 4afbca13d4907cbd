#!/usr/bin/env node
// By hand, not in ctest: a local database made by an older build of the app (client schema
// v1, no notifications table) is upgraded in place by this build's schema migration, keeps
// its data, and the next pull brings the notifications table whole (docs/sync-schema.md).
// It needs an older build on disk, e.g. from the commit before schema v2:
//
//   git archive <old commit> web | tar -x -C /tmp/old && ln -s $PWD/web/node_modules /tmp/old/web/
//   (cd /tmp/old/web && npx vite build --outDir /tmp/old-dist)
//   GOODDEEDS_BIN=build/release/gooddeeds node tests/web/upgrade_check.mjs /tmp/old-dist [build/release/web-dist]
//
// One browser profile and one origin: the app's files come from the old build, then from the
// new one (Playwright serves them; the API is the real server's), with a reload in between.
import path from 'node:path';
import assert from 'node:assert/strict';
import { startServer, api, uniqueEmail, registerUser } from '../api/harness.mjs';
import { fillTask, launch, newContext, signUp, submitTask } from './browser.mjs';
const srv = await startServer();
const [oldDist, newDist = 'build/release/web-dist'] = process.argv.slice(2);
if (!oldDist) throw new Error('usage: upgrade_check.mjs OLD_WEB_DIST [NEW_WEB_DIST]');
const browser = await launch();
let dir = path.resolve(oldDist);
try {
  const ctx = await newContext(browser, { serviceWorkers: 'block' });
  await ctx.route((u) => u.origin === srv.origin && !/^\/(api|media|config\.json)/.test(u.pathname), (route) => {
    const p = new URL(route.request().url()).pathname;
    const file = path.join(dir, p.includes('.') ? p : 'index.html');
    return route.fulfill({ path: file });
  });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => { throw e; });
  await signUp(page, srv.origin, 'Old', uniqueEmail('old'));
  await fillTask(page, { title: 'Old build task', description: 'made by v1' });
  const id = await submitTask(page);
  const helper = await registerUser(srv.base);
  const r = await api(srv.base).post(`/tasks/${id}/applications`, { token: helper.accessToken, body: { message: 'hi' } });
  assert.equal(r.status, 201);
  await page.getByRole('button', { name: 'Sync now' }).click();
  await page.waitForTimeout(2500);
  const before = await page.evaluate(() => indexedDB.databases());
  console.log('IndexedDB with the old build:', JSON.stringify(before));
  assert.equal(await page.getByText('Notifications').count(), 0, 'the old build has no notifications');
  dir = path.resolve(newDist);
  await page.reload();
  await page.getByTestId('unread-count').filter({ hasText: /^1$/ }).waitFor({ timeout: 15000 });
  await page.getByRole('link', { name: /^Notifications/ }).click();
  await page.locator('.notes li').filter({ hasText: 'Old build task' }).waitFor();
  await page.getByRole('link', { name: 'My tasks' }).click();
  await page.getByRole('link', { name: 'Old build task', exact: true }).waitFor();
  console.log('upgrade from v1: the local database kept its tasks and pulled the notifications table whole');
} finally {
  await browser.close();
  await srv.stop();
}
