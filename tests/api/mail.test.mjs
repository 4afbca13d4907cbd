// Accounts by email (API.md "Email: verification and password reset"), on a real SMTP
// conversation: the fake mail server (tests/fakes/smtp_server.mjs) demands STARTTLS and AUTH
// with the configured credentials and parses every message. Links are followed by taking the
// token out of the received mail. A second server without --smtp-url writes its mail to the
// log (the tokens are read from there), with short token lifetimes and small rate limits.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, api, registerUser, login, loginOk, uniqueEmail, PASSWORD, assertProblem,
  assertFieldError, expectStatus,
} from './harness.mjs';
import { startSmtpServer } from '../fakes/smtp_server.mjs';

const NEW_PASSWORD = 'a whole new passphrase 42';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let smtp;
let srv;
let A;

before(async () => {
  smtp = await startSmtpServer();
  srv = await startServer({
    args: ['--smtp-url', smtp.url, '--smtp-ca-file', smtp.caFile,
      '--mail-from', 'Good Deeds <noreply@gooddeeds.test>', '--public-url', 'https://app.gooddeeds.test/',
      '--mail-poll-ms', '50', '--mail-retry-base-ms', '200', '--mail-retry-max-ms', '400',
      '--password-reset-rate-per-ip-burst', '1000', '--password-reset-rate-per-email-burst', '1000',
      '--mail-rate-per-user-burst', '1000'],
  });
  A = api(srv.base);
});

after(async () => {
  await srv?.stop();
  await smtp?.close();
  assert.deepEqual(smtp?.problems ?? [], [], 'the mail server saw no protocol defects');
});

// The token of the link `page` in a received message; both parts carry the same link.
function tokenIn(msg, page) {
  const re = new RegExp(`https://app\\.gooddeeds\\.test/${page}#token=([A-Za-z0-9_-]+)`);
  const t = msg.text.match(re);
  assert.ok(t, `a ${page} link in the text part: ${msg.text}`);
  const h = String(msg.html).match(re);
  assert.ok(h, `a ${page} link in the HTML part: ${msg.html}`);
  assert.equal(h[1], t[1], 'the same link in both parts');
  assert.ok(Buffer.from(t[1], 'base64url').length >= 32, 'the token carries >= 256 bits');
  return t[1];
}

async function me(token) {
  const r = await A.get('/users/me', { token });
  expectStatus(r, 200, 'GET /users/me');
  return r.body;
}

describe('verification', () => {
  it('registration mails a single-use link over STARTTLS with AUTH; using it verifies the email', async () => {
    const u = await registerUser(srv.base);
    assert.equal(u.user.emailVerified, false);
    const [msg] = await smtp.waitFor(u.email);
    assert.equal(msg.secure, true, 'delivered over TLS');
    assert.equal(msg.from, 'noreply@gooddeeds.test', 'envelope sender from --mail-from');
    assert.match(msg.headers.get('from').text, /Good Deeds/);
    assert.match(msg.subject, /Confirm your email/);
    assert.match(msg.raw, /multipart\/alternative/);
    const token = tokenIn(msg, 'verify-email');
    expectStatus(await A.post('/auth/verify-email', { body: { token } }), 204, 'verify');
    assert.equal((await me(u.accessToken)).emailVerified, true);
    assertProblem(await A.post('/auth/verify-email', { body: { token } }), 400, 'VERIFY_TOKEN_INVALID', 'used twice');
    assertProblem(await A.post('/auth/verify-email', { body: { token: 'x'.repeat(43) } }), 400,
      'VERIFY_TOKEN_INVALID', 'unknown');
    assertFieldError(await A.post('/auth/verify-email', { body: {} }), 'token');
  });

  it('resend needs a bearer token, answers 202 and mails a new link; the older link stops working', async () => {
    const u = await registerUser(srv.base);
    const [first] = await smtp.waitFor(u.email);
    const old = tokenIn(first, 'verify-email');
    assertProblem(await A.post('/auth/verify-email/resend'), 401);
    const r = await A.post('/auth/verify-email/resend', { token: u.accessToken });
    expectStatus(r, 202, 'resend');
    const msgs = await smtp.waitFor(u.email, { count: 2 });
    const fresh = tokenIn(msgs[1], 'verify-email');
    assert.notEqual(fresh, old);
    assertProblem(await A.post('/auth/verify-email', { body: { token: old } }), 400, 'VERIFY_TOKEN_INVALID');
    expectStatus(await A.post('/auth/verify-email', { body: { token: fresh } }), 204);
  });

  it('a German account gets its mail in German', async () => {
    const email = uniqueEmail('de');
    const r = await A.post('/auth/register', {
      body: { email, password: PASSWORD, name: 'Jürgen' }, headers: { 'accept-language': 'de-DE,de;q=0.9' },
    });
    expectStatus(r, 201);
    const [msg] = await smtp.waitFor(email);
    assert.match(msg.subject, /Bestätige deine E-Mail-Adresse/);
    assert.match(msg.text, /Hallo Jürgen,/);
    assert.match(msg.html, /Hallo J(ü|&uuml;)rgen,/);
    tokenIn(msg, 'verify-email');
  });
});

