// Local stand-ins for the push services, for tests/api/push.test.mjs. Each one VERIFIES what
// the server sends, the way the real service would, and records what it accepted:
//   Web Push (RFC 8030): the VAPID JWT (RFC 8292: ES256 by the key in k=, aud = the endpoint's
//     origin, exp within 24 h, sub) and the payload, decrypted (RFC 8291 aes128gcm) with the
//     subscription's private key, which only this fake holds.
//   OAuth token endpoint: the service account's RS256 JWT assertion (RFC 7523), then issues a
//     bearer token; FCM HTTP v1 checks that bearer token.
//   APNs: HTTP/2 only, the ES256 provider token (kid, iss, iat), apns-topic.
// All of it is one Node http2 server over TLS (HTTP/1.1 allowed except for APNs), with a
// certificate from a test CA made here with openssl; the server under test trusts it through
// --push-ca-file. A fake can be told to answer 5xx (retry) or gone (404/410) per device.
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';

const b64u = (buf) => Buffer.from(buf).toString('base64url');
const fromB64u = (s) => Buffer.from(s, 'base64url');

function makeCa(dir) {
  const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
    '-subj', '/CN=gooddeeds push test CA']);
  run(['req', '-new', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(path.join(dir, 'server.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' +
    'keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext']);
  return {
    caFile: path.join(dir, 'ca.pem'),
    key: readFileSync(path.join(dir, 'server.key')),
    cert: readFileSync(path.join(dir, 'server.pem')),
  };
}

// Verifies a compact JWS; returns {header, claims} or throws with the reason.
function verifyJwt(jwt, publicKey, alg) {
  const parts = String(jwt).split('.');
  if (parts.length !== 3) throw new Error('not a compact JWS');
  const header = JSON.parse(fromB64u(parts[0]).toString());
  const claims = JSON.parse(fromB64u(parts[1]).toString());
  if (header.alg !== alg) throw new Error(`alg ${header.alg}, want ${alg}`);
  const ok = crypto.verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`),
    alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey,
    fromB64u(parts[2]));
  if (!ok) throw new Error('bad signature');
  return { header, claims };
}

function p256PublicKey(point) {
  if (point.length !== 65 || point[0] !== 4) throw new Error('not an uncompressed P-256 point');
  return crypto.createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33)) },
    format: 'jwk',
  });
}

// RFC 8291 decryption, as the browser does it.
export function decryptWebPush(body, uaEcdh, authSecret) {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20];
  const asPublic = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  if (rs < 18 || record.length > rs) throw new Error('record larger than rs');
  const uaPublic = uaEcdh.getPublicKey();
  const secret = uaEcdh.computeSecret(asPublic);
  const info = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = Buffer.from(crypto.hkdfSync('sha256', secret, authSecret, info, 32));
  const cek = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = crypto.createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const plain = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (plain[end] !== 2) throw new Error('last record lacks the 0x02 delimiter');
  return plain.subarray(0, end).toString();
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startPushFakes() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gooddeeds-push-fakes-'));
  const tls = makeCa(dir);

  // Keys and files the server under test is started with.
  const vapid = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const vapidKeyFile = path.join(dir, 'vapid.pem');
  writeFileSync(vapidKeyFile, vapid.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const jwk = vapid.publicKey.export({ format: 'jwk' });
  const vapidPoint = b64u(Buffer.concat([Buffer.from([4]), fromB64u(jwk.x), fromB64u(jwk.y)]));
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const apns = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const apnsKeyFile = path.join(dir, 'AuthKey_TESTKEY123.p8');
  writeFileSync(apnsKeyFile, apns.privateKey.export({ type: 'pkcs8', format: 'pem' }));

  const state = {
    received: [],        // {platform, device, payload}
    rejected: [],        // {platform, reason}
    tokensIssued: 0,
    failures: new Map(), // device -> remaining 5xx answers
    gone: new Set(),     // devices answered 404/410
    subscriptions: new Map(), // endpoint id -> {ecdh, auth}
    bearer: new Set(),
  };

  const server = http2.createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: true });
  let origin = '';
  const project = 'gooddeeds-test';
  const apnsIds = { keyId: 'TESTKEY123', teamId: 'TEAM123456', topic: 'org.gooddeeds.app' };
  const serviceAccount = {
    type: 'service_account', project_id: project, client_email: 'push@gooddeeds-test.iam.example',
    private_key: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }), token_uri: '',
  };

  const answer = (res, status, body = '', headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const reject = (res, platform, status, reason) => {
    state.rejected.push({ platform, reason });
    answer(res, status, { reason });
  };
  // A scripted failure for this device, if any: true when answered.
  const scripted = (res, device, goneStatus, goneBody) => {
    if (state.gone.has(device)) {
      answer(res, goneStatus, goneBody);
      return true;
    }
    const n = state.failures.get(device) ?? 0;
    if (n > 0) {
      state.failures.set(device, n - 1);
      answer(res, 503, { reason: 'ServiceUnavailable' });
      return true;
    }
    return false;
  };

  async function webpush(req, res, id) {
    const body = await readBody(req);
    const sub = state.subscriptions.get(id);
    if (!sub) return answer(res, 404, { reason: 'no such subscription' });
    const auth = String(req.headers.authorization ?? '');
    const m = auth.match(/^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/);
    if (!m) return reject(res, 'webpush', 401, `Authorization is not vapid t=..., k=...: ${auth}`);
    try {
      const { claims } = verifyJwt(m[1], p256PublicKey(fromB64u(m[2])), 'ES256');
      if (m[2] !== vapidPoint) throw new Error('k is not the configured VAPID key');
      if (claims.aud !== origin) throw new Error(`aud ${claims.aud}, want ${origin}`);
      const now = Date.now() / 1000;
      if (!(claims.exp > now && claims.exp <= now + 86400)) throw new Error(`exp ${claims.exp}`);
      if (!/^(mailto:|https:)/.test(claims.sub ?? '')) throw new Error(`sub ${claims.sub}`);
    } catch (e) {
      return reject(res, 'webpush', 403, `VAPID: ${e.message}`);
    }
    if (req.headers['content-encoding'] !== 'aes128gcm') return reject(res, 'webpush', 400, 'Content-Encoding');
    if (!/^\d+$/.test(String(req.headers.ttl ?? ''))) return reject(res, 'webpush', 400, 'TTL');
    if (scripted(res, id, 410, { reason: 'expired' })) return undefined;
    let payload;
    try {
      payload = JSON.parse(decryptWebPush(body, sub.ecdh, sub.auth));
    } catch (e) {
      return reject(res, 'webpush', 400, `decrypt: ${e.message}`);
    }
    state.received.push({ platform: 'webpush', device: id, payload, urgency: req.headers.urgency });
    return answer(res, 201, '', { location: `${origin}/wp-msg/${crypto.randomUUID()}` });
  }

  async function token(req, res) {
    const form = new URLSearchParams((await readBody(req)).toString());
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      return reject(res, 'oauth', 400, `grant_type ${form.get('grant_type')}`);
    try {
      const { claims } = verifyJwt(form.get('assertion'), rsa.publicKey, 'RS256');
      const now = Date.now() / 1000;
      if (claims.iss !== serviceAccount.client_email) throw new Error(`iss ${claims.iss}`);
      if (claims.aud !== serviceAccount.token_uri) throw new Error(`aud ${claims.aud}`);
      if (!String(claims.scope).includes('firebase.messaging')) throw new Error(`scope ${claims.scope}`);
      if (!(claims.exp > now && claims.exp <= now + 3600 + 60 && claims.iat <= now + 60))
        throw new Error('iat/exp');
    } catch (e) {
      return reject(res, 'oauth', 400, `assertion: ${e.message}`);
    }
    const t = `ya29.test-${crypto.randomBytes(12).toString('hex')}`;
    state.bearer.add(t);
    state.tokensIssued++;
    return answer(res, 200, { access_token: t, expires_in: 3599, token_type: 'Bearer' });
  }

  async function fcm(req, res) {
    const body = JSON.parse((await readBody(req)).toString());
    const bearer = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!state.bearer.has(bearer)) return reject(res, 'fcm', 401, 'unknown bearer token');
    const device = body?.message?.token;
    if (!device) return reject(res, 'fcm', 400, 'message.token');
    if (scripted(res, device, 404, { error: { code: 404, status: 'NOT_FOUND',
      details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' }] } }))
      return undefined;
    state.received.push({ platform: 'fcm', device, payload: body.message });
    return answer(res, 200, { name: `projects/${project}/messages/${crypto.randomUUID()}` });
  }

  async function apnsSend(req, res, device) {
    const body = JSON.parse((await readBody(req)).toString());
    if (req.httpVersion !== '2.0') return reject(res, 'apns', 400, 'APNs speaks HTTP/2 only');
    const auth = String(req.headers.authorization ?? '');
    try {
      const { header, claims } = verifyJwt(auth.replace(/^bearer /, ''), apns.publicKey, 'ES256');
      if (header.kid !== apnsIds.keyId) throw new Error(`kid ${header.kid}`);
      if (claims.iss !== apnsIds.teamId) throw new Error(`iss ${claims.iss}`);
      if (Math.abs(Date.now() / 1000 - claims.iat) > 3600) throw new Error('iat too old');
    } catch (e) {
      return reject(res, 'apns', 403, `InvalidProviderToken: ${e.message}`);
    }
    if (req.headers['apns-topic'] !== apnsIds.topic) return reject(res, 'apns', 400, 'TopicDisallowed');
    if (scripted(res, device, 410, { reason: 'Unregistered', timestamp: Date.now() })) return undefined;
    state.received.push({ platform: 'apns', device, payload: body });
    return answer(res, 200, '', { 'apns-id': crypto.randomUUID() });
  }

  server.on('request', (req, res) => {
    const url = new URL(req.url, origin);
    let m;
    const go = () => {
      if (req.method !== 'POST') return answer(res, 405, {});
      if ((m = url.pathname.match(/^\/wp\/([\w-]+)$/))) return webpush(req, res, m[1]);
      if (url.pathname === '/token') return token(req, res);
      if ((m = url.pathname.match(/^\/v1\/projects\/([\w-]+)\/messages:send$/)))
        return m[1] === project ? fcm(req, res) : answer(res, 404, {});
      if ((m = url.pathname.match(/^\/3\/device\/([0-9a-fA-F]+)$/))) return apnsSend(req, res, m[1]);
      return answer(res, 404, {});
    };
    Promise.resolve(go()).catch((e) => answer(res, 500, { reason: String(e) }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${server.address().port}`;
  serviceAccount.token_uri = `${origin}/token`;
  const serviceAccountFile = path.join(dir, 'service-account.json');
  writeFileSync(serviceAccountFile, JSON.stringify(serviceAccount));

  return {
    origin,
    state,
    // Flags that point the server at these fakes.
    serverArgs: [
      '--push-ca-file', tls.caFile,
      '--webpush-vapid-key-file', vapidKeyFile, '--webpush-subject', 'mailto:push@example.test',
      '--fcm-service-account-file', serviceAccountFile, '--fcm-endpoint', origin,
      '--apns-key-file', apnsKeyFile, '--apns-key-id', apnsIds.keyId,
      '--apns-team-id', apnsIds.teamId, '--apns-topic', apnsIds.topic, '--apns-endpoint', origin,
    ],
    vapidPublicKey: vapidPoint,
    // A browser's subscription to this Web Push service; its private key stays here.
    newSubscription(host = '127.0.0.1') {
      const id = crypto.randomBytes(8).toString('hex');
      const ecdh = crypto.createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = crypto.randomBytes(16);
      state.subscriptions.set(id, { ecdh, auth });
      const port = new URL(origin).port;
      return { id, endpoint: `https://${host}:${port}/wp/${id}`,
        keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) } };
    },
    fcmToken: () => `fcm-${crypto.randomBytes(16).toString('base64url')}`,
    apnsToken: () => crypto.randomBytes(32).toString('hex'),
    failNext(device, n) { state.failures.set(device, n); },
    markGone(device) { state.gone.add(device); },
    receivedBy(device) { return state.received.filter((r) => r.device === device); },
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
