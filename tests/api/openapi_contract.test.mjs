// The OpenAPI document the server serves (docs/openapi.yaml, at /api/v1/openapi.json) against
// the server's own tables, as `gooddeeds describe routes|error-codes` prints them: every
// route (method + template) is an operation of the document and every operation a route,
// with the same authentication; every problem code of src/core/error_code.hpp is in
// Problem.code's enum and table with its status, and nothing else is; every code the
// document names under a response has that response's status. The running server answers
// every route describe lists (none is its router's 404 or 405), so describe cannot drift
// from what `serve` wires either.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runBinary } from './harness.mjs';

// Routes that are deliberately not operations of the document: the files the /docs page
// loads, and the web app's fallback (every other GET: index.html, assets, sw.js ...).
const ROUTES_NOT_DOCUMENTED = ['GET /docs/{file}', 'GET /*'];
// Operations that are not routes of their own: /config.json is one of the web app's files.
const DOCUMENTED_NOT_ROUTES = ['GET /config.json'];
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const SCHEMES = { bearerAuth: 'bearer', partnerApiKey: 'apiKey' };

let srv;
let doc;
let routes;
let codes;

async function describeJson(what) {
  const r = await runBinary(['describe', what]);
  assert.equal(r.code, 0, `describe ${what}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// Every operation of the document as "METHOD /full/path" → {op, pathItem}. A path item's own
// `servers` (the root, for /healthz, /media/{name} ...) replaces the document's /api/v1.
function operations() {
  const out = new Map();
  for (const [p, item] of Object.entries(doc.paths)) {
    const server = (item.servers ?? doc.servers)[0].url.replace(/\/$/, '');
    for (const m of METHODS) if (item[m]) out.set(`${m.toUpperCase()} ${server}${p}`, { op: item[m], item, path: p });
  }
  return out;
}

function routeKey(r) {
  return `${r.method} ${r.path}`;
}

function deref(x) {
  if (!x?.$ref) return x;
  const parts = x.$ref.replace(/^#\//, '').split('/');
  return parts.reduce((o, k) => o[k], doc);
}

function sameMembers(actual, expected, what) {
  const missing = expected.filter((x) => !actual.includes(x));
  const extra = actual.filter((x) => !expected.includes(x));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, what);
}

before(async () => {
  srv = await startServer();
  const res = await fetch(`${srv.base}/openapi.json`);
  assert.equal(res.status, 200);
  doc = await res.json();
  [routes, codes] = await Promise.all([describeJson('routes'), describeJson('error-codes')]);
});

after(async () => {
  await srv?.stop();
});

describe('the served OpenAPI document and the router', () => {
  it('describe answers --help, and refuses anything but routes or error-codes', async () => {
    const help = await runBinary(['describe', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /routes/);
    for (const args of [['describe'], ['describe', 'nope'], ['describe', 'routes', 'extra']]) {
      const r = await runBinary(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /usage: gooddeeds describe/, args.join(' '));
    }
  });

  it('describe routes lists the routes the running server answers', async () => {
    assert.ok(routes.length >= 60, `only ${routes.length} routes`);
    for (const key of ['POST /api/v1/auth/register', 'GET /api/v1/tasks', 'GET /api/v1/sync/pull',
      'POST /api/v1/sync/push', 'GET /healthz', 'GET /docs']) {
      assert.ok(routes.some((r) => routeKey(r) === key), `${key} is a route`);
    }
    // A route's template with sample values must reach that route: not the router's 404
    // ("No route for ...") and not a 405. No token is sent, so nothing is changed.
    const sample = { name: '0193a0b2-1c2d-7e3f-8a4b-5c6d7e8f9a0b.png', file: 'index.html' };
    for (const r of routes.filter((x) => !x.fallback)) {
      const path = r.path.replace(/\{(\w+)\}/g, (_, n) => sample[n] ?? '0193a0b2-1c2d-7e3f-8a4b-5c6d7e8f9a0b');
      const res = await fetch(srv.origin + path, { method: r.method, redirect: 'manual' });
      const body = await res.text();
      assert.notEqual(res.status, 405, `${routeKey(r)} → 405 ${body}`);
      assert.ok(!(res.status === 404 && body.includes('No route for')), `${routeKey(r)} → ${res.status} ${body}`);
    }
  });

  it('every route is an operation and every operation a route, but for the listed exceptions', () => {
    const ops = operations();
    const routeKeys = routes.map(routeKey);
    // The exceptions must still be what they say, or the lists go stale.
    for (const k of ROUTES_NOT_DOCUMENTED) {
      assert.ok(routeKeys.includes(k), `${k} is a route`);
      assert.ok(!ops.has(k), `${k} is not documented`);
    }
    for (const k of DOCUMENTED_NOT_ROUTES) {
      assert.ok(ops.has(k), `${k} is documented`);
      assert.ok(!routeKeys.includes(k), `${k} is not a route`);
    }
    sameMembers([...ops.keys()].filter((k) => !DOCUMENTED_NOT_ROUTES.includes(k)),
      routeKeys.filter((k) => !ROUTES_NOT_DOCUMENTED.includes(k)),
      'operations (missing: routes without an operation; extra: operations without a route)');
  });

  it('each operation asks for the authentication its route checks', () => {
    const ops = operations();
    const wrong = [];
    for (const r of routes) {
      const entry = ops.get(routeKey(r));
      if (!entry) continue;
      const security = entry.op.security ?? doc.security;
      const schemes = security.flatMap((s) => Object.keys(s));
      const auth = schemes.length === 0 ? 'none' : schemes.map((s) => SCHEMES[s] ?? s).join('|');
      if (auth !== r.auth) wrong.push(`${routeKey(r)}: document ${auth}, server ${r.auth}`);
      const adminTagged = (entry.op.tags ?? []).includes('admin');
      if (adminTagged !== (r.role === 'admin')) wrong.push(`${routeKey(r)}: tag admin ${adminTagged}, role ${r.role}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('operations whose route takes a JSON body require a JSON request body', () => {
    const ops = operations();
    const wrong = [];
    for (const r of routes.filter((x) => x.jsonBody)) {
      const body = deref(ops.get(routeKey(r))?.op.requestBody);
      const json = Object.keys(body?.content ?? {}).some((t) => t.startsWith('application/json'));
      if (!body?.required || !json) wrong.push(routeKey(r));
    }
    assert.deepEqual(wrong, []);
  });

  it('path templates declare exactly their path parameters', () => {
    const wrong = [];
    for (const [key, { op, item, path }] of operations()) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(deref)
        .filter((p) => p.in === 'path').map((p) => p.name).sort();
      if (JSON.stringify(inPath) !== JSON.stringify(declared)) wrong.push(`${key}: ${declared} vs ${inPath}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('no path repeats the server URL (a generated client would call /api/v1/api/v1/...)', () => {
    const doubled = Object.keys(doc.paths).filter((p) => p.startsWith('/api/'));
    assert.deepEqual(doubled, []);
  });
});

describe('the served OpenAPI document and the problem codes', () => {
  const status = () => new Map(codes.map((c) => [c.code, c.status]));
  const codeSchema = () => doc.components.schemas.Problem.properties.code;

  it('Problem.code lists every code of the server, in its order, and no other', () => {
    assert.ok(codes.length >= 50, `only ${codes.length} codes`);
    assert.ok(codes.some((c) => c.code === 'SYNC_CONFLICT' && c.status === 409));
    assert.deepEqual(codeSchema().enum, codes.map((c) => c.code));
  });

  it("Problem.code's table gives every code with the server's status", () => {
    const table = [...codeSchema().description.matchAll(/`([A-Z][A-Z0-9_]+)` (\d{3})/g)]
      .map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(table, codes.map((c) => `${c.code} ${c.status}`));
  });

  it('every code a response names is a code of the server with that response status', () => {
    const known = status();
    const wrong = [];
    let seen = 0;
    const check = (code, st, where) => {
      seen += 1;
      if (!known.has(code)) wrong.push(`${where}: unknown code ${code}`);
      else if (/^\d{3}$/.test(st) && String(known.get(code)) !== st) wrong.push(`${where}: ${code} is ${known.get(code)}, not ${st}`);
    };
    // `const` and example codes anywhere below a response, and codes named in its description.
    const walk = (x, st, where) => {
      if (Array.isArray(x)) return x.forEach((v) => walk(v, st, where));
      if (!x || typeof x !== 'object') return;
      if (typeof x.code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(x.code)) check(x.code, st, where);
      if (x.code && typeof x.code.const === 'string') check(x.code.const, st, where);
      for (const [k, v] of Object.entries(x)) if (k !== 'code') walk(v, st, where);
    };
    for (const [key, { op }] of operations()) {
      for (const [st, raw] of Object.entries(op.responses ?? {})) {
        const res = deref(raw);
        for (const m of (res.description ?? '').matchAll(/\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b/g)) {
          if (!m[1].startsWith('GOODDEEDS_')) check(m[1], st, `${key} ${st}`);
        }
        walk(res.content, st, `${key} ${st}`);
      }
    }
    assert.ok(seen >= 100, `only ${seen} codes named under responses`);
    assert.deepEqual(wrong, []);
  });
});
