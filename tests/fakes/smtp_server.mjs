// A local mail server for tests/api/mail.test.mjs: the npm `smtp-server` speaking real SMTP,
// which VERIFIES what the server under test does: STARTTLS before anything else (with a
// certificate made here with openssl, trusted through --smtp-ca-file), AUTH with the
// configured user and password (anything else is refused with 535), a sender and one
// recipient; every accepted message is parsed with `mailparser` and kept for the test.
// It can be taken down (connections refused with 421) to test the outbox's retries.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

function selfSignedCert(dir) {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { cwd: dir, stdio: 'pipe' });
  return { caFile: path.join(dir, 'cert.pem'), key: readFileSync(path.join(dir, 'key.pem')),
    cert: readFileSync(path.join(dir, 'cert.pem')) };
}

export async function startSmtpServer({ user = 'mailer', pass = 'p@ss word:1' } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gooddeeds-smtp-'));
  const tls = selfSignedCert(dir);
  const messages = [];
  const problems = [];  // protocol defects seen (the test asserts there are none)
  let down = false;
  let authFailures = 0;
  const server = new SMTPServer({
    key: tls.key,
    cert: tls.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    size: 1 << 20,
    logger: false,
    onConnect(session, cb) {
      if (down) return cb(Object.assign(new Error('down for the test'), { responseCode: 421 }));
      cb();
    },
    onAuth(auth, session, cb) {
      if (!session.secure) problems.push('AUTH before STARTTLS');
      if (auth.username !== user || auth.password !== pass) {
        authFailures += 1;
        return cb(Object.assign(new Error('bad credentials'), { responseCode: 535 }));
      }
      cb(null, { user: auth.username });
    },
    onMailFrom(address, session, cb) {
      if (!session.user) problems.push('MAIL FROM without AUTH');
      cb();
    },
    onData(stream, session, cb) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', async () => {
        try {
          const raw = Buffer.concat(chunks);
          const parsed = await simpleParser(raw);
          messages.push({
            from: session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            secure: session.secure,
            raw: raw.toString('utf8'),
            subject: parsed.subject,
            text: parsed.text,
            html: parsed.html,
            headers: parsed.headers,
          });
          cb();
        } catch (e) {
          problems.push(`unparseable message: ${e.message}`);
          cb(e);
        }
      });
    },
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = server.server.address().port;
  return {
    port,
    caFile: tls.caFile,
    url: `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}`,
    badUrl: `smtp://${encodeURIComponent(user)}:wrong@127.0.0.1:${port}`,
    messages,
    problems,
    authFailures: () => authFailures,
    setDown(v) { down = v; },
    // The messages to `to` (lowercased), once `count` of them have arrived.
    async waitFor(to, { count = 1, timeoutMs = 15_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const got = messages.filter((m) => m.to.includes(to.toLowerCase()));
        if (got.length >= count) return got;
        if (Date.now() > deadline) {
          throw new Error(`no ${count} message(s) to ${to} within ${timeoutMs} ms; have ${messages.length} ` +
            `to ${JSON.stringify(messages.map((m) => m.to))}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
