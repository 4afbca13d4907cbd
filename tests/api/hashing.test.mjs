// The hashing threads' flags: --hash-workers of them, --hash-normal-workers at the I/O
// threads' priority and the rest at --hash-nice (read from /proc, the kernel's own view),
// sign-ins working across both groups, and out-of-range levels refused at start-up.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { startServer, runBinary, registerUser, login, uniqueEmail } from './harness.mjs';

// Nice level of every thread of the process, from /proc/PID/task/TID/stat (field 19; the
// command name in parentheses may hold spaces, so count from its closing parenthesis).
async function threadNiceLevels(pid) {
  const levels = [];
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    levels.push(Number(fields[16]));  // field 19 overall; fields[0] is field 3
  }
  return levels;
}

const count = (xs, v) => xs.filter((x) => x === v).length;

describe('hashing threads', { concurrency: true }, () => {
  const servers = [];
  after(async () => { await Promise.all(servers.map((s) => s.stop())); });

  it('the threads beyond --hash-normal-workers run at --hash-nice, and sign-ins use both groups', async () => {
    // 13: a level nothing else in the process uses (the image thread runs at 10).
    const srv = await startServer({ args: ['--hash-workers', '3', '--hash-normal-workers', '1', '--hash-nice', '13'] });
    servers.push(srv);
    assert.equal(count(await threadNiceLevels(srv.proc.pid), 13), 2);
    const user = await registerUser(srv.base);
    // More sign-ins at once than normal threads: every one answered, for the account and for
    // an unknown email (the dummy hash).
    const attempts = await Promise.all(Array.from({ length: 6 }, (_, i) =>
      (i % 2 ? login(srv.base, user.email, user.password) : login(srv.base, uniqueEmail('nobody'), user.password))));
    attempts.forEach((res, i) => assert.equal(res.status, i % 2 ? 200 : 401, `attempt ${i}`));
  });

  it('with every thread at normal priority no thread runs at --hash-nice', async () => {
    const srv = await startServer({ args: ['--hash-workers', '2', '--hash-normal-workers', '2', '--hash-nice', '13'] });
    servers.push(srv);
    assert.equal(count(await threadNiceLevels(srv.proc.pid), 13), 0);
  });

  it('the environment variables set the same', async () => {
    const srv = await startServer({ env: { GOODDEEDS_HASH_WORKERS: '2', GOODDEEDS_HASH_NORMAL_WORKERS: '0', GOODDEEDS_HASH_NICE: '14' } });
    servers.push(srv);
    assert.equal(count(await threadNiceLevels(srv.proc.pid), 14), 2);
  });

  it('a nice level outside 0..19 stops the start with a message', async () => {
    for (const [args, env] of [[['--hash-nice', '20'], {}], [['--hash-nice=-1'], {}], [[], { GOODDEEDS_HASH_NICE: '99' }]]) {
      const r = await runBinary(['serve', '--listen', '127.0.0.1:1', ...args], env);
      assert.equal(r.code, 2, `${args.join(' ')} ${JSON.stringify(env)}: ${r.stderr}`);
      assert.match(r.stderr, /--hash-nice must be between 0 and 19/);
    }
  });
});
