// Notifications, live updates, the language sent to the server, and editing a task's photo
// and location, in Chromium against the real server on SQLite (API.md "Web app" and
// "Notifications, live updates, push"): B applies and A's badge rises without a reload,
// with the notification's text shown; A opens the notifications screen and the badge
// clears (on the server too); A edits the task's photo and location and A's second device
// and B see them; B switches to German and the next notification B gets is German; a live
// task frame refreshes B's list without a sync click; A, offline, misses a notification,
// which the socket replays when it reconnects, and reads it offline — the read reaches the
// server once A is back online; signing in on a German browser makes the account German.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, api, uniqueEmail, loginOk, registerUser, PASSWORD, expectStatus } from '../api/harness.mjs';
import { fillTask, launch, newContext, png, screen, signUp, startTileServer, submitTask, synced } from './browser.mjs';

const GERMAN = JSON.parse(readFileSync(new URL('../../src/notifications/texts/de.json', import.meta.url), 'utf8'));
const TITLE = `Walk the dog ${Date.now()}`;

let srv, tiles, browser, ctxA, ctxA2, ctxB, A, A2, B, taskId;
const emails = new Map();
const problems = [];

async function token(page) {
  return (await loginOk(srv.base, emails.get(page))).accessToken;
}

// Polls `f` until it returns a truthy value (the server side of what the page just did).
async function eventually(f, what, ms = 10_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > until) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const badge = (page) => page.getByTestId('unread-count');

before(async () => {
  tiles = await startTileServer();
  const webDir = process.env.GOODDEEDS_WEB_DIR ? ['--web-dir', process.env.GOODDEEDS_WEB_DIR] : [];
  srv = await startServer({ args: ['--map-tiles-url', tiles.url, ...webDir] });
  browser = await launch();
  ctxA = await newContext(browser);
  ctxA2 = await newContext(browser, { viewport: { width: 1280, height: 800 } });
  ctxB = await newContext(browser);
  [A, A2, B] = await Promise.all([ctxA.newPage(), ctxA2.newPage(), ctxB.newPage()]);
  for (const [who, p] of [['A', A], ['A2', A2], ['B', B]]) {
    p.on('pageerror', (e) => problems.push(`[${who}] page error: ${e.message}`));
    p.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) problems.push(`[${who}] ${m.text()}`); });
  }
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  await tiles?.close();
});

