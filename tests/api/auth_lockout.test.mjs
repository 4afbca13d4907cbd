// Guessing limits without account lockout (docs/auth.md): a stranger hammering one email
// from one address is limited, while the owner, from another address, still signs in; many
// addresses together meet the email's ceiling. Requests come from different loopback
// addresses (127.0.0.x), which the server sees as different client IPs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, registerUser, uniqueEmail } from './harness.mjs';

let srv;

before(async () => {
  srv = await startServer({
    args: ['--auth-rate-per-email-ip-burst', '5', '--auth-rate-per-email-ip-per-min', '0.01',
      '--auth-rate-per-email-burst', '20', '--auth-rate-per-email-per-min', '0.01'],
  });
});

after(async () => {
  await srv?.stop();
});

// POST /auth/login from the local address `from`; resolves with {status, retryAfter}.
function loginFrom(from, email, password) {
  const body = JSON.stringify({ email, password });
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: srv.port, path: '/api/v1/auth/login', method: 'POST', localAddress: from,
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('failed logins', () => {
  it('a stranger is limited on one email, and the owner still gets in', async () => {
    const owner = await registerUser(srv.base);
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push((await loginFrom('127.0.0.2', owner.email, `wrong guess ${i}!`)).status);
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401], statuses.join(','));
    assert.deepEqual(statuses.slice(5), Array(7).fill(429), statuses.join(','));
    const limited = await loginFrom('127.0.0.2', owner.email, owner.password);
    assert.equal(limited.status, 429, 'the stranger cannot try the right password either');
    assert.match(limited.retryAfter ?? '', /^\d+$/);
    const mine = await loginFrom('127.0.0.3', owner.email, owner.password);
    assert.equal(mine.status, 200, 'the owner signs in from their own address');
  });

  it('guesses from many addresses meet the email\'s ceiling', async () => {
    const owner = await registerUser(srv.base);
    const statuses = [];
    for (let host = 10; host < 15; host++) {
      for (let i = 0; i < 5; i++) statuses.push((await loginFrom(`127.0.0.${host}`, owner.email, `wrong ${host} ${i}!`)).status);
    }
    // The registration took the first of the email's 20 tokens.
    assert.deepEqual(statuses.slice(0, 19), Array(19).fill(401), statuses.join(','));
    assert.deepEqual(statuses.slice(19), Array(6).fill(429), statuses.join(','));
    assert.equal((await loginFrom('127.0.0.20', owner.email, 'yet another guess!')).status, 429);
  });

  it('another email is not affected', async () => {
    const u = await registerUser(srv.base);
    for (let i = 0; i < 6; i++) await loginFrom('127.0.0.2', uniqueEmail('other'), 'whatever pass 1');
    assert.equal((await loginFrom('127.0.0.2', u.email, u.password)).status, 200);
  });
});
