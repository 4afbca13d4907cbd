// Images contract (API.md "Images"): POST /api/v1/uploads re-encodes a JPEG, PNG or WebP
// without its metadata, GET /media/{name} serves it publicly and immutably; every refusal
// leaves <dataDir>/media as it was.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  startServer, api, registerUser, assertProblem, rawRequest, rawStatus, UUID_RE,
} from './harness.mjs';

// A 48x32 noise JPEG without any metadata, made once with libvips (vips_gaussnoise +
// vips_jpegsave_buffer Q=60 strip).
const PLAIN_JPEG = Buffer.from(
  '/9j/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdBRkxOUlNSMj5aYVpQYEpRUk//wAAL' +
  'CAAgADABAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEG' +
  'E1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4' +
  'eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6' +
  '/9oACAEBAAA/AFUpLYqHWZF8w42jYG6YPKjgYQZHpnHI215FliRZNgi58tA4L8DJ3EYyD8wwuRj5vQVPBax2qOkSSSoAcbgqlmyQ' +
  'c+pAz6/rgtiOyMFoYxFHMgUs2CAG4GVHsepxgd+gkiK2iPc3SSbXwWaJd23k5C55GWIPQYxk5zSIYIYzMGknjbYfLjUyLICGY5I4' +
  'DZGAM/XnJqCZ5Z4olknjMUR2kMpLb9qn5srjO5kAPQ56DOamMMyQqsMKyqUCq0YVyp+U8LwQeSABk8c+zofM+zsDHCLlmI3FeS+O' +
  'AMluw6YIwe3SprdruXURO0bDfKHYLzztIDNxnrjt3xjPFVJRDLJFZh2YKCJWEpIXPJBcAYJA68+3GAUJP2tpGlRi0aKJNw5AckqW' +
  '5VVx246Ads0pl/1jssscZKeSN207vLJIzjgYyNxyCOOetXEChbeymEQaZidq4PyZBYZLDP3QADkfe44qmYYY4o/tCbmO0LuAUNgA' +
  '5Axg4BT1HqOtSbIiHlYRSNLhJHyRuG4DdgYGCQOuOpxggU+JYpl3XTqIkWNFjRhtO4HJz16du+QMZ6QwlJFM1u7RjIUMCVXG1kBy' +
  'Bz1Oc8/j1jaAGNZLjCiPEjOvCgbWz1G7uTkjI98c6FzczGXyLeJPMZS27YSnI3DOOMDLAgY5BxnnNERxXcpZFWF8hneRFyhAj24X' +
  '73XoSOpweTTbl1tpBi4fyJlLETREhZCMKQvGTnGW5C5HHQmUpb2iTtFGYo1Q/K58xgzHAyxHUkjr/s9ainkgBcrkK8Z2uRnJITHL' +
  'L83HODwMgZ65/9k=',
  'base64');

const CACHE_CONTROL = 'public, max-age=31536000, immutable';
const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');

// ---- building images -----------------------------------------------------------------

// An EXIF block whose IFD0 points (tag 0x8825) at a GPS IFD: 52°31'12.34"N 13°24'0"E.
function exifWithGps() {
  const t = Buffer.alloc(140);
  let o = 0;
  const u16 = (v) => { t.writeUInt16LE(v, o); o += 2; };
  const u32 = (v) => { t.writeUInt32LE(v >>> 0, o); o += 4; };
  const entry = (tag, type, count, value) => { u16(tag); u16(type); u32(count); u32(value); };
  t.write('II*\0', 0, 'latin1'); o = 4; u32(8);
  u16(1); entry(0x8825, 4, 1, 26); u32(0);            // IFD0: GPSInfo -> 26
  u16(5);                                              // GPS IFD; its data starts at 92
  entry(0x0000, 1, 4, 0x00000202);                     // GPSVersionID 2.2.0.0
  entry(0x0001, 2, 2, 'N'.charCodeAt(0));              // GPSLatitudeRef
  entry(0x0002, 5, 3, 92);                             // GPSLatitude
  entry(0x0003, 2, 2, 'E'.charCodeAt(0));              // GPSLongitudeRef
  entry(0x0004, 5, 3, 116);                            // GPSLongitude
  u32(0);
  for (const v of [52, 1, 31, 1, 1234, 100, 13, 1, 24, 1, 0, 1]) u32(v);
  return Buffer.concat([EXIF_HEADER, t.subarray(0, o)]);
}

