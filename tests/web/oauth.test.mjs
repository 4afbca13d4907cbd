// Sign-in with Google from the web app in Chromium: the button the server's /config.json
// asks for, the round trip through the fake provider's authorization endpoint (PKCE S256,
// state, nonce), the callback route posting the code, and the person signed in; a callback
// whose state this tab did not start signs nobody in. Apple's button appears beside it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer, api, expectStatus, uniqueEmail } from '../api/harness.mjs';
import { startOidcFake } from '../fakes/oidc_provider.mjs';
import { launch, newContext, screen } from './browser.mjs';

let fake, srv, browser, ctx, page;

before(async () => {
  const apple = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  fake = await startOidcFake({ clientIds: { google: ['web.google.test'], apple: ['org.gooddeeds.web'] },
    googleSecret: 'web-secret', apple: { teamId: 'T', keyId: 'K', publicKey: apple.publicKey } });
  const webDir = process.env.GOODDEEDS_WEB_DIR ? ['--web-dir', process.env.GOODDEEDS_WEB_DIR] : [];
  srv = await startServer({ args: ['--oauth-google-client-ids', 'web.google.test', '--oauth-google-client-secret', 'web-secret',
    ...fake.flags('google'), '--oauth-apple-client-ids', 'org.gooddeeds.web', ...fake.flags('apple'), ...webDir] });
  browser = await launch();
  ctx = await newContext(browser);
  page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  await fake?.stop();
});

describe('sign-in with a provider in the browser', () => {
  it('a forged callback signs nobody in', async () => {
    await page.goto(`${srv.origin}/oauth/callback?code=stolen&state=not-mine`);
    await page.getByText('Signing in with the provider did not work.').waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(fake.google.exchanges, 0);
  });

  it('Continue with Google goes to the provider and back, signed in', async () => {
    const email = uniqueEmail('browser');
    fake.google.nextUser = { sub: `browser-${crypto.randomUUID()}`, email, email_verified: true, name: 'Browser Person' };
    await page.goto(`${srv.origin}/`);
    await page.getByRole('button', { name: 'Continue with Apple' }).waitFor();
    await screen(page, 'oauth-sign-in');
    await page.getByRole('button', { name: 'Continue with Google' }).click();
    await page.getByRole('heading', { name: 'Tasks nearby' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(fake.google.exchanges, 1, `token endpoint refusals: ${fake.google.rejected.join('; ')}`);
    const session = await page.evaluate(() => JSON.parse(localStorage.getItem('gd.session')));
    assert.equal(session.user.email, email);
    assert.deepEqual(session.user.identities, ['google']);
    const refreshed = await api(srv.base).post('/auth/refresh', { body: { refreshToken: session.refreshToken } });
    expectStatus(refreshed, 200, 'the session is a real one');
  });
});