describe('notifications and live updates in the web app', { concurrency: false }, () => {
  it('B applies: A sees the badge rise and the text, live, without a reload', async () => {
    emails.set(A, await signUp(A, srv.origin, 'Alma', uniqueEmail('alma')));
    await fillTask(A, { title: TITLE, description: 'Twice around the park.', photo: png(64, 64, [200, 60, 60]) });
    taskId = await submitTask(A);
    await A.getByRole('link', { name: 'My tasks' }).click();
    await A.evaluate(() => { window.sameDocument = true; });
    assert.equal(await badge(A).count(), 0);

    emails.set(B, await signUp(B, srv.origin, 'Bodo', uniqueEmail('bodo')));
    await B.goto(`${srv.origin}/tasks/${taskId}`);
    await B.getByLabel('Message to the person asking').fill('I love dogs.');
    await B.getByRole('button', { name: 'Offer help' }).click();
    await B.getByText('You offered to help').waitFor();

    await badge(A).filter({ hasText: /^1$/ }).waitFor({ timeout: 5000 });
    const toast = A.locator('.toast');
    await toast.getByText('New application').waitFor();
    assert.match(await toast.textContent(), new RegExp(`Someone offered to help with “${TITLE}”`));
    assert.equal(await A.evaluate(() => window.sameDocument), true, 'no reload');
    await A.getByRole('link', { name: 'Notifications (1 unread)' }).waitFor();
    await screen(A, 'live-notification');
  });

  it('A opens the notifications screen: the text is there and the badge clears, on the server too', async () => {
    await A.getByRole('link', { name: /^Notifications/ }).click();
    await A.getByRole('heading', { name: 'Notifications' }).waitFor();
    await A.locator('.notes li').filter({ hasText: 'New application' }).filter({ hasText: TITLE }).waitFor();
    await badge(A).waitFor({ state: 'detached' });
    const t = await token(A);
    await eventually(async () => (await api(srv.base).get('/notifications', { token: t })).body.unreadCount === 0, 'unreadCount 0');
    const feed = await api(srv.base).get('/notifications', { token: t });
    assert.equal(feed.body.items.length, 1);
    assert.ok(feed.body.items[0].readAt);
    await A.locator('.toast').waitFor({ state: 'detached' });
    await screen(A, 'notifications');
  });

  it("A edits the task's photo and location; A's other device and B see them", async () => {
    const before = await api(srv.base).get(`/tasks/${taskId}`, { token: await token(A) });
    await A.getByRole('link', { name: 'Open the task' }).click();
    await A.getByRole('heading', { name: TITLE }).waitFor();
    await A.getByRole('button', { name: 'Edit' }).click();
    await A.getByText('Location set: 52.5200, 13.4050').waitFor();
    await A.getByLabel('Replace the photo (optional)').setInputFiles({ name: 'dog.png', mimeType: 'image/png', buffer: png(64, 64, [30, 60, 200]) });
    await ctxA.setGeolocation({ latitude: 52.53, longitude: 13.42 });
    await A.getByRole('button', { name: 'Use my location' }).click();
    await A.getByText('Location set: 52.5300, 13.4200').waitFor();
    await screen(A, 'task-edit');
    await A.getByRole('button', { name: 'Save' }).click();
    await A.getByRole('button', { name: 'Edit' }).waitFor();
    await synced(A);
    const after = await api(srv.base).get(`/tasks/${taskId}`, { token: await token(A) });
    expectStatus(after, 200, 'task');
    assert.deepEqual(after.body.location, { lat: 52.53, lng: 13.42 });
    assert.equal(after.body.imageUrls.length, 1);
    assert.notEqual(after.body.imageUrls[0], before.body.imageUrls[0]);
    const photo = await fetch(srv.origin + after.body.imageUrls[0]);
    assert.equal(photo.status, 200);

    // A's second device signs in and pulls the task with its new photo and location.
    await A2.goto(srv.origin + '/');
    await A2.getByRole('button', { name: 'Already have an account? Sign in' }).click();
    await A2.getByLabel('Email').fill(emails.get(A));
    await A2.getByLabel('Password').fill(PASSWORD);
    await A2.locator('form').getByRole('button', { name: 'Sign in' }).click();
    await A2.getByRole('link', { name: 'My tasks' }).click();
    await A2.getByRole('link', { name: TITLE, exact: true }).click();
    await A2.locator('img.photo').waitFor();
    assert.equal(await A2.locator('img.photo').getAttribute('src'), after.body.imageUrls[0]);
    await A2.getByRole('button', { name: 'Edit' }).click();
    await A2.getByText('Location set: 52.5300, 13.4200').waitFor();

    // B, who is not the creator, fetches it again and gets the new photo.
    await B.reload();
    await B.locator(`img.photo[src="${after.body.imageUrls[0]}"]`).waitFor();
  });

  it('B switches to German: the server learns it, and the next notification B gets is German, live', async () => {
    await B.getByLabel('Language').first().selectOption('de');
    await B.getByRole('link', { name: 'Meine Aufgaben' }).click();
    const t = await token(B);
    await eventually(async () => (await api(srv.base).get('/users/me', { token: t })).body.locale === 'de', 'locale de');

    // A accepts B; B's list shows the task from the live task frame's sync (no sync click).
    await A.getByRole('button', { name: /^Accept/ }).click();
    await A.getByText('Assigned').first().waitFor();
    await badge(B).filter({ hasText: /^1$/ }).waitFor({ timeout: 5000 });
    await B.locator('.toast').getByText(GERMAN.application_accepted.title).waitFor();
    await B.getByRole('link', { name: TITLE, exact: true }).waitFor({ timeout: 5000 });
    const feed = await api(srv.base).get('/notifications', { token: t });
    assert.equal(feed.body.items[0].type, 'application_accepted');
    assert.equal(feed.body.items[0].title, GERMAN.application_accepted.title);
    assert.equal(feed.body.items[0].body, GERMAN.application_accepted.body.replace('{task}', TITLE));
    await B.getByRole('link', { name: /^Benachrichtigungen/ }).click();
    await B.getByRole('heading', { name: 'Benachrichtigungen' }).waitFor();
    await B.locator('.notes li').filter({ hasText: GERMAN.application_accepted.title }).waitFor();
    await screen(B, 'notifications-de');
  });

  it('offline, A misses a notification; back online the socket replays it; a read made offline reaches the server', async () => {
    await A.getByRole('link', { name: 'My tasks' }).click();
    await ctxA.setOffline(true);
    await A.getByText(/^Offline/).waitFor();
    await B.getByRole('link', { name: 'Meine Aufgaben' }).click();
    await B.getByRole('link', { name: TITLE, exact: true }).click();
    await B.getByRole('button', { name: 'Beginnen' }).click();
    await B.getByText('Noch nicht synchronisiert').waitFor({ state: 'detached', timeout: 15_000 });
    const t = await token(A);
    await eventually(async () => (await api(srv.base).get('/notifications', { token: t })).body.unreadCount === 1, 'task_started written');
    await A.waitForTimeout(500);
    assert.equal(await badge(A).count(), 0, 'nothing arrives while offline');

    // The app reconnects with `since` (its newest notification), and the server replays.
    const replayed = new Promise((resolve) => A.on('websocket', (ws) => ws.on('framereceived', (f) => {
      if (/"type":"notification"/.test(f.payload) && /task_started/.test(f.payload)) resolve(ws.url());
    })));
    await ctxA.setOffline(false);
    assert.equal(await replayed, srv.origin.replace(/^http/, 'ws') + '/api/v1/live');
    await badge(A).filter({ hasText: /^1$/ }).waitFor({ timeout: 10_000 });

    await ctxA.setOffline(true);
    await A.getByRole('link', { name: /^Notifications/ }).click();
    await A.locator('.notes li').filter({ hasText: 'Task started' }).waitFor();
    await badge(A).waitFor({ state: 'detached' });
    assert.equal((await api(srv.base).get('/notifications', { token: t })).body.unreadCount, 1, 'the read waits for the connection');
    await ctxA.setOffline(false);
    await eventually(async () => (await api(srv.base).get('/notifications', { token: t })).body.unreadCount === 0, 'read sent when back online');
    await A.getByRole('link', { name: 'My tasks' }).click();
    await A.waitForTimeout(300);
    assert.equal(await badge(A).count(), 0, 'the badge stays clear after the pull');
  });

  it('signing in on a German browser sets the account to German (the registration had English)', async () => {
    const person = await registerUser(srv.base, { name: 'Clara' });
    const R = api(srv.base);
    assert.equal((await R.get('/users/me', { token: person.accessToken })).body.locale, 'en');
    const ctx = await newContext(browser, { locale: 'de-DE' });
    try {
      const page = await ctx.newPage();
      await page.goto(srv.origin + '/');
      await page.getByRole('button', { name: 'Schon ein Konto? Anmelden' }).click();
      await page.getByLabel('E-Mail').fill(person.email);
      await page.getByLabel('Passwort').fill(PASSWORD);
      await page.locator('form').getByRole('button', { name: 'Anmelden' }).click();
      await page.getByRole('heading', { name: 'Aufgaben in der Nähe' }).waitFor();
      await eventually(async () => (await R.get('/users/me', { token: person.accessToken })).body.locale === 'de', 'locale de after sign-in');
    } finally {
      await ctx.close();
    }
  });

  it('no page error and no Content-Security-Policy violation (the socket is same-origin)', () => {
    assert.deepEqual(problems, []);
  });
});