// PLAIN_JPEG with an APP1 segment carrying exifWithGps() right after SOI.
function jpegWithGps() {
  const exif = exifWithGps();
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(exif.length + 2, 2);
  return Buffer.concat([PLAIN_JPEG.subarray(0, 2), app1, exif, PLAIN_JPEG.subarray(2)]);
}

// The marker segments of a JPEG up to the start of scan: [{marker, data}].
function jpegSegments(buf) {
  assert.equal(buf.readUInt16BE(0), 0xffd8, 'starts with SOI');
  const out = [];
  let i = 2;
  while (i + 4 <= buf.length) {
    assert.equal(buf[i], 0xff, `marker at ${i}`);
    const marker = buf[i + 1];
    const len = buf.readUInt16BE(i + 2);
    out.push({ marker, data: buf.subarray(i + 4, i + 2 + len) });
    if (marker === 0xda) break;  // SOS: entropy-coded data follows
    i += 2 + len;
  }
  return out;
}

// True when some APP1 segment holds EXIF whose IFD0 has a GPSInfo (0x8825) entry.
function hasExifGps(jpeg) {
  for (const { marker, data } of jpegSegments(jpeg)) {
    if (marker !== 0xe1 || !data.subarray(0, 6).equals(EXIF_HEADER)) continue;
    const tiff = data.subarray(6);
    const le = tiff.toString('latin1', 0, 2) === 'II';
    const r16 = (at) => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
    const r32 = (at) => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
    const ifd0 = r32(4);
    for (let k = 0; k < r16(ifd0); k++) if (r16(ifd0 + 2 + 12 * k) === 0x8825) return true;
  }
  return false;
}

