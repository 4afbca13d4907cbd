// A local stand-in for an S3-compatible object store, for tests/api/media_s3.test.mjs. It
// speaks S3's REST protocol (path style: PUT, GET and HEAD of /BUCKET/KEY, XML errors) and
// VERIFIES every request as S3 does before it touches an object: the AWS Signature V4 in the
// Authorization header is recomputed here, independently of the server under test (canonical
// request, string to sign, signing key), for a known access key; the scope's date, region and
// service; X-Amz-Date within 15 minutes; the payload hash in X-Amz-Content-Sha256 against the
// body received; a session token, for keys that have one. Objects are kept in memory; a GET
// with a Range header gets 206 and that range.
// The tests can make it answer 5xx for the next requests, hang without answering, or go down.
import crypto from 'node:crypto';
import http from 'node:http';

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();

// RFC 3986 unreserved characters stay, everything else is %XX (uppercase), as SigV4 wants.
function uriEncode(text, keepSlash) {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function xmlError(res, status, code, message, method) {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>` +
    `<Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(method === 'HEAD' ? undefined : body);
}

// Returns null when the request is properly signed, else [status, code, message].
function verify(req, body, accounts, region) {
  const auth = req.headers.authorization || '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return [403, 'AccessDenied', 'missing or malformed SigV4 Authorization header'];
  const [, keyId, scopeDate, scopeRegion, service, signedList, signature] = m;
  const account = accounts.get(keyId);
  if (!account) return [403, 'InvalidAccessKeyId', 'unknown access key'];
  const amzDate = req.headers['x-amz-date'] || '';
  const t = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!t) return [403, 'AccessDenied', 'X-Amz-Date missing or malformed'];
  const when = Date.UTC(+t[1], +t[2] - 1, +t[3], +t[4], +t[5], +t[6]);
  if (Math.abs(Date.now() - when) > 15 * 60_000) return [403, 'RequestTimeTooSkewed', 'clock skew'];
  if (scopeDate !== amzDate.slice(0, 8) || scopeRegion !== region || service !== 's3') {
    return [400, 'AuthorizationHeaderMalformed', `scope ${scopeDate}/${scopeRegion}/${service}`];
  }
  const signed = signedList.split(';');
  for (const h of ['host', 'x-amz-date', 'x-amz-content-sha256']) {
    if (!signed.includes(h)) return [403, 'AccessDenied', `${h} is not signed`];
  }
  if ([...signed].sort().join(';') !== signedList) return [403, 'AccessDenied', 'SignedHeaders not sorted'];
  if (req.headers['x-amz-content-sha256'] !== sha256(body)) {
    return [400, 'XAmzContentSHA256Mismatch', 'payload hash does not match the body'];
  }
  if (account.sessionToken !== undefined) {
    if (req.headers['x-amz-security-token'] !== account.sessionToken || !signed.includes('x-amz-security-token')) {
      return [403, 'InvalidToken', 'session token missing, wrong or unsigned'];
    }
  }
  const [rawPath, rawQuery = ''] = req.url.split('?');
  const path = rawPath.split('/').map((s) => uriEncode(decodeURIComponent(s), false)).join('/');
  const query = rawQuery === '' ? '' : rawQuery.split('&').map((kv) => {
    const [k, v = ''] = kv.split('=');
    return [uriEncode(decodeURIComponent(k), false), uriEncode(decodeURIComponent(v), false)];
  }).sort((a, b) => (a[0] + '=' + a[1] < b[0] + '=' + b[1] ? -1 : 1)).map((p) => p.join('=')).join('&');
  const headerLines = [];
  for (const name of signed) {
    const values = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i].toLowerCase() === name) values.push(req.rawHeaders[i + 1].trim().replace(/\s+/g, ' '));
    }
    if (values.length === 0) return [403, 'AccessDenied', `signed header ${name} not sent`];
    headerLines.push(`${name}:${values.join(',')}\n`);
  }
  const canonical = `${req.method}\n${path}\n${query}\n${headerLines.join('')}\n${signedList}\n${req.headers['x-amz-content-sha256']}`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scopeDate}/${region}/s3/aws4_request\n${sha256(canonical)}`;
  let key = hmac(`AWS4${account.secret}`, scopeDate);
  for (const part of [region, 's3', 'aws4_request']) key = hmac(key, part);
  const expected = hmac(key, stringToSign).toString('hex');
  if (!crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    return [403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'];
  }
  return null;
}

// accounts: [{accessKeyId, secret, sessionToken?}]; buckets: names that exist.
export async function startFakeS3({ accounts, buckets, region = 'us-east-1' }) {
  const keys = new Map(accounts.map((a) => [a.accessKeyId, a]));
  const objects = new Map();  // "bucket/key" -> {body, contentType, etag}
  const log = [];             // {method, path, outcome}: 'ok', an S3 error code, or 'injected'
  let injected = [];          // statuses to answer the next requests with
  let hanging = false;
  const sockets = new Set();

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry = { method: req.method, path: req.url, outcome: 'ok', contentType: req.headers['content-type'] };
      log.push(entry);
      if (hanging) { entry.outcome = 'hung'; return; }  // never answered; the socket stays open
      const status = injected.shift();
      if (status) {
        entry.outcome = 'injected';
        return xmlError(res, status, status === 503 ? 'SlowDown' : 'InternalError', 'injected', req.method);
      }
      const refused = verify(req, body, keys, region);
      if (refused) {
        entry.outcome = refused[1];
        return xmlError(res, ...refused, req.method);
      }
      const m = /^\/([^/?]+)\/([^?]+)$/.exec(req.url.split('?')[0]);
      if (!m || !buckets.includes(m[1])) {
        entry.outcome = 'NoSuchBucket';
        return xmlError(res, 404, 'NoSuchBucket', 'no such bucket', req.method);
      }
      const id = `${m[1]}/${decodeURIComponent(m[2])}`;
      if (req.method === 'PUT') {
        const etag = `"${crypto.createHash('md5').update(body).digest('hex')}"`;
        objects.set(id, { body, contentType: req.headers['content-type'] || 'binary/octet-stream', etag });
        res.writeHead(200, { etag, 'content-length': 0 });
        return res.end();
      }
      if (req.method === 'GET' || req.method === 'HEAD') {
        const obj = objects.get(id);
        if (!obj) {
          entry.outcome = 'NoSuchKey';
          return xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.', req.method);
        }
        const headers = { 'content-type': obj.contentType, etag: obj.etag, 'accept-ranges': 'bytes' };
        const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range || '');
        if (req.method === 'GET' && req.headers.range !== undefined) {
          // One closed range, as the server under test asks; S3 clips the end to the object.
          const first = range ? Number(range[1]) : NaN;
          if (!(first <= Number(range?.[2])) || first >= obj.body.length) {
            entry.outcome = 'InvalidRange';
            return xmlError(res, 416, 'InvalidRange', 'The requested range is not satisfiable', req.method);
          }
          const last = Math.min(Number(range[2]), obj.body.length - 1);
          entry.range = [first, last];
          res.writeHead(206, { ...headers, 'content-length': last - first + 1,
            'content-range': `bytes ${first}-${last}/${obj.body.length}` });
          return res.end(obj.body.subarray(first, last + 1));
        }
        res.writeHead(200, { ...headers, 'content-length': obj.body.length });
        return res.end(req.method === 'HEAD' ? undefined : obj.body);
      }
      entry.outcome = 'MethodNotAllowed';
      return xmlError(res, 405, 'MethodNotAllowed', 'not supported here', req.method);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = (port) => new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
  const port = await listen(0);
  const close = () => new Promise((resolve) => {
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
  });

  return {
    endpoint: `http://127.0.0.1:${port}`,
    objects,
    log,
    // The next n requests (after `skip` that are served as usual) are answered with `status`
    // before any check.
    failNext(n, status = 503, skip = 0) { injected = [...Array(skip).fill(0), ...Array(n).fill(status)]; },
    // Requests are read but never answered (a store that stalls).
    hang(on = true) { hanging = on; },
    // Down: connections refused until up() listens on the same port again.
    down: close,
    up: () => listen(port),
    stop: close,
  };
}
