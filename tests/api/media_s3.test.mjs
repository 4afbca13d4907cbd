// Media on an S3-compatible store (API.md "Running on several nodes": --media-store s3://...):
// two `gooddeeds serve` processes on one database and one bucket (tests/fakes/s3_server.mjs,
// which verifies the SigV4 signature of every request). An image uploaded through node A is
// stored stripped of its metadata and served by node B with the bytes and headers of the local
// store; a store that fails, stalls or is down, or refuses our keys, is a 503 with Retry-After,
// never a 500, and leaves no profile or task pointing at an object that is not there.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer, api, registerUser, assertProblem, expectStatus, runBinary } from './harness.mjs';
import { startFakeS3 } from '../fakes/s3_server.mjs';

const BUCKET = 'gooddeeds-media';
const REGION = 'eu-central-1';
const KEY = { accessKeyId: 'AKIDGOODDEEDSTEST', secret: 'tEsT/sEcReT+kEy/0123456789abcdefghijklmn' };
const TEMP_KEY = { accessKeyId: 'ASIAGOODDEEDSTEMP', secret: 'temporary/secret', sessionToken: 'FwoGZXIvYXdzE//token+with/slashes==' };
const COMMENT = 'taken at 52.5200N 13.4050E';

// ---- a PNG that carries metadata ------------------------------------------------------

function chunk(type, data) {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([head, body, crc]);
}

// RGB noise (24x16 unless told) with a text chunk naming a place and an eXIf chunk (a TIFF header whose
// IFD0 points at a GPS IFD): what the server must strip before anything is stored.
function pngWithMetadata(width = 24, height = 16) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = randomBytes(height * (1 + width * 3));
  for (let row = 0; row < height; row++) raw[row * (1 + width * 3)] = 0;  // filter: none
  const exif = Buffer.from('4d4d002a00000008000188250004000000010000001a00000000000100010002000000024e000000000000', 'hex');
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('tEXt', Buffer.from(`Comment\0${COMMENT}`, 'latin1')),
    chunk('eXIf', exif),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunkTypes(buf) {
  const types = [];
  for (let i = 8; i + 8 <= buf.length; i += 12 + buf.readUInt32BE(i)) types.push(buf.toString('latin1', i + 4, i + 8));
  return types;
}

// ---- helpers ------------------------------------------------------------------------------

function storeArgs(s3, extra = []) {
  const endpoint = encodeURIComponent(s3.endpoint);
  return ['--media-store', `s3://${BUCKET}?endpoint=${endpoint}&region=${REGION}`,
    '--s3-retry-base-ms', '20', ...extra];
}

