// The web app end to end in Chromium against the real server on SQLite (API.md "Web app"):
// two people in two browser contexts live the whole story — A posts a task with a photo, B
// finds it in the list and on the map and applies, A accepts, B starts and completes, A
// confirms, B sees the reward, redeems an admin's offer and sees the code; B edits a
// task offline, reloads, and the edit reaches the server once B is back online; B switches
// to German, edits the profile, exports the data and deletes the account. Every
// screen passes axe-core (no serious or critical violations) and is photographed at a phone
// and a desktop size.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, createAdmin, api, uniqueEmail, loginOk, registerUser, PASSWORD, expectStatus } from '../api/harness.mjs';
import { fillTask, launch, newContext, png, screen, signUp as signUpAs, startTileServer, submitTask, synced } from './browser.mjs';

let srv, tiles, browser, ctxA, ctxB, A, B;
const TITLE = `Carry shopping upstairs ${Date.now()}`;
let taskId;
const emails = new Map();
const cspViolations = [];

async function signUp(page, name) {
  const email = await signUpAs(page, srv.origin, name, uniqueEmail(name.toLowerCase()));
  emails.set(page, email);
  return email;
}

async function syncNow(page) {
  const button = page.getByRole('button', { name: 'Sync now' });
  await button.waitFor();
  await button.click();
  await page.getByRole('button', { name: 'Sync now' }).and(page.locator(':enabled')).waitFor();
}

// A REST token of the page's person from a sign-in of its own (using the app's refresh
// token would rotate it behind the app's back, and the app would then be signed out).
async function token(page) {
  return (await loginOk(srv.base, emails.get(page))).accessToken;
}

before(async () => {
  tiles = await startTileServer();
  // GOODDEEDS_WEB_DIR: test a build on disk (npm run build) instead of the one built in.
  const webDir = process.env.GOODDEEDS_WEB_DIR ? ['--web-dir', process.env.GOODDEEDS_WEB_DIR] : [];
  srv = await startServer({ args: ['--map-tiles-url', tiles.url, ...webDir] });
  browser = await launch();
  ctxA = await newContext(browser);
  ctxB = await newContext(browser);
  A = await ctxA.newPage();
  B = await ctxB.newPage();
  for (const [who, p] of [['A', A], ['B', B]]) {
    p.on('pageerror', (e) => console.error(`[${who}] page error: ${e.message}`));
    p.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(`[${who}] ${m.text()}`); });
  }
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  await tiles?.close();
});

