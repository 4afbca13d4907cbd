// The API reference at /docs (API.md: no auth), served by the web module from the web build's
// docs/: the page at /docs and /docs/, its files at /docs/{file}, with a Content-Security-
// Policy of its own that is as strict as the app's but names no tile host; nothing else under
// /docs; a short page saying so when the build has no docs/ (GOODDEEDS_WEB=OFF). The browser
// side (Swagger UI renders the served document) is tests/web/docs.test.mjs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, rawRequest, rawStatus } from './harness.mjs';

const TILES = 'https://{s}.tiles.example.test/{z}/{x}/{y}.png';
const DOCS_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
const PAGE = '<!doctype html><title>reference</title><script src="/docs/r.js"></script>';

let root;
let withDocs;
let withoutDocs;

async function fakeBuild(name, docs) {
  const dist = path.join(root, name);
  await mkdir(path.join(dist, 'docs'), { recursive: true });
  await writeFile(path.join(dist, 'index.html'), '<!doctype html><title>app shell</title>');
  if (docs) {
    await writeFile(path.join(dist, 'docs', 'index.html'), PAGE);
    await writeFile(path.join(dist, 'docs', 'r.js'), 'window.r = 1;');
  }
  return dist;
}

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'gd-docs-'));
  const [a, b] = await Promise.all([fakeBuild('with', true), fakeBuild('without', false)]);
  [withDocs, withoutDocs] = await Promise.all([
    startServer({ args: ['--web-dir', a, '--map-tiles-url', TILES] }),
    startServer({ args: ['--web-dir', b, '--map-tiles-url', TILES] }),
  ]);
});

after(async () => {
  await Promise.all([withDocs?.stop(), withoutDocs?.stop()]);
  if (root) await rm(root, { recursive: true, force: true });
});

describe('/docs from a web build', { concurrency: true }, () => {
  it('serves the page at /docs and /docs/ without a token, with the docs policy', async () => {
    for (const p of ['/docs', '/docs/']) {
      const res = await fetch(`${withDocs.origin}${p}`);
      assert.equal(res.status, 200, p);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8', p);
      assert.equal(res.headers.get('content-security-policy'), DOCS_CSP, p);
      assert.equal(res.headers.get('cache-control'), 'no-cache', p);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', p);
      assert.equal(await res.text(), PAGE, p);
    }
  });

  it("serves the page's files with the same policy; the app keeps its own", async () => {
    const js = await fetch(`${withDocs.origin}/docs/r.js`);
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('content-security-policy'), DOCS_CSP);
    assert.equal(await js.text(), 'window.r = 1;');
    const app = await fetch(`${withDocs.origin}/`);
    const appCsp = app.headers.get('content-security-policy');
    assert.notEqual(appCsp, DOCS_CSP);
    assert.match(appCsp, /tiles\.example\.test/);
    assert.ok(!DOCS_CSP.includes('unsafe'), 'no unsafe-inline or unsafe-eval');
  });

  it('revalidates with the ETag and answers HEAD without a body', async () => {
    const first = await fetch(`${withDocs.origin}/docs`);
    const again = await fetch(`${withDocs.origin}/docs`, { headers: { 'if-none-match': first.headers.get('etag') } });
    assert.equal(again.status, 304);
    const head = await fetch(`${withDocs.origin}/docs/r.js`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('has nothing else under /docs: missing files, app files and traversal are 404', async () => {
    for (const p of ['/docs/nope.js', '/docs/index.htm', '/docs/a/b.js', '/docs/tasks']) {
      const res = await fetch(`${withDocs.origin}${p}`, { headers: { accept: 'text/html' } });
      assert.equal(res.status, 404, p);
      assert.equal((await res.json()).code, 'NOT_FOUND', p);
    }
    for (const target of ['/docs/../index.html', '/docs/%2e%2e/index.html', '/docs/..%2findex.html']) {
      const text = await rawRequest(withDocs.port, [`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
      assert.ok(!text.includes('app shell'), `${target}: ${text.slice(0, 200)}`);
      assert.notEqual(rawStatus(text), 200, target);
    }
  });

  it('is read-only: other methods are 405 with Allow: GET', async () => {
    for (const p of ['/docs', '/docs/r.js']) {
      const res = await fetch(`${withDocs.origin}${p}`, { method: 'POST' });
      assert.equal(res.status, 405, p);
      assert.match(res.headers.get('allow'), /GET/, p);
    }
  });
});

describe('/docs without the reference in the build', () => {
  it('answers a short page saying it was not built, pointing at the JSON document', async () => {
    const res = await fetch(`${withoutDocs.origin}/docs`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('content-security-policy'), DOCS_CSP);
    const html = await res.text();
    assert.match(html, /not built/);
    assert.match(html, /href="\/api\/v1\/openapi\.json"/);
    assert.equal((await fetch(`${withoutDocs.origin}/docs/swagger-ui-bundle.js`)).status, 404);
  });
});

describe('/docs built into the binary', () => {
  it('is Swagger UI with its files when the web app is built in, else the short page', async () => {
    const own = await startServer();
    try {
      const res = await fetch(`${own.origin}/docs`);
      assert.equal(res.status, 200);
      const html = await res.text();
      if (!html.includes('swagger-ui-bundle.js')) {
        assert.match(html, /not built/);  // GOODDEEDS_WEB=OFF
        return;
      }
      for (const [p, type] of [['/docs/swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
        ['/docs/swagger-ui.css', 'text/css; charset=utf-8'], ['/docs/init.js', 'text/javascript; charset=utf-8'],
        ['/docs/swagger-ui-LICENSE.txt', 'text/plain; charset=utf-8']]) {
        const file = await fetch(`${own.origin}${p}`);
        assert.equal(file.status, 200, p);
        assert.equal(file.headers.get('content-type'), type, p);
        assert.ok((await file.arrayBuffer()).byteLength > 0, p);
      }
      const init = await (await fetch(`${own.origin}/docs/init.js`)).text();
      assert.match(init, /url: '\/api\/v1\/openapi\.json'/);
      assert.match(init, /validatorUrl: null/);
    } finally {
      await own.stop();
    }
  });
});
