// Concurrency smoke test: many keep-alive connections on a multi-threaded server. A bug in
// how coroutines and threads meet (a connection's coroutine resumed on another thread)
// crashed the server within seconds under this kind of load; it must stay up and answer
// every request.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, registerUser } from './harness.mjs';

describe('concurrent load on two worker threads', () => {
  let srv;
  before(async () => { srv = await startServer({ args: ['--workers', '2', '--access-log', 'false'] }); });
  after(async () => { await srv?.stop(); });

  it('answers 64 parallel clients x 60 requests without an error', async () => {
    const u = await registerUser(srv.base);
    const statuses = new Map();
    const client = async (i) => {
      for (let n = 0; n < 60; n++) {
        const url = (i + n) % 2 ? `${srv.origin}/healthz` : `${srv.base}/users/me`;
        const res = await fetch(url, { headers: { authorization: `Bearer ${u.accessToken}` } });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) || 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 64 }, (_, i) => client(i)));
    assert.deepEqual([...statuses.entries()], [[200, 64 * 60]]);
    const health = await fetch(`${srv.origin}/healthz`);
    assert.equal(health.status, 200);
  });
});
