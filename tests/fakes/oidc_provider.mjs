// A local stand-in for Google's and Apple's OpenID endpoints, for tests/api/oauth.test.mjs.
// It speaks the real protocol over HTTP on 127.0.0.1 and VERIFIES what the server sends:
//   JWKS (GET /<provider>/jwks): the provider's RSA keys, rotated on demand, with a
//     Cache-Control max-age; every fetch is counted.
//   Token endpoint (POST /<provider>/token, RFC 6749 4.1.3 + RFC 7636): a code it issued, once,
//     for the same redirect_uri and client_id; the PKCE verifier against the code's S256
//     challenge; Google's client secret; Apple's client secret JWT (ES256 by the public half
//     of the team's .p8 key: kid, iss = team id, sub = client id, aud = Apple or this issuer,
//     at most 6 months valid). Refusals are 400 invalid_grant / 401 invalid_client, recorded
//     in `rejected`.
//   Authorization endpoint (GET /<provider>/authorize): redirects back with a code for
//     `nextUser`, as the provider does after its sign-in screen (for browser tests).
// Each provider can be switched to fail: 'error' (503), 'hang' (no answer), 'refuse' (the
// connection is dropped).
import crypto from 'node:crypto';
import http from 'node:http';

const b64u = (buf) => Buffer.from(buf).toString('base64url');
const SIX_MONTHS_S = 15_777_000;

function signJwt(header, claims, key) {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  let sig;
  if (header.alg === 'RS256') sig = crypto.sign('sha256', Buffer.from(input), key);
  else if (header.alg === 'HS256') sig = crypto.createHmac('sha256', key).update(input).digest();
  else sig = Buffer.alloc(0);
  return `${input}.${b64u(sig)}`;
}

function verifyEs256(jwt, publicKey) {
  const parts = String(jwt).split('.');
  if (parts.length !== 3) throw new Error('client secret is not a compact JWS');
  const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
  const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  if (header.alg !== 'ES256') throw new Error(`client secret alg ${header.alg}`);
  const ok = crypto.verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'));
  if (!ok) throw new Error('client secret signature is invalid');
  return { header, claims };
}

class Provider {
  constructor(name, origin, { clientIds, clientSecret, apple }) {
    this.name = name;
    this.issuer = `${origin}/${name}`;
    this.clientIds = clientIds;
    this.clientSecret = clientSecret;
    this.apple = apple;  // { teamId, keyId, publicKey } for Apple
    this.keys = [];      // published, newest first: { kid, privateKey, publicKey }
    this.jwksFetches = 0;
    this.jwksMaxAgeS = 3600;
    this.mode = 'ok';
    this.codes = new Map();
    this.rejected = [];
    this.exchanges = 0;
    this.nextUser = { sub: `browser-${crypto.randomUUID()}`, email: 'browser@example.test', email_verified: true };
    this.rotate();
  }

  // A new signing key, published next to the old ones (which stay unless retired).
  rotate() {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = { kid: `${this.name}-${crypto.randomBytes(6).toString('hex')}`, privateKey, publicKey };
    this.keys.unshift(key);
    return key;
  }
  retire(kid) { this.keys = this.keys.filter((k) => k.kid !== kid); }
  // A key the provider never published (a forger's).
  static strangerKey() {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    return { kid: `stranger-${crypto.randomBytes(6).toString('hex')}`, privateKey, publicKey };
  }

  claims(overrides = {}) {
    const now = Math.floor(Date.now() / 1000);
    return { iss: this.issuer, aud: this.clientIds[0], sub: `sub-${crypto.randomUUID()}`,
      iat: now, exp: now + 600, ...overrides };
  }
  // An ID token as the provider signs it; `key` and `header` let tests forge.
  idToken(overrides = {}, { key = this.keys[0], header = {} } = {}) {
    const claims = this.claims(overrides);
    for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
    return signJwt({ alg: 'RS256', kid: key.kid, typ: 'JWT', ...header }, claims, key.privateKey);
  }

  // A code as the authorization endpoint would issue it.
  issueCode({ redirectUri, codeChallenge = null, nonce = null, user = {} }) {
    const code = crypto.randomBytes(16).toString('base64url');
    this.codes.set(code, { redirectUri, codeChallenge, nonce, user, used: false, expires: Date.now() + 60_000 });
    return code;
  }

  checkClient(form) {
    if (form.get('client_id') !== this.clientIds[0]) throw new Error(`client_id ${form.get('client_id')}`);
    const secret = form.get('client_secret');
    if (!this.apple) {
      if (secret !== this.clientSecret) throw new Error('wrong client secret');
      return;
    }
    const { header, claims } = verifyEs256(secret, this.apple.publicKey);
    const now = Math.floor(Date.now() / 1000);
    if (header.kid !== this.apple.keyId) throw new Error(`client secret kid ${header.kid}`);
    if (claims.iss !== this.apple.teamId) throw new Error(`client secret iss ${claims.iss}`);
    if (claims.sub !== this.clientIds[0]) throw new Error(`client secret sub ${claims.sub}`);
    if (claims.aud !== 'https://appleid.apple.com' && claims.aud !== this.issuer)
      throw new Error(`client secret aud ${claims.aud}`);
    if (!(claims.exp > now) || !(claims.iat <= now + 60) || claims.exp - claims.iat > SIX_MONTHS_S)
      throw new Error('client secret lifetime');
  }

