// The binary's operator surface: subcommands, --help, admin create-user, migrate, and a
// graceful shutdown that lets an in-flight request finish.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, api, expectStatus, loginOk, uniqueEmail, PASSWORD } from './harness.mjs';

const run = promisify(execFile);
const BIN = process.env.GOODDEEDS_BIN;

async function runBin(args, env = {}) {
  try {
    const { stdout, stderr } = await run(BIN, args, { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('gooddeeds command line', { concurrency: true }, () => {
  it('every subcommand has --help', async () => {
    for (const args of [['--help'], ['serve', '--help'], ['migrate', '--help'], ['admin', '--help'],
      ['admin', 'create-user', '--help'], ['verify-ledger', '--help'], ['prune-sync', '--help'],
      ['describe', '--help'], ['backup', '--help'], ['restore', '--help'], ['import', '--help'],
      ['import', 'tasks', '--help']]) {
      const r = await runBin(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.stdout.length > 40, `${args.join(' ')} prints help`);
    }
  });

  it('serve --help names every flag with its environment variable convention', async () => {
    const r = await runBin(['serve', '--help']);
    for (const flag of ['--listen', '--database', '--data-dir', '--log-level', '--cors-origins',
      '--token-keys', '--max-body-bytes', '--max-header-bytes', '--idle-timeout-ms', '--workers',
      '--db-pool-size', '--auth-rate-per-ip-burst', '--auth-rate-per-email-burst']) {
      assert.ok(r.stdout.includes(flag), `serve --help mentions ${flag}`);
    }
    assert.match(r.stdout, /GOODDEEDS_/);
  });

  it('an unknown command or flag exits 2 with a message', async () => {
    const a = await runBin(['frobnicate']);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /unknown command/);
    const b = await runBin(['serve', '--no-such-flag']);
    assert.equal(b.code, 2);
  });
});

describe('admin create-user and migrate', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv?.stop(); });

  it('migrate is idempotent on a running database', async () => {
    const r = await runBin(['migrate', '--database', srv.dbUrl]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /applied 0 migration/);
  });

  it('creates an admin who can sign in and carries the role', async () => {
    const email = uniqueEmail('admin');
    const r = await runBin(['admin', 'create-user', '--database', srv.dbUrl, '--email', email,
      '--password', PASSWORD, '--role', 'admin']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^[0-9a-f-]{36}$/);
    const s = await loginOk(srv.base, email);
    assert.deepEqual([...s.res.body.user.roles].sort(), ['admin', 'user']);
    const again = await runBin(['admin', 'create-user', '--database', srv.dbUrl, '--email', email,
      '--password', PASSWORD, '--role', 'admin']);
    assert.equal(again.code, 1, 'a duplicate email is refused');
    const weak = await runBin(['admin', 'create-user', '--database', srv.dbUrl, '--email',
      uniqueEmail('admin'), '--password', 'password', '--role', 'admin']);
    assert.equal(weak.code, 2, 'a weak password is refused');
  });
});

describe('graceful shutdown', () => {
  it('finishes an in-flight request after SIGTERM, then refuses new connections', async () => {
    const srv = await startServer();
    const email = uniqueEmail('shutdown');
    // Registration hashes a password (tens of milliseconds): still running when SIGTERM lands.
    const inflight = api(srv.base).post('/auth/register', { body: { email, password: PASSWORD, name: 'S' } });
    await new Promise((r) => setTimeout(r, 25));
    srv.proc.kill('SIGTERM');
    const res = await inflight;
    expectStatus(res, 201, 'the in-flight registration completes');
    // Wait for the exit on that one SIGTERM (stop() would send another if still running).
    for (let waited = 0; !srv.exited() && waited < 15_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await srv.stop();  // asserts exit code 0
    await assert.rejects(fetch(`${srv.origin}/healthz`), 'nothing listens after shutdown');
  });
});
