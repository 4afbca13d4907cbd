// Log lines stay whole when stdout (the access log) and stderr (the application log) go to
// one file, as `gooddeeds serve >log 2>&1` or a service manager does: under load, every line
// of the file is either an access log JSON object or an application log line. (stdio used to
// flush the access log's buffer when it was full, mid-line, and application lines landed in
// the gap.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { freePort, registerUser } from './harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const APP_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (trace|debug|info|warning|warn|error|critical) /;

// A PNG header declaring 50,000 x 50,000 pixels: refused, with a debug line on stderr.
function hugePng() {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(50_000, 0);
  ihdr.writeUInt32BE(50_000, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
  };
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(10))), chunk('IEND', Buffer.alloc(0))]);
}

describe('stdout and stderr in one file', () => {
  it('every line is whole under load', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gooddeeds-logs-'));
    const port = await freePort();
    const log = path.join(dir, 'server.log');
    const proc = spawn('bash', ['-c', 'exec "$0" "$@" >"$LOGFILE" 2>&1', process.env.GOODDEEDS_BIN,
      'serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dir, '--log-level', 'debug',
      '--workers', '2', '--auth-rate-per-ip-burst', '100000'],
    { env: { ...process.env, LOGFILE: log }, stdio: 'ignore' });
    const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
    try {
      const origin = `http://127.0.0.1:${port}`;
      for (let i = 0; ; i++) {
        try {
          if ((await fetch(`${origin}/healthz`)).status === 200) break;
        } catch {}
        if (i > 200) throw new Error('the server did not start');
        await sleep(100);
      }
      const u = await registerUser(`${origin}/api/v1`);
      const png = hugePng();
      const longPath = `/api/v1/no-such-route/${'x'.repeat(300)}`;
      const work = [];
      for (let w = 0; w < 16; w++) {
        work.push((async () => {
          for (let i = 0; i < 150; i++) {
            if (i % 3 === 0) {
              const r = await fetch(`${origin}/api/v1/uploads`, {
                method: 'POST', body: png,
                headers: { 'content-type': 'image/png', authorization: `Bearer ${u.accessToken}` },
              });
              await r.arrayBuffer();
            } else {
              await (await fetch(`${origin}${i % 3 === 1 ? '/healthz' : longPath}`)).arrayBuffer();
            }
          }
        })());
      }
      await Promise.all(work);
      proc.kill('SIGTERM');
      assert.deepEqual(await exited, { code: 0, signal: null });
      const lines = (await readFile(log, 'utf8')).split('\n');
      assert.equal(lines.pop(), '', 'the file ends with a whole line');
      let access = 0;
      let app = 0;
      const broken = [];
      for (const line of lines) {
        if (line.startsWith('{')) {
          try {
            assert.equal(JSON.parse(line).type, 'access');
            access++;
          } catch {
            broken.push(line);
          }
        } else if (APP_LINE.test(line)) {
          app++;
        } else {
          broken.push(line);
        }
      }
      assert.deepEqual(broken.slice(0, 5), [], `${broken.length} broken lines of ${lines.length}`);
      assert.ok(access >= 16 * 150, `every request has its access line (${access})`);
      assert.ok(app >= 1, `application lines are in the file too (${app})`);
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