  // RFC 6749 4.1.3; returns [status, body].
  exchange(form) {
    try {
      this.checkClient(form);
    } catch (e) {
      this.rejected.push(`client: ${e.message}`);
      return [401, { error: 'invalid_client' }];
    }
    const grant = this.codes.get(form.get('code') ?? '');
    const why = form.get('grant_type') !== 'authorization_code' ? 'grant_type'
      : !grant ? 'unknown code'
      : grant.used ? 'code used twice'
      : grant.expires < Date.now() ? 'code expired'
      : grant.redirectUri !== form.get('redirect_uri') ? 'redirect_uri differs'
      : grant.codeChallenge && crypto.createHash('sha256').update(form.get('code_verifier') ?? '')
        .digest('base64url') !== grant.codeChallenge ? 'PKCE verifier does not match'
      : null;
    if (grant) grant.used = true;
    if (why) {
      this.rejected.push(`grant: ${why}`);
      return [400, { error: 'invalid_grant' }];
    }
    this.exchanges += 1;
    const nonce = grant.nonce ? { nonce: this.apple ? crypto.createHash('sha256').update(grant.nonce).digest('hex') : grant.nonce } : {};
    return [200, { access_token: crypto.randomBytes(16).toString('hex'), token_type: 'Bearer',
      expires_in: 3600, id_token: this.idToken({ ...grant.user, ...nonce }) }];
  }

  authorize(url) {
    const q = url.searchParams;
    if (q.get('client_id') !== this.clientIds[0] || q.get('response_type') !== 'code' ||
        !q.get('redirect_uri') || (q.get('code_challenge') && q.get('code_challenge_method') !== 'S256'))
      return [400, { error: 'invalid_request' }];
    const code = this.issueCode({ redirectUri: q.get('redirect_uri'), codeChallenge: q.get('code_challenge'),
      nonce: q.get('nonce'), user: this.nextUser });
    const back = new URL(q.get('redirect_uri'));
    back.searchParams.set('code', code);
    if (q.get('state')) back.searchParams.set('state', q.get('state'));
    return [302, null, back.toString()];
  }

  jwks() {
    this.jwksFetches += 1;
    return { keys: this.keys.map(({ kid, publicKey }) => ({ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' })) };
  }
}

// clientIds: { google: [...], apple: [...] }; apple: { teamId, keyId, publicKey }.
export async function startOidcFake({ clientIds, googleSecret, apple }) {
  const sockets = new Set();
  const server = http.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const providers = {
    google: new Provider('google', origin, { clientIds: clientIds.google, clientSecret: googleSecret }),
    apple: new Provider('apple', origin, { clientIds: clientIds.apple, apple }),
  };
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.on('request', async (req, res) => {
    const url = new URL(req.url, origin);
    const [, name, endpoint] = url.pathname.split('/');
    const p = providers[name];
    if (!p) { res.writeHead(404).end(); return; }
    if (p.mode === 'refuse') { req.socket.destroy(); return; }
    if (p.mode === 'hang') return;  // never answers; the client's timeout ends it
    if (p.mode === 'error') { res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable"}'); return; }
    let body = '';
    for await (const chunk of req) body += chunk;
    const send = (status, doc, location) => {
      const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
      if (location) headers.location = location;
      res.writeHead(status, headers).end(doc ? JSON.stringify(doc) : '');
    };
    if (endpoint === 'jwks' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': `public, max-age=${p.jwksMaxAgeS}` })
        .end(JSON.stringify(p.jwks()));
    } else if (endpoint === 'token' && req.method === 'POST') {
      if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
        p.rejected.push('token: content type');
        send(400, { error: 'invalid_request' });
        return;
      }
      send(...p.exchange(new URLSearchParams(body)));
    } else if (endpoint === 'authorize' && req.method === 'GET') {
      send(...p.authorize(url));
    } else {
      send(404, { error: 'not_found' });
    }
  });
  return {
    origin,
    ...providers,
    Provider,
    // The serve flags that point a provider at this fake.
    flags(name) {
      const p = providers[name];
      return [`--oauth-${name}-issuer`, p.issuer, `--oauth-${name}-jwks-url`, `${p.issuer}/jwks`,
        `--oauth-${name}-token-url`, `${p.issuer}/token`, `--oauth-${name}-auth-url`, `${p.issuer}/authorize`];
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

export { signJwt };