describe('the web app', { concurrency: false }, () => {
  it('A signs up and posts a task with a photo', async () => {
    await A.goto(srv.origin + '/');
    await screen(A, 'signup');
    await signUp(A, 'Anna');
    await fillTask(A, { title: TITLE, description: 'Three bags to the fourth floor, no lift.', reward: 25, photo: png() });
    await A.getByText(/Location set: 52\.5200, 13\.4050/).waitFor();
    await screen(A, 'new-task');
    taskId = await submitTask(A);
    await A.locator('img.photo').waitFor();
    assert.match(await A.locator('img.photo').getAttribute('src'), /^\/media\//);
    await screen(A, 'task-creator');
  });

  it('B signs up, finds it in the list and on the map, and applies', async () => {
    await signUp(B, 'Ben');
    await B.getByRole('button', { name: 'Search' }).click();
    const link = B.getByRole('link', { name: TITLE });
    await link.waitFor();
    await screen(B, 'nearby-list');
    await B.getByRole('button', { name: 'Map' }).click();
    await B.locator('.leaflet-interactive').first().waitFor();
    await B.waitForFunction(() => [...document.querySelectorAll('.leaflet-tile')].some((t) => t.complete && t.naturalWidth > 0));
    assert.ok(tiles.server.hits > 0, 'tiles come from the stub tile server');
    await screen(B, 'nearby-map');
    await B.getByRole('button', { name: 'List' }).click();
    await B.getByRole('link', { name: TITLE }).click();
    await B.getByRole('heading', { name: TITLE }).waitFor();
    await B.getByText('The location is shown approximately.').waitFor();
    await screen(B, 'task-details');
    await B.getByLabel('Message to the person asking').fill('Happy to help this evening.');
    await B.getByRole('button', { name: 'Offer help' }).click();
    await B.getByText('You offered to help').waitFor();
  });

  it('A accepts B; B starts and completes; A confirms', async () => {
    await A.reload();
    await A.getByRole('button', { name: /^Accept/ }).click();
    await A.getByText('Assigned').first().waitFor();
    await syncNow(B);
    await B.getByRole('link', { name: 'My tasks' }).click();
    await B.getByRole('link', { name: TITLE }).click();
    await screen(B, 'task-helper');
    await B.getByRole('button', { name: 'Start' }).click();
    await B.getByText('In progress').waitFor();
    await synced(B);
    await B.getByRole('button', { name: 'Mark as done' }).click();
    await B.getByText('Waiting for confirmation').waitFor();
    await synced(B);
    await syncNow(A);
    await A.getByRole('button', { name: 'Confirm and reward' }).click();
    await A.getByText('Completed').first().waitFor();
    await synced(A);
    await A.getByRole('link', { name: 'My tasks' }).click();
    await A.getByRole('link', { name: TITLE }).waitFor();
    await screen(A, 'my-tasks');
  });

  it("B's balance shows the reward; B redeems an admin's offer and sees the code", async () => {
    const admin = await createAdmin(srv);
    const R = api(srv.base);
    const partner = await R.post('/admin/partners', { token: admin.accessToken, body: { name: 'Corner Bakery', description: 'Bread and cake' } });
    expectStatus(partner, 201, 'partner');
    const offer = await R.post(`/admin/partners/${partner.body.id}/offers`, {
      token: admin.accessToken, body: { title: 'A free pretzel', description: 'Any time before noon', pointsCost: 10, validDays: 30 } });
    expectStatus(offer, 201, 'offer');
    await syncNow(B);
    await B.getByRole('link', { name: 'Points' }).click();
    await assert.doesNotReject(B.getByTestId('balance').filter({ hasText: /^25$/ }).waitFor());
    await B.getByText('Reward for a task').waitFor();
    await screen(B, 'points');
    await B.getByRole('link', { name: 'Rewards' }).click();
    await B.getByText('A free pretzel').waitFor();
    await screen(B, 'partners');
    await B.getByRole('button', { name: 'Redeem for 10 points' }).click();
    await B.waitForURL(/\/redemptions\/[0-9a-f-]{36}$/);
    const code = (await B.getByTestId('discount-code').textContent()).trim();
    assert.ok(code.length >= 6, code);
    await B.getByText(/Valid until/).waitFor();
    await screen(B, 'redemption');
    const mine = await R.get('/users/me/redemptions', { token: await token(B) });
    assert.equal(mine.body.items[0].discountCode, code);
    await B.getByRole('link', { name: 'Points' }).click();
    await B.getByTestId('balance').filter({ hasText: /^15$/ }).waitFor();
    await B.getByRole('link', { name: 'Profile' }).click();
    await B.getByLabel('About me').waitFor();
    await screen(B, 'profile');
  });

  it('B edits an own task offline, reloads, still sees the app and the edit; online, the edit reaches the server', async () => {
    await fillTask(B, { title: 'Water my plants', description: 'While I am away for a week.' });
    const id = await submitTask(B);
    await B.evaluate(() => navigator.serviceWorker.ready);
    await ctxB.setOffline(true);
    await B.getByRole('button', { name: 'Edit' }).click();
    await B.getByLabel('Title').fill('Water my plants and feed the cat');
    await B.getByRole('button', { name: 'Save' }).click();
    await B.getByRole('heading', { name: 'Water my plants and feed the cat' }).waitFor();
    await B.waitForTimeout(1500);  // LokiJS saves to IndexedDB in the background
    await B.reload();
    await B.getByRole('heading', { name: 'Water my plants and feed the cat' }).waitFor();
    await B.getByText('Not synced yet').waitFor();
    await B.getByText(/^Offline/).waitFor();
    await screen(B, 'offline-edit');
    await ctxB.setOffline(false);
    await synced(B);
    const t = await api(srv.base).get(`/tasks/${id}`, { token: await token(B) });
    expectStatus(t, 200, 'task');
    assert.equal(t.body.title, 'Water my plants and feed the cat');
  });

  it('B switches to German, edits the profile, lists redemptions, exports the data and deletes the account', async () => {
    await B.getByRole('link', { name: 'Rewards' }).click();
    await B.getByRole('link', { name: 'My redemptions' }).click();
    await B.getByRole('link', { name: 'A free pretzel' }).waitFor();
    await screen(B, 'redemptions');
    await B.getByLabel('Language').first().selectOption('de');
    await B.getByRole('link', { name: 'In der Nähe' }).waitFor();
    await B.getByRole('link', { name: 'Profil' }).click();
    await B.getByLabel('Über mich').fill('Gärtner aus Leidenschaft.');
    await B.getByRole('button', { name: 'Profil speichern' }).click();
    await B.getByText('Gespeichert.').waitFor();
    await screen(B, 'profile-de');
    const me = await api(srv.base).get('/users/me', { token: await token(B) });
    assert.equal(me.body.bio, 'Gärtner aus Leidenschaft.');
    const [download] = await Promise.all([B.waitForEvent('download'), B.getByRole('button', { name: 'Meine Daten herunterladen' }).click()]);
    const exported = JSON.parse(await (await download.createReadStream()).toArray().then((c) => Buffer.concat(c).toString()));
    assert.equal(exported.profile.email, emails.get(B));
    assert.equal(exported.profile.bio, 'Gärtner aus Leidenschaft.');
    await B.getByLabel('LÖSCHEN eingeben').fill('LÖSCHEN');
    await B.getByRole('button', { name: 'Mein Konto löschen' }).click();
    await B.getByRole('heading', { name: 'Registrieren' }).waitFor();
    const gone = await api(srv.base).post('/auth/login', { body: { email: emails.get(B), password: PASSWORD } });
    assert.equal(gone.status, 401);
  });

  it('a change the server refuses (experimentalRejectedIds) is shown, not lost', async () => {
    await fillTask(A, { title: 'Fix my bike', description: 'The chain keeps slipping.' });
    const id = await submitTask(A);
    // Offline, A renames the task; meanwhile (A on another device) a helper is accepted, so
    // the task is no longer open and the rename breaks the edit rule when it arrives.
    await ctxA.setOffline(true);
    await A.getByRole('button', { name: 'Edit' }).click();
    await A.getByLabel('Title').fill('Fix my bike, please');
    await A.getByRole('button', { name: 'Save' }).click();
    await A.getByRole('heading', { name: 'Fix my bike, please' }).waitFor();
    const R = api(srv.base);
    const helper = await registerUser(srv.base);
    const applied = await R.post(`/tasks/${id}/applications`, { token: helper.accessToken, body: { message: 'Me!' } });
    expectStatus(applied, 201, 'apply');
    const accepted = await R.post(`/tasks/${id}/applications/${applied.body.id}/accept`, { token: await token(A) });
    expectStatus(accepted, 200, 'accept');
    await ctxA.setOffline(false);
    await A.getByRole('alert').filter({ hasText: 'The server refused these changes' }).waitFor({ timeout: 20_000 });
    await A.getByRole('alert').getByRole('link', { name: 'Fix my bike, please' }).waitFor();
    await A.getByRole('status').filter({ hasText: 'The server refused this change' }).waitFor();
    await screen(A, 'refused-change');
    const server = await R.get(`/tasks/${id}`, { token: await token(A) });
    assert.equal(server.body.title, 'Fix my bike');
    assert.equal(server.body.status, 'assigned');
  });

  it('A signs out: the session ends on the server and in the browser', async () => {
    const { refreshToken } = await A.evaluate(() => JSON.parse(localStorage.getItem('gd.session')));
    await A.getByRole('button', { name: 'Sign out' }).click();
    await A.getByRole('heading', { name: 'Sign up' }).waitFor();
    assert.equal(await A.evaluate(() => localStorage.getItem('gd.session')), null);
    const res = await api(srv.base).post('/auth/refresh', { body: { refreshToken } });
    assert.equal(res.status, 401);
  });

  it('nothing the app did was refused by its Content-Security-Policy', () => {
    assert.deepEqual(cspViolations, []);
  });
});