describe('password reset', () => {
  it('mails a link; confirming sets the password, ends every session and is announced', async () => {
    const u = await registerUser(srv.base);
    await smtp.waitFor(u.email);
    const second = await loginOk(srv.base, u.email);
    const r = await A.post('/auth/password-reset', { body: { email: `  ${u.email.toUpperCase()} ` } });
    expectStatus(r, 202);
    const [msg] = (await smtp.waitFor(u.email, { count: 2 })).slice(1);
    assert.match(msg.subject, /Reset your Good Deeds password/);
    const token = tokenIn(msg, 'reset-password');
    assertFieldError(await A.post('/auth/password-reset/confirm', { body: { token, newPassword: 'short' } }),
      'newPassword');
    expectStatus(await A.post('/auth/password-reset/confirm', { body: { token, newPassword: NEW_PASSWORD } }), 204);
    // Every session ended: access tokens and refresh tokens of both devices are refused.
    for (const s of [u, second]) {
      assertProblem(await A.get('/users/me', { token: s.accessToken }), 401);
      assertProblem(await A.post('/auth/refresh', { body: { refreshToken: s.refreshToken } }), 401);
    }
    assertProblem(await login(srv.base, u.email, PASSWORD), 401, 'INVALID_CREDENTIALS');
    await loginOk(srv.base, u.email, NEW_PASSWORD);
    assertProblem(await A.post('/auth/password-reset/confirm', { body: { token, newPassword: NEW_PASSWORD } }),
      400, 'RESET_TOKEN_INVALID', 'used twice');
    const notice = (await smtp.waitFor(u.email, { count: 3 }))[2];
    assert.match(notice.subject, /password was reset/);
    assert.doesNotMatch(notice.text, /#token=/);
  });

  it('an unknown or malformed token is 400 RESET_TOKEN_INVALID / VALIDATION_FAILED', async () => {
    assertProblem(await A.post('/auth/password-reset/confirm', { body: { token: 'nope', newPassword: NEW_PASSWORD } }),
      400, 'RESET_TOKEN_INVALID');
    assertFieldError(await A.post('/auth/password-reset/confirm', { body: { newPassword: NEW_PASSWORD } }), 'token');
    assertFieldError(await A.post('/auth/password-reset', { body: { email: 'not-an-address' } }), 'email');
  });

  it('answers the same status, body and time whether the account exists or not, and mails only an account', async () => {
    const u = await registerUser(srv.base);
    await smtp.waitFor(u.email);
    const unknown = uniqueEmail('nobody');
    const times = { known: [], unknown: [] };
    const bodies = new Set();
    for (let i = 0; i < 30; i++) {
      for (const [k, email] of [['known', u.email], ['unknown', unknown]]) {
        const t0 = process.hrtime.bigint();
        const r = await A.post('/auth/password-reset', { body: { email } });
        times[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
        assert.equal(r.status, 202);
        bodies.add(r.text);
      }
    }
    assert.equal(bodies.size, 1, `one body for both: ${[...bodies].join(' | ')}`);
    const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    const diff = Math.abs(median(times.known) - median(times.unknown));
    console.log(`password reset median: known ${median(times.known).toFixed(2)} ms, ` +
      `unknown ${median(times.unknown).toFixed(2)} ms`);
    assert.ok(diff < 5, `medians within 5 ms (known ${median(times.known)}, unknown ${median(times.unknown)})`);
    await smtp.waitFor(u.email, { count: 31 });
    await sleep(300);
    assert.equal(smtp.messages.filter((m) => m.to.includes(unknown)).length, 0, 'no mail to an unknown address');
  });

  it('a password change is announced, and an earlier reset link stops working', async () => {
    const u = await registerUser(srv.base);
    await smtp.waitFor(u.email);
    expectStatus(await A.post('/auth/password-reset', { body: { email: u.email } }), 202);
    const token = tokenIn((await smtp.waitFor(u.email, { count: 2 }))[1], 'reset-password');
    expectStatus(await A.post('/users/me/password', {
      token: u.accessToken, body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
    }), 204);
    const notice = (await smtp.waitFor(u.email, { count: 3 }))[2];
    assert.match(notice.subject, /password was changed/);
    assertProblem(await A.post('/auth/password-reset/confirm', { body: { token, newPassword: PASSWORD } }),
      400, 'RESET_TOKEN_INVALID');
  });
});

describe('email change', () => {
  it('PATCH /users/me {email, currentPassword}: 202, the new address verifies and replaces the old one', async () => {
    const u = await registerUser(srv.base);
    await smtp.waitFor(u.email);
    const next = uniqueEmail('new');
    assertProblem(await A.patch('/users/me', { token: u.accessToken, body: { email: next, currentPassword: 'wrong password!' } }),
      403, 'CURRENT_PASSWORD_WRONG');
    assertFieldError(await A.patch('/users/me', { token: u.accessToken, body: { email: next } }), 'currentPassword');
    assertFieldError(await A.patch('/users/me', { token: u.accessToken,
      body: { email: next, currentPassword: PASSWORD, name: 'x' } }), 'name');
    const r = await A.patch('/users/me', { token: u.accessToken, body: { email: next, currentPassword: PASSWORD } });
    expectStatus(r, 202);
    const [link] = await smtp.waitFor(next);
    assert.match(link.subject, /new email address/);
    const [, notice] = await smtp.waitFor(u.email, { count: 2 });
    assert.match(notice.subject, /being changed/);
    assert.ok(notice.text.includes(next), 'the old address is told the new one');
    assert.doesNotMatch(notice.text, /#token=/);
    assert.equal((await me(u.accessToken)).email, u.email, 'unchanged until the link is used');
    expectStatus(await A.post('/auth/verify-email', { body: { token: tokenIn(link, 'verify-email') } }), 204);
    const after = await me(u.accessToken);
    assert.equal(after.email, next);
    assert.equal(after.emailVerified, true);
    await loginOk(srv.base, next);
    assertProblem(await login(srv.base, u.email), 401);
  });

  it('an address taken by another account: the same 202, and that address gets nothing', async () => {
    const owner = await registerUser(srv.base);
    const u = await registerUser(srv.base);
    await smtp.waitFor(owner.email);
    await smtp.waitFor(u.email);
    const r = await A.patch('/users/me', { token: u.accessToken, body: { email: owner.email, currentPassword: PASSWORD } });
    expectStatus(r, 202);
    await smtp.waitFor(u.email, { count: 2 });  // the notice to the old address
    await sleep(500);
    assert.equal(smtp.messages.filter((m) => m.to.includes(owner.email)).length, 1, 'only the owner\'s own verification');
    assert.equal((await me(u.accessToken)).email, u.email);
  });
});

describe('delivery', () => {
  it('SMTP down: requests still succeed, the outbox retries, and the mail arrives once it is back', async () => {
    smtp.setDown(true);
    let u;
    try {
      u = await registerUser(srv.base);
      expectStatus(await A.post('/auth/password-reset', { body: { email: u.email } }), 202);
      await sleep(1000);
      assert.equal(smtp.messages.filter((m) => m.to.includes(u.email)).length, 0);
      const metrics = await (await fetch(`${srv.origin}/metrics`)).text();
      assert.match(metrics, /gooddeeds_mail_attempts_total\{outcome="retry"\} [1-9]/);
    } finally {
      smtp.setDown(false);
    }
    const msgs = await smtp.waitFor(u.email, { count: 2, timeoutMs: 20_000 });
    const subjects = msgs.map((m) => m.subject).sort();
    assert.ok(subjects.some((s) => /Confirm your email/.test(s)) && subjects.some((s) => /Reset/.test(s)), subjects.join());
    const metrics = await (await fetch(`${srv.origin}/metrics`)).text();
    assert.match(metrics, /gooddeeds_mail_attempts_total\{outcome="sent"\} [1-9]/);
  });

  it('two processes on one database split the outbox: every message goes out once', async () => {
    const second = await startServer({ sameDatabaseAs: srv, args: ['--smtp-url', smtp.url,
      '--smtp-ca-file', smtp.caFile, '--mail-poll-ms', '50', '--public-url', 'https://app.gooddeeds.test'] });
    try {
      const users = await Promise.all(Array.from({ length: 12 }, (_, i) =>
        registerUser(i % 2 ? second.base : srv.base)));
      for (const u of users) await smtp.waitFor(u.email);
      await sleep(500);
      for (const u of users) {
        assert.equal(smtp.messages.filter((m) => m.to.includes(u.email)).length, 1, `one message to ${u.email}`);
      }
    } finally {
      await second.stop();
    }
  });

  it('wrong SMTP credentials are refused by the server and the mail is retried, not lost', async () => {
    const other = await startServer({ args: ['--smtp-url', smtp.badUrl, '--smtp-ca-file', smtp.caFile,
      '--mail-poll-ms', '50', '--mail-retry-base-ms', '100', '--mail-retry-max-ms', '200'] });
    try {
      const before = smtp.authFailures();
      const u = await registerUser(other.base);
      for (let i = 0; i < 100 && smtp.authFailures() < before + 2; i++) await sleep(50);
      assert.ok(smtp.authFailures() >= before + 2, 'refused and tried again');
      assert.equal(smtp.messages.filter((m) => m.to.includes(u.email)).length, 0);
    } finally {
      await other.stop();
    }
  });
});

describe('without SMTP: the log, token lifetimes, rate limits', () => {
  let logSrv;
  let L;
  before(async () => {
    logSrv = await startServer({ args: ['--mail-poll-ms', '50',
      '--verify-token-ttl-s', '1', '--reset-token-ttl-s', '1',
      '--password-reset-rate-per-ip-burst', '5', '--password-reset-rate-per-email-burst', '2',
      '--mail-rate-per-user-burst', '2'] });
    L = api(logSrv.base);
  });
  after(async () => {
    await logSrv?.stop();
  });

  async function tokenFromLog(email, page, nth = 1) {
    const re = new RegExp(`to <${email.replace(/[.+]/g, '\\$&')}>[\\s\\S]*?/${page}#token=([A-Za-z0-9_-]+)`, 'g');
    for (let i = 0; i < 200; i++) {
      const found = [...logSrv.stderr().matchAll(re)];
      if (found.length >= nth) return found[nth - 1][1];
      await sleep(50);
    }
    throw new Error(`no ${page} link for ${email} in the log:\n${logSrv.stderr().slice(-3000)}`);
  }

  it('writes the whole message with its link to the log, with the default public URL', async () => {
    const u = await registerUser(logSrv.base);
    const token = await tokenFromLog(u.email, 'verify-email');
    assert.ok(logSrv.stderr().includes(`http://localhost:${logSrv.port}/verify-email#token=${token}`));
  });

  it('links expire', async () => {
    const u = await registerUser(logSrv.base);
    const verify = await tokenFromLog(u.email, 'verify-email');
    expectStatus(await L.post('/auth/password-reset', { body: { email: u.email } }), 202);
    const reset = await tokenFromLog(u.email, 'reset-password');
    await sleep(1200);
    assertProblem(await L.post('/auth/verify-email', { body: { token: verify } }), 400, 'VERIFY_TOKEN_INVALID');
    assertProblem(await L.post('/auth/password-reset/confirm', { body: { token: reset, newPassword: NEW_PASSWORD } }),
      400, 'RESET_TOKEN_INVALID');
    await loginOk(logSrv.base, u.email, PASSWORD);
  });

  it('rate limits reset requests per address and per IP, and resends per user, with Retry-After', async () => {
    const email = uniqueEmail('limited');
    for (let i = 0; i < 2; i++) expectStatus(await L.post('/auth/password-reset', { body: { email } }), 202);
    const limited = await L.post('/auth/password-reset', { body: { email } });
    assertProblem(limited, 429, 'RATE_LIMITED', 'per email');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    // The IP's budget (5) is spent by now with other addresses.
    let last;
    for (let i = 0; i < 5; i++) last = await L.post('/auth/password-reset', { body: { email: uniqueEmail('ip') } });
    assertProblem(last, 429, 'RATE_LIMITED', 'per IP');
    const u = await registerUser(logSrv.base);
    for (let i = 0; i < 2; i++) expectStatus(await L.post('/auth/verify-email/resend', { token: u.accessToken }), 202);
    assertProblem(await L.post('/auth/verify-email/resend', { token: u.accessToken }), 429, 'RATE_LIMITED', 'resend');
  });
});
