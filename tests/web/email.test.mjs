// The screens behind the links in mail, in Chromium against the real server on SQLite with
// its mail going to the SMTP fake (tests/fakes/smtp_server.mjs: STARTTLS, AUTH, every
// message parsed), links based on the server's own URL (the default --public-url,
// http://localhost:<port>, which the browser uses throughout). Sign up; the profile says
// the address is not confirmed and sends a new link; the first link is refused, the new one
// confirms and the profile says so. "Forgot password?" on the sign-in screen mails a reset
// link; opened in the browser that is still signed in, it sets a new password and signs
// that browser out; a used link is refused; the old password no longer signs in, the new
// one does. axe-core and screenshots on every new screen.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, uniqueEmail, PASSWORD } from '../api/harness.mjs';
import { startSmtpServer } from '../fakes/smtp_server.mjs';
import { launch, newContext, screen, signUp, startTileServer } from './browser.mjs';

const NEW_PASSWORD = 'a fresh passphrase for Vera 7';
let smtp, srv, tiles, browser, ctx, ctx2, page, other, origin, email;
const problems = [];

// The link to `route` in a received message (text part), checked to point at this server.
function linkIn(msg, route) {
  const m = msg.text.match(new RegExp(`(https?://[^\\s/]+)/${route}#token=[A-Za-z0-9_-]+`));
  assert.ok(m, `a ${route} link in: ${msg.text}`);
  assert.equal(m[1], origin, 'the link points at the server');
  return m[0];
}

before(async () => {
  tiles = await startTileServer();
  smtp = await startSmtpServer();
  const webDir = process.env.GOODDEEDS_WEB_DIR ? ['--web-dir', process.env.GOODDEEDS_WEB_DIR] : [];
  srv = await startServer({
    args: ['--map-tiles-url', tiles.url, '--smtp-url', smtp.url, '--smtp-ca-file', smtp.caFile,
      '--mail-poll-ms', '50', ...webDir],
  });
  origin = `http://localhost:${new URL(srv.origin).port}`;
  browser = await launch();
  ctx = await newContext(browser);
  ctx2 = await newContext(browser);
  [page, other] = await Promise.all([ctx.newPage(), ctx2.newPage()]);
  for (const [who, p] of [['A', page], ['B', other]]) {
    p.on('pageerror', (e) => problems.push(`[${who}] page error: ${e.message}`));
    p.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) problems.push(`[${who}] ${m.text()}`); });
  }
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  await smtp?.close();
  await tiles?.close();
  assert.deepEqual(smtp?.problems ?? [], [], 'the mail server saw no protocol defects');
  assert.deepEqual(problems, [], 'no page errors or CSP violations');
});

describe('email verification and password reset in the web app', { concurrency: false }, () => {
  it('sign up, a new link from the profile, the old link refused, the new one confirms', async () => {
    email = await signUp(page, origin, 'Vera', uniqueEmail('vera'));
    const first = linkIn((await smtp.waitFor(email))[0], 'verify-email');

    await page.getByRole('link', { name: 'Profile' }).click();
    await page.getByTestId('email-state').filter({ hasText: 'not confirmed yet' }).waitFor();
    await page.getByRole('button', { name: 'Send the confirmation link again' }).click();
    await page.getByRole('status').filter({ hasText: `We sent a new link to ${email}.` }).waitFor();
    await screen(page, 'email-unconfirmed');
    const fresh = linkIn((await smtp.waitFor(email, { count: 2 }))[1], 'verify-email');
    assert.notEqual(fresh, first);

    await page.goto(first);
    await page.getByRole('alert').filter({ hasText: 'This link is not valid (any more).' }).waitFor();
    assert.equal(page.url(), `${origin}/verify-email`, 'the token left the address bar');
    await screen(page, 'verify-email-invalid');

    await page.goto(fresh);
    await page.getByRole('status').filter({ hasText: 'Your email address is confirmed.' }).waitFor();
    assert.equal(page.url(), `${origin}/verify-email`, 'the token left the address bar');
    await screen(page, 'verify-email');
    await page.getByRole('link', { name: 'To your profile' }).click();
    await page.getByRole('heading', { name: 'Profile' }).waitFor();
    await page.getByTestId('email-state').filter({ hasText: /^confirmed$/ }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Send the confirmation link again' }).count(), 0);
  });

  it('forgot password: the same answer for every address, a link, a new password, signed out', async () => {
    await other.goto(origin + '/');
    await other.getByRole('button', { name: 'Already have an account? Sign in' }).click();
    await other.getByRole('link', { name: 'Forgot password?' }).click();
    await other.getByRole('heading', { name: 'Forgot password?' }).waitFor();
    const sent = 'If an account exists for this address, we have sent it a link.';
    await other.getByLabel('Email').fill(uniqueEmail('nobody'));
    await other.getByRole('button', { name: 'Send link' }).click();
    await other.getByRole('status').filter({ hasText: sent }).waitFor();
    await other.getByLabel('Email').fill(email);
    await other.getByRole('button', { name: 'Send link' }).click();
    await other.getByRole('status').filter({ hasText: sent }).waitFor();
    await screen(other, 'forgot-password');
    const reset = linkIn((await smtp.waitFor(email, { count: 3 }))[2], 'reset-password');

    // Opened where Vera is still signed in: the reset ends that session too.
    await page.goto(reset);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    assert.equal(page.url(), `${origin}/reset-password`, 'the token left the address bar');
    const field = page.getByLabel('New password');
    assert.equal(await field.getAttribute('minlength'), '8');
    assert.equal(await field.getAttribute('maxlength'), '128');
    await page.getByText('8 to 128 characters.').waitFor();
    await field.fill(NEW_PASSWORD);
    await screen(page, 'reset-password');
    await page.getByRole('button', { name: 'Save new password' }).click();
    await page.getByRole('status').filter({ hasText: 'Your password has been changed.' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0, 'signed out locally');
    assert.equal(await page.evaluate(() => localStorage.getItem('gd.session')), null);
    await screen(page, 'reset-password-done');

    // A used link is refused with a clear message.
    await other.goto(reset);
    await other.getByLabel('New password').fill('another passphrase 99');
    await other.getByRole('button', { name: 'Save new password' }).click();
    await other.getByRole('alert').filter({ hasText: 'This link is not valid (any more).' }).waitFor();
    await screen(other, 'reset-password-invalid');

    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Tasks nearby' }).waitFor();
  });
});
