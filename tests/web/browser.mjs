// Browser test helpers: Debian's chromium driven by playwright-core (both from web/'s
// node_modules; no browser download), a stub map tile server, a PNG maker, axe-core checks
// and screenshots at a phone and a desktop size.
import { createRequire } from 'node:module';
import { readFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import assert from 'node:assert/strict';
import { PASSWORD } from '../api/harness.mjs';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const OUT = process.env.GOODDEEDS_WEB_TEST_OUT || path.resolve('web-test-output');
mkdirSync(OUT, { recursive: true });

export async function launch() {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  const args = ['--disable-dev-shm-usage', '--disable-gpu'];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath, headless: true, args });
}

export function newContext(browser, extra = {}) {
  return browser.newContext({
    locale: 'en-US',
    viewport: { width: 390, height: 844 },
    geolocation: { latitude: 52.52, longitude: 13.405 },
    permissions: ['geolocation'],
    ...extra,
  });
}

// A solid-colour RGB PNG of w x h (for photos and map tiles).
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function png(w = 64, h = 64, rgb = [40, 140, 80]) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td) >>> 0);
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3).map((_, i) => rgb[i % 3])]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

// Serves a grey tile for every /{z}/{x}/{y}.png and counts the requests.
export async function startTileServer() {
  const tile = png(256, 256, [220, 224, 218]);
  const server = http.createServer((req, res) => {
    server.hits += 1;
    res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' });
    res.end(tile);
  });
  server.hits = 0;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/{z}/{x}/{y}.png`, server, close: () => new Promise((r) => server.close(r)) };
}

// No serious or critical axe-core violations on the page as it is now.
export async function checkA11y(page, what) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`), [], `axe on ${what}`);
}

// Screenshots at a phone and a desktop size, then back to the phone size.
export async function shoot(page, name) {
  await page.screenshot({ path: path.join(OUT, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(OUT, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
}

// axe + screenshots: what every screen of the story gets.
export async function screen(page, name) {
  await checkA11y(page, name);
  await shoot(page, name);
}

// Signs a new person up in the app (English); answers the email.
export async function signUp(page, origin, name, email) {
  await page.goto(origin + '/');
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { name: 'Tasks nearby' }).waitFor();
  return email;
}

// Waits until the task page no longer says that its record is waiting for the server.
export async function synced(page) {
  await page.getByText('Not synced yet').waitFor({ state: 'detached', timeout: 15_000 });
}

// Fills the new-task form, at the device's location; submitTask posts it and answers its
// id once synced.
export async function fillTask(page, { title, description, reward, photo }) {
  await page.getByRole('link', { name: 'Ask for help' }).click();
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Description').fill(description);
  if (reward) await page.getByLabel('Reward in points').fill(String(reward));
  if (photo) await page.getByLabel('Photo (optional)').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: photo });
  await page.getByRole('button', { name: 'Use my location' }).click();
  await page.getByText(/Location set: /).waitFor();
}

export async function submitTask(page) {
  await page.getByRole('button', { name: 'Post task' }).click();
  await page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/);
  await synced(page);
  return page.url().split('/').pop();
}