async function upload(srv, token, bytes = pngWithMetadata()) {
  const res = await fetch(`${srv.base}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' },
    body: bytes,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: /json/.test(res.headers.get('content-type') || '') ? JSON.parse(text) : text };
}

// The client's flow: upload, and only with a 201 put the URL on the profile.
async function setAvatar(srv, token) {
  const res = await upload(srv, token);
  if (res.status === 201) {
    const patched = await api(srv.base).patch('/users/me', { token, body: { avatarUrl: res.body.url } });
    expectStatus(patched, 200, 'PATCH avatarUrl');
  }
  return res;
}

function objectOf(s3, url) {
  return s3.objects.get(`${BUCKET}/${url.slice('/media/'.length)}`);
}

function assertUnavailable(res, what) {
  assert.notEqual(res.status, 500, `${what}: never a 500: ${res.text}`);
  const body = assertProblem(res, 503, 'SERVICE_UNAVAILABLE', what);
  assert.match(res.headers.get('retry-after') || '', /^\d+$/, `${what}: Retry-After`);
  return body;
}

// ---- tests ----------------------------------------------------------------------------------

describe('media on an S3-compatible store, two nodes', () => {
  let s3, a, b, user;

  before(async () => {
    s3 = await startFakeS3({ accounts: [KEY, TEMP_KEY], buckets: [BUCKET], region: REGION });
    // Node A takes its keys from the AWS_* variables, node B from the flags.
    a = await startServer({
      args: storeArgs(s3),
      env: { AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: KEY.secret },
    });
    b = await startServer({
      sameDatabaseAs: a,
      args: storeArgs(s3, ['--s3-access-key-id', KEY.accessKeyId, '--s3-secret-access-key', KEY.secret]),
    });
    user = await registerUser(a.base);
  });

  after(async () => {
    await b?.stop();
    await a?.stop();
    await s3?.stop();
  });

  it('an upload through A is in the bucket, stripped, and B serves it with the same headers', async () => {
    const before = s3.log.length;
    const res = await upload(a, user.accessToken);
    assert.equal(res.status, 201, res.text);
    assert.match(res.body.url, /^\/media\/[0-9a-f-]{36}\.png$/);
    const obj = objectOf(s3, res.body.url);
    assert.ok(obj, 'the object is in the bucket once the 201 is out');
    assert.equal(obj.contentType, 'image/png');
    assert.deepEqual(pngChunkTypes(obj.body).filter((t) => t === 'tEXt' || t === 'eXIf' || t === 'iTXt' || t === 'zTXt'), []);
    assert.ok(!obj.body.includes(Buffer.from(COMMENT)), 'the place named in the text chunk is gone');
    assert.deepEqual(s3.log.slice(before).map((e) => [e.method, e.outcome]), [['PUT', 'ok']]);
    assert.ok(!existsSync(path.join(a.dataDir, 'media')) || readdirSync(path.join(a.dataDir, 'media')).length === 0,
      'nothing is written to the local media directory');

    const got = await fetch(b.origin + res.body.url);
    assert.equal(got.status, 200);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), obj.body);
    assert.equal(got.headers.get('content-type'), 'image/png');
    assert.equal(got.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(got.headers.get('etag'), `"${res.body.url.slice('/media/'.length)}"`);
    assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(s3.log.at(-1).method, 'GET');

    const again = await fetch(b.origin + res.body.url, { headers: { 'if-none-match': got.headers.get('etag') } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('etag'), got.headers.get('etag'));
    assert.deepEqual([s3.log.at(-1).method, s3.log.at(-1).outcome], ['HEAD', 'ok'], 'a revalidation only asks whether it is there');
  });

  it('a larger image is streamed to the client in ranged GETs of --s3-get-chunk-bytes', async () => {
    const res = await upload(a, user.accessToken, pngWithMetadata(160, 120));
    assert.equal(res.status, 201, res.text);
    const obj = objectOf(s3, res.body.url);
    assert.ok(obj.body.length > 8 * 1024, `a PNG of ${obj.body.length} bytes`);
    const c = await startServer({
      sameDatabaseAs: a,
      args: storeArgs(s3, ['--s3-get-chunk-bytes', '4096']),
      env: { AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: KEY.secret },
    });
    try {
      const before = s3.log.length;
      const got = await fetch(c.origin + res.body.url);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-type'), 'image/png');
      assert.equal(got.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(got.headers.get('etag'), `"${res.body.url.slice('/media/'.length)}"`);
      assert.deepEqual(Buffer.from(await got.arrayBuffer()), obj.body);
      const ranges = s3.log.slice(before).map((e) => [e.method, e.outcome, e.range]);
      const expected = [];
      for (let from = 0; from < obj.body.length; from += 4096) {
        expected.push(['GET', 'ok', [from, Math.min(from + 4095, obj.body.length - 1)]]);
      }
      assert.deepEqual(ranges, expected);

      const headStart = s3.log.length;
      const head = await fetch(c.origin + res.body.url, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-type'), 'image/png');
      assert.equal(head.headers.get('etag'), got.headers.get('etag'));
      assert.deepEqual(s3.log.slice(headStart).map((e) => e.range), [[0, 4095]], 'a HEAD reads no more than the first piece');

      // The store fails after the first piece: the body ends early, it is never passed off whole.
      const failing = s3.log.length;
      s3.failNext(3, 500, 1);
      const partial = await fetch(c.origin + res.body.url);
      assert.equal(partial.status, 200);
      await assert.rejects(partial.arrayBuffer(), 'a body cut short is an error for the client');
      assert.deepEqual(s3.log.slice(failing).map((e) => e.outcome), ['ok', 'injected', 'injected', 'injected']);
    } finally {
      await c.stop();
    }
  });

  it('every request the store received carried a valid signature', () => {
    assert.ok(s3.log.length >= 3);
    for (const e of s3.log) assert.ok(e.outcome === 'ok' || e.outcome === 'injected', `${e.method} ${e.path}: ${e.outcome}`);
  });

  it('an unknown name is a 404 from the store, a malformed one a 404 without asking it', async () => {
    const unknown = await api(b.origin).get('/media/00000000-0000-4000-8000-000000000000.jpg');
    assertProblem(unknown, 404, 'NOT_FOUND');
    assert.deepEqual([s3.log.at(-1).method, s3.log.at(-1).outcome], ['GET', 'NoSuchKey']);
    const revalidate = await api(b.origin).get('/media/00000000-0000-4000-8000-000000000000.jpg',
      { headers: { 'if-none-match': '"00000000-0000-4000-8000-000000000000.jpg"' } });
    assertProblem(revalidate, 404, 'NOT_FOUND');
    const count = s3.log.length;
    assertProblem(await api(b.origin).get('/media/..%2Fsecret.jpg'), 404, 'NOT_FOUND');
    assertProblem(await api(b.origin).get('/media/notauuid.png'), 404, 'NOT_FOUND');
    assert.equal(s3.log.length, count, 'a malformed name never reaches the store');
  });

  it('a 5xx from the store is retried, and the upload still succeeds', async () => {
    const before = s3.log.length;
    s3.failNext(2, 503);
    const res = await upload(a, user.accessToken);
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(s3.log.slice(before).map((e) => e.outcome), ['injected', 'injected', 'ok']);
    assert.ok(objectOf(s3, res.body.url));
  });

  it('a store that keeps failing is a 503 with Retry-After after the retries', async () => {
    const before = s3.log.length;
    s3.failNext(3, 500);
    assertUnavailable(await upload(a, user.accessToken), 'upload');
    assert.deepEqual(s3.log.slice(before).map((e) => [e.method, e.outcome]),
      [['PUT', 'injected'], ['PUT', 'injected'], ['PUT', 'injected']], 'one attempt and --s3-retries (2) more');
  });

  it('a store that is down: uploads and reads are 503, and no profile points at a missing object', async () => {
    const first = await setAvatar(a, user.accessToken);
    assert.equal(first.status, 201, first.text);
    await s3.down();
    try {
      const objects = s3.objects.size;
      const res = await setAvatar(a, user.accessToken);
      assertUnavailable(res, 'upload with the store down');
      assert.equal(s3.objects.size, objects);
      assertUnavailable(await api(b.origin).get(first.body.url), 'GET /media with the store down');
      const me = await api(b.base).get('/users/me', { token: user.accessToken });
      assert.equal(me.body.avatarUrl, first.body.url, 'the profile keeps the image that is stored');
    } finally {
      await s3.up();
    }
    const me = await api(b.base).get('/users/me', { token: user.accessToken });
    assert.ok(objectOf(s3, me.body.avatarUrl), 'the avatar names an object in the bucket');
    const back = await fetch(b.origin + me.body.avatarUrl);
    assert.equal(back.status, 200);
    await back.arrayBuffer();
  });
});

describe('media store failures on their own servers', () => {
  let s3;
  before(async () => {
    s3 = await startFakeS3({ accounts: [KEY, TEMP_KEY], buckets: [BUCKET], region: REGION });
  });
  after(async () => s3?.stop());

  it('a wrong secret: the store refuses the signature, the upload fails cleanly with 503', async () => {
    const srv = await startServer({
      args: storeArgs(s3, ['--s3-access-key-id', KEY.accessKeyId, '--s3-secret-access-key', `${KEY.secret}x`]),
    });
    try {
      const u = await registerUser(srv.base);
      const before = s3.log.length;
      const objects = s3.objects.size;
      assertUnavailable(await setAvatar(srv, u.accessToken), 'upload with a wrong secret');
      assert.deepEqual(s3.log.slice(before).map((e) => [e.method, e.outcome]), [['PUT', 'SignatureDoesNotMatch']],
        'refused once, and a refusal is not retried');
      assert.equal(s3.objects.size, objects);
      const me = await api(srv.base).get('/users/me', { token: u.accessToken });
      assert.equal(me.body.avatarUrl, null);
      assertUnavailable(await api(srv.origin).get('/media/00000000-0000-4000-8000-000000000000.png'), 'GET');
    } finally {
      await srv.stop();
    }
  });

  it('temporary credentials: the session token is sent and signed', async () => {
    const srv = await startServer({
      args: storeArgs(s3),
      env: { AWS_ACCESS_KEY_ID: TEMP_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: TEMP_KEY.secret, AWS_SESSION_TOKEN: TEMP_KEY.sessionToken },
    });
    try {
      const u = await registerUser(srv.base);
      const res = await upload(srv, u.accessToken);
      assert.equal(res.status, 201, res.text);
      assert.equal(s3.log.at(-1).outcome, 'ok');
      const got = await fetch(srv.origin + res.body.url);
      assert.equal(got.status, 200);
      assert.deepEqual(Buffer.from(await got.arrayBuffer()), objectOf(s3, res.body.url).body);
    } finally {
      await srv.stop();
    }
  });

  it('a store that stalls: each attempt ends at --s3-timeout-ms, then 503', async () => {
    const srv = await startServer({
      args: storeArgs(s3, ['--s3-timeout-ms', '300', '--s3-retries', '1']),
      env: { AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: KEY.secret },
    });
    s3.hang(true);
    try {
      const u = await registerUser(srv.base);
      const before = s3.log.length;
      const started = Date.now();
      assertUnavailable(await upload(srv, u.accessToken), 'upload to a stalled store');
      const took = Date.now() - started;
      assert.ok(took >= 600 && took < 5000, `two attempts of 300 ms, took ${took} ms`);
      assert.deepEqual(s3.log.slice(before).map((e) => e.outcome), ['hung', 'hung']);
    } finally {
      s3.hang(false);
      await srv.stop();
    }
  });

  it('serve refuses a bad --media-store or an s3 store without keys at start', async () => {
    const env = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };
    for (const [args, message] of [
      [['--media-store', 'ftp://bucket'], /dir:PATH or s3:\/\//],
      [['--media-store', `s3://${BUCKET}?endpoint=ftp://x`], /endpoint/],
      [['--media-store', `s3://${BUCKET}?bucketstyle=virtual`], /unknown or empty parameter/],
      [['--media-store', 's3://x'], /not a bucket name/],
      [['--media-store', `s3://${BUCKET}`], /needs --s3-access-key-id/],
    ]) {
      const r = await runBinary(['serve', '--listen', '127.0.0.1:1', '--database', 'sqlite::memory:', ...args], env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});
