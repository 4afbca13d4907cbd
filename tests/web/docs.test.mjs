// The API reference at /docs in Chromium against the real server: Swagger UI, built into the
// binary, renders the document the server serves (its title, the /tasks operations), with
// no console error, no CSP violation, no failed request and no request to any other host;
// "Try it out" reaches the API under the document's server URL (/api/v1/partners, not
// /api/v1/api/v1/...) and an operational endpoint at the root (/healthz).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../api/harness.mjs';
import path from 'node:path';
import { launch, newContext, OUT } from './browser.mjs';

let srv, browser, ctx, page;
const problems = [];
const requests = [];

before(async () => {
  const webDir = process.env.GOODDEEDS_WEB_DIR ? ['--web-dir', process.env.GOODDEEDS_WEB_DIR] : [];
  srv = await startServer({ args: webDir });
  browser = await launch();
  ctx = await newContext(browser, { viewport: { width: 1280, height: 800 } });
  page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('request', (r) => requests.push(r.url()));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} for ${r.url()}`); });
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

// One operation's block, opened, "Try it out", "Execute": the request URL Swagger UI shows
// and the status it got.
async function tryOut(tag, operationId) {
  const op = page.locator(`#operations-${tag}-${operationId}`);
  await op.locator('.opblock-summary').click();
  await op.getByRole('button', { name: 'Try it out' }).click();
  await op.getByRole('button', { name: 'Execute' }).click();
  const status = op.locator('.live-responses-table tbody .response-col_status');
  await status.first().waitFor({ timeout: 30_000 });
  return { url: await op.locator('.request-url pre').innerText(), status: (await status.first().innerText()).trim() };
}

describe('the API reference at /docs', () => {
  it('renders the served document: its title and the /tasks operations', async () => {
    const doc = await (await fetch(`${srv.base}/openapi.json`)).json();
    await page.goto(`${srv.origin}/docs`);
    const title = page.locator('.information-container .title');
    await title.waitFor({ timeout: 60_000 });
    assert.match(await title.innerText(), new RegExp(`^${doc.info.title}`));
    assert.equal(doc.info.title, 'Good Deeds API');
    const paths = page.locator('#operations-tag-tasks').locator('xpath=..').locator('.opblock-summary-path');
    await paths.first().waitFor({ timeout: 30_000 });
    const shown = await paths.allInnerTexts();
    for (const p of ['/tasks', '/tasks/{id}', '/tasks/{id}/confirm'])
      assert.ok(shown.some((s) => s.replace(/\u200b/g, '') === p), `${p} among ${shown.join(', ')}`);
    // Every operation of the document is on the page.
    const count = Object.values(doc.paths).flatMap((item) => Object.keys(item).filter((k) => ['get', 'post', 'put', 'patch', 'delete'].includes(k))).length;
    assert.equal(await page.locator('.opblock').count(), count);
  });

  it('"Try it out" calls the API under /api/v1 and operations at the root', async () => {
    const partners = await tryOut('partners', 'listPartners');
    assert.equal(partners.url, `${srv.origin}/api/v1/partners?limit=20`);
    assert.equal(partners.status, '200');
    const health = await tryOut('operations', 'healthz');
    assert.equal(health.url, `${srv.origin}/healthz`);
    assert.equal(health.status, '200');
  });

  it('opens the Authorize dialog with the bearer and API key schemes', async () => {
    await page.getByRole('button', { name: /Authorize/ }).first().click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.waitFor();
    const text = await dialog.innerText();
    assert.match(text, /bearerAuth/);
    assert.match(text, /partnerApiKey/);
    await dialog.getByRole('button', { name: 'Close' }).first().click();
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(OUT, 'api-docs-desktop.png') });
  });

  it('had no console error, failed request or request to another host', () => {
    assert.deepEqual(problems, []);
    const foreign = requests.filter((u) => !u.startsWith(`${srv.origin}/`) && !u.startsWith('data:'));
    assert.deepEqual(foreign, []);
    for (const must of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/api/v1/openapi.json'])
      assert.ok(requests.includes(srv.origin + must), `${must} was loaded`);
  });
});
