// The web app's files at / (API.md "Web app"): content types, caching (immutable hashed
// assets, no-cache for the shell), ETag revalidation, the Content-Security-Policy with the
// tile host, /config.json, the SPA fallback for app routes, no shadowing of the API and
// operations, and path traversal refused. A fake build in a temp dir is served with
// --web-dir, so this runs whether or not the binary embeds the real app.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtemp, mkdir, writeFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './harness.mjs';

const TILES = 'https://{s}.tiles.example.test/{z}/{x}/{y}.png';
let srv;
let root;

// A request sent byte for byte (fetch would normalise "..": the point is that we don't).
function rawGet(port, target, headers = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    sock.on('data', (d) => { data += d.toString('latin1'); });
    sock.on('error', reject);
    sock.on('end', () => resolve({ status: Number(data.split(' ')[1]), text: data }));
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    sock.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${extra}\r\n`);
  });
}

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'gd-web-'));
  const dist = path.join(root, 'dist');
  await mkdir(path.join(dist, 'assets'), { recursive: true });
  await writeFile(path.join(dist, 'index.html'), '<!doctype html><title>app shell</title>');
  await writeFile(path.join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(path.join(dist, 'assets', 'index-abc123.css'), 'body{}');
  await writeFile(path.join(dist, 'sw.js'), 'self.x=1');
  await writeFile(path.join(dist, 'manifest.webmanifest'), '{}');
  await writeFile(path.join(root, 'secret.txt'), 'top secret');
  await symlink(path.join(root, 'secret.txt'), path.join(dist, 'leak.txt'));
  srv = await startServer({ args: ['--web-dir', dist, '--map-tiles-url', TILES] });
});

after(async () => {
  await srv?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('web app serving', { concurrency: true }, () => {
  it('serves index.html at / with no-cache, an ETag and the CSP naming the tile host', async () => {
    const res = await fetch(`${srv.origin}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.match(res.headers.get('etag'), /^"[0-9a-f]+-[0-9a-f]+"$/);
    const csp = res.headers.get('content-security-policy');
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /img-src [^;]*https:\/\/\*\.tiles\.example\.test/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await res.text(), '<!doctype html><title>app shell</title>');
  });

  it('hashed assets are immutable for a year; the shell files are no-cache', async () => {
    const js = await fetch(`${srv.origin}/assets/index-abc123.js`);
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const css = await fetch(`${srv.origin}/assets/index-abc123.css`);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    for (const [p, type] of [['/sw.js', 'text/javascript; charset=utf-8'],
      ['/manifest.webmanifest', 'application/manifest+json; charset=utf-8']]) {
      const res = await fetch(`${srv.origin}${p}`);
      assert.equal(res.status, 200, p);
      assert.equal(res.headers.get('content-type'), type, p);
      assert.equal(res.headers.get('cache-control'), 'no-cache', p);
    }
  });

  it('answers a matching If-None-Match with 304 and no body', async () => {
    const first = await fetch(`${srv.origin}/assets/index-abc123.js`);
    const etag = first.headers.get('etag');
    const again = await fetch(`${srv.origin}/assets/index-abc123.js`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');
    const other = await fetch(`${srv.origin}/assets/index-abc123.js`, { headers: { 'if-none-match': '"nope"' } });
    assert.equal(other.status, 200);
  });

  it('HEAD answers like GET without a body', async () => {
    const res = await fetch(`${srv.origin}/`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.equal(await res.text(), '');
  });

  it('serves /config.json with the map tile URL', async () => {
    const res = await fetch(`${srv.origin}/config.json`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.deepEqual(await res.json(), { mapTilesUrl: TILES });
  });

  it('falls back to index.html for app routes asked for as HTML, not for files or other methods', async () => {
    const html = { accept: 'text/html,application/xhtml+xml' };
    for (const p of ['/tasks', '/tasks/0193a0b2-1c2d-7e3f-8a4b-5c6d7e8f9a0b', '/points/history']) {
      const res = await fetch(`${srv.origin}${p}`, { headers: html });
      assert.equal(res.status, 200, p);
      assert.equal(await res.text(), '<!doctype html><title>app shell</title>', p);
    }
    const json = await fetch(`${srv.origin}/tasks`, { headers: { accept: 'application/json' } });
    assert.equal(json.status, 404);
    const missingAsset = await fetch(`${srv.origin}/assets/index-old999.js`, { headers: html });
    assert.equal(missingAsset.status, 404);
    const missingFile = await fetch(`${srv.origin}/favicon.ico`, { headers: html });
    assert.equal(missingFile.status, 404);
    const post = await fetch(`${srv.origin}/tasks`, { method: 'POST', headers: html });
    assert.equal(post.status, 404);
  });

  it('never shadows the API, media and operations', async () => {
    const html = { accept: 'text/html' };
    for (const p of ['/api/v1/nope', '/api', '/api/v1', '/media/nope.jpg', '/metrics/x', '/healthz/x']) {
      const res = await fetch(`${srv.origin}${p}`, { headers: html });
      assert.equal(res.status, 404, p);
      assert.match(res.headers.get('content-type'), /application\/problem\+json/, p);
      assert.equal((await res.json()).code, 'NOT_FOUND', p);
    }
    assert.equal((await fetch(`${srv.origin}/healthz`, { headers: html })).status, 200);
    assert.equal((await fetch(`${srv.origin}/api/v1/openapi.json`, { headers: html })).status, 200);
    const me = await fetch(`${srv.origin}/api/v1/users/me`, { headers: html });
    assert.equal(me.status, 401);
    assert.equal((await fetch(`${srv.origin}/api/v1/users/me`, { method: 'PUT' })).status, 405);
  });

  it('refuses path traversal and symlinks that lead out of the build', async () => {
    for (const target of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt', '/..%2fsecret.txt', '/leak.txt', '/assets%5c..%5c..%5csecret.txt']) {
      const res = await rawGet(srv.port, target, { accept: 'text/html' });
      assert.ok(!res.text.includes('top secret'), target);
      assert.notEqual(res.status, 200, `${target}: ${res.text.slice(0, 200)}`);
    }
  });
});

describe('the web app built into the binary', () => {
  it('answers / with HTML (the app, or a page saying it was not built)', async () => {
    const own = await startServer();
    try {
      const res = await fetch(`${own.origin}/`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(await res.text(), /Good Deeds/);
      const cfg = await (await fetch(`${own.origin}/config.json`)).json();
      assert.equal(cfg.mapTilesUrl, 'https://tile.openstreetmap.org/{z}/{x}/{y}.png');
    } finally {
      await own.stop();
    }
  });
});