// Rewrites the JPEG frame header (SOF0..SOF2) to declare width x height.
function jpegDeclaring(jpeg, width, height) {
  const out = Buffer.from(jpeg);
  let i = 2;
  for (;;) {
    const marker = out[i + 1];
    if (marker >= 0xc0 && marker <= 0xc2) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
    i += 2 + out.readUInt16BE(i + 2);
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

// An 8-bit RGB PNG of width x height; `rows` raw scanlines are deflated into one IDAT (for a
// bomb, only the first few: the header is what matters).
function png(width, height, rows = height) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rowBytes = 1 + 3 * width;
  const raw = Buffer.alloc(rows * rowBytes);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37) & 0xff;
  for (let r = 0; r < rows; r++) raw[r * rowBytes] = 0;  // filter: none
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- the server ----------------------------------------------------------------------

let srv;
let A;
let token;
let mediaDir;

before(async () => {
  srv = await startServer();
  A = api(srv.base);
  token = (await registerUser(srv.base)).accessToken;
  mediaDir = path.join(srv.dataDir, 'media');
});

after(async () => {
  await srv?.stop();
});

async function upload(bytes, contentType, { auth = true } = {}) {
  const headers = {};
  if (contentType) headers['content-type'] = contentType;
  if (auth) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${srv.base}/uploads`, {
    method: 'POST', headers, body: bytes, signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let body = text;
  if (/json/.test(res.headers.get('content-type') || '')) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body, text };
}

async function fetchMedia(url, headers = {}) {
  const res = await fetch(`${srv.origin}${url}`, { headers, signal: AbortSignal.timeout(30_000) });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

function stored() {
  return readdirSync(mediaDir).sort();
}

function assertUploaded(res, ext) {
  assert.equal(res.status, 201, `upload: ${res.status} ${res.text}`);
  assert.match(res.headers.get('content-type') || '', /^application\/json/);
  assert.deepEqual(Object.keys(res.body), ['url']);
  const m = /^\/media\/([0-9a-f-]{36})\.(jpg|png|webp)$/.exec(res.body.url);
  assert.ok(m, `url ${res.body.url}`);
  assert.match(m[1], UUID_RE);
  assert.equal(m[2], ext);
  return res.body.url;
}

describe('POST /uploads', () => {
  it('re-encodes a JPEG without its EXIF GPS and serves it with caching headers', async () => {
    const input = jpegWithGps();
    assert.ok(hasExifGps(input), 'the fixture carries an EXIF GPS IFD');
    const url = assertUploaded(await upload(input, 'image/jpeg'), 'jpg');
    assert.ok(stored().includes(url.slice('/media/'.length)), 'stored in <dataDir>/media');

    const got = await fetchMedia(url);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'image/jpeg');
    assert.equal(got.headers.get('cache-control'), CACHE_CONTROL);
    assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
    const etag = got.headers.get('etag');
    assert.match(etag || '', /^"[^"]+"$/, `strong ETag, got ${etag}`);
    assert.equal(Number(got.headers.get('content-length')), got.bytes.length);
    assert.deepEqual([...got.bytes.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    assert.ok(!hasExifGps(got.bytes), 'no GPS IFD after re-encoding');
    assert.ok(!jpegSegments(got.bytes).some((s) => s.marker === 0xe1), 'no APP1 (EXIF/XMP) at all');
    assert.equal(got.bytes.indexOf(EXIF_HEADER), -1, 'no Exif header anywhere');

    const again = await fetchMedia(url, { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.bytes.length, 0);
    assert.equal(again.headers.get('etag'), etag);
  });

  it('takes application/octet-stream and names the file by the real type', async () => {
    const url = assertUploaded(await upload(PLAIN_JPEG, 'application/octet-stream'), 'jpg');
    assert.equal((await fetchMedia(url)).headers.get('content-type'), 'image/jpeg');
    const pngUrl = assertUploaded(await upload(png(20, 10), 'application/octet-stream'), 'png');
    const got = await fetchMedia(pngUrl);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'image/png');
    assert.equal(got.bytes.readUInt32BE(16), 20, 'PNG width kept');
    assert.equal(got.bytes.readUInt32BE(20), 10, 'PNG height kept');
  });

  it('downscales a PNG to 2048 px on the longer side', async () => {
    const url = assertUploaded(await upload(png(3000, 40), 'image/png; charset=binary'), 'png');
    const got = await fetchMedia(url);
    assert.equal(got.bytes.readUInt32BE(16), 2048);
    assert.equal(got.bytes.readUInt32BE(20), 27);
  });

  it('refuses what is not an acceptable image, storing nothing', async () => {
    const before = stored();
    const jpeg = jpegWithGps();
    const cases = [
      ['not an image', Buffer.from('hello, this is not an image at all'), 'image/jpeg', 400, 'INVALID_IMAGE'],
      ['text/plain', PLAIN_JPEG, 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['image/gif', PLAIN_JPEG, 'image/gif', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['no content type', PLAIN_JPEG, undefined, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['JPEG bytes sent as image/png', PLAIN_JPEG, 'image/png', 400, 'INVALID_IMAGE'],
      ['PNG bytes sent as image/webp', png(8, 8), 'image/webp', 400, 'INVALID_IMAGE'],
      ['empty body', Buffer.alloc(0), 'image/jpeg', 400, 'INVALID_IMAGE'],
      ['truncated JPEG', jpeg.subarray(0, jpeg.length - 300), 'image/jpeg', 400, 'INVALID_IMAGE'],
      ['JPEG with its entropy data cut off', jpeg.subarray(0, jpeg.indexOf(Buffer.from([0xff, 0xda])) + 14), 'image/jpeg', 400, 'INVALID_IMAGE'],
      ['PNG declaring 50,000 x 50,000', png(50_000, 50_000, 2), 'image/png', 400, 'IMAGE_TOO_LARGE'],
      ['JPEG declaring 50,000 x 50,000', jpegDeclaring(PLAIN_JPEG, 50_000, 50_000), 'image/jpeg', 400, 'IMAGE_TOO_LARGE'],
      ['PNG declaring 8,000 x 6,000 (48 MP)', png(8_000, 6_000, 2), 'image/png', 400, 'IMAGE_TOO_LARGE'],
    ];
    for (const [what, bytes, ct, status, code] of cases) {
      const started = Date.now();
      const res = await upload(bytes, ct);
      assertProblem(res, status, code, what);
      assert.ok(Date.now() - started < 2000, `${what}: answered quickly`);
    }
    assert.deepEqual(stored(), before, 'nothing stored, no temporary files left');
  });

  it('an 11 MiB body → 413, and 10 MiB is the route limit (not the 1 MiB JSON limit)', async () => {
    const before = stored();
    const big = Buffer.alloc(11 * 1024 * 1024, 0x41);
    PLAIN_JPEG.copy(big);
    let res;
    try {
      res = await upload(big, 'image/jpeg');
    } catch {
      // The server may answer early and hang up while the body is still being sent.
      const text = await rawRequest(srv.port,
        `POST /api/v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: image/jpeg\r\nContent-Length: ${big.length}\r\nConnection: close\r\n\r\n`);
      assert.equal(rawStatus(text), 413, `raw reply: ${text.slice(0, 500)}`);
      assert.match(text, /PAYLOAD_TOO_LARGE/);
      res = null;
    }
    if (res) assertProblem(res, 413, 'PAYLOAD_TOO_LARGE', '11 MiB');
    assert.deepEqual(stored(), before);
    // 9 MiB is read and judged on its contents: a whole JPEG followed by junk after its EOI
    // marker (which decoders ignore) is an image; the junk does not survive re-encoding.
    const nine = Buffer.alloc(9 * 1024 * 1024, 0x41);
    PLAIN_JPEG.copy(nine);
    const url = assertUploaded(await upload(nine, 'image/jpeg'), 'jpg');
    const got = await fetchMedia(url);
    assert.ok(got.bytes.length < 64 * 1024, `re-encoded size ${got.bytes.length}`);
  });

  it('needs a signed-in user', async () => {
    const before = stored();
    assertProblem(await upload(PLAIN_JPEG, 'image/jpeg', { auth: false }), 401, 'UNAUTHENTICATED');
    assert.deepEqual(stored(), before);
  });
});

describe('GET /media/{name}', () => {
  it('is public: no token needed', async () => {
    const url = assertUploaded(await upload(PLAIN_JPEG, 'image/jpeg'), 'jpg');
    const res = await fetch(`${srv.origin}${url}`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  });

  it('unknown and malformed names → 404 NOT_FOUND, never a file outside the store', async () => {
    writeFileSync(path.join(mediaDir, 'notes.txt'), 'not media');
    const id = randomUUID();
    for (const name of [`${id}.jpg`, `${id}.gif`, `${id.toUpperCase()}.jpg`, id, 'notes.txt',
      'gooddeeds.db', `${id}.jpg.png`]) {
      const res = await A.get(`${srv.origin}/media/${encodeURIComponent(name)}`);
      assertProblem(res, 404, 'NOT_FOUND', name);
    }
    // Traversal attempts, sent raw so that no client normalises the path first.
    for (const target of ['/media/..%2Fgooddeeds.db', '/media/%2e%2e%2fgooddeeds.db',
      '/media/..%2F..%2F..%2Fetc%2Fpasswd', '/media/../gooddeeds.db', '/media/%2Fetc%2Fpasswd']) {
      const text = await rawRequest(srv.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.equal(rawStatus(text), 404, `${target}: ${text.slice(0, 300)}`);
      assert.doesNotMatch(text, /SQLite format|root:/, target);
    }
  });
});

describe('limits set by flags', () => {
  let small;
  let smallToken;
  before(async () => {
    small = await startServer({
      args: ['--max-upload-bytes', '4000', '--max-image-side-px', '100', '--max-image-pixels', '2000'],
    });
    smallToken = (await registerUser(small.base)).accessToken;
  });
  after(async () => {
    await small?.stop();
  });
  const post = (srvx, tok, bytes) => fetch(`${srvx.base}/uploads`, {
    method: 'POST', body: bytes, signal: AbortSignal.timeout(30_000),
    headers: { 'content-type': 'image/png', authorization: `Bearer ${tok}` },
  }).then(async (res) => ({ status: res.status, body: await res.json().catch(() => null) }));

  it('--max-upload-bytes: a body over it → 413', async () => {
    const res = await post(small, smallToken, Buffer.concat([png(10, 10), Buffer.alloc(5000)]));
    assert.equal(res.status, 413);
    assert.equal(res.body?.code, 'PAYLOAD_TOO_LARGE');
  });

  it('--max-image-side-px and --max-image-pixels → 400 IMAGE_TOO_LARGE', async () => {
    for (const [w, h] of [[101, 2], [2, 101], [50, 50]]) {
      const res = await post(small, smallToken, png(w, h, 1));
      assert.equal(res.status, 400, `${w}x${h}`);
      assert.equal(res.body?.code, 'IMAGE_TOO_LARGE', `${w}x${h}`);
    }
    assert.equal((await post(small, smallToken, png(40, 40))).status, 201, '40x40 is within both');
  });

  it('--image-queue 0 refuses uploads with 503', async () => {
    const none = await startServer({ args: ['--image-queue', '0'] });
    try {
      const tok = (await registerUser(none.base)).accessToken;
      const res = await post(none, tok, png(10, 10));
      assert.equal(res.status, 503);
      assert.equal(res.body?.code, 'SERVICE_UNAVAILABLE');
    } finally {
      await none.stop();
    }
  });
});
