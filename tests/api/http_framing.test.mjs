// Request framing (RFC 9112 §3.2, §6.1, §6.3) over raw sockets: a body framed by a transfer
// coding the server does not implement must not be run as the connection's next request
// (request smuggling), and an HTTP/1.1 request without Host is a 400. Both close the
// connection.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, rawRequest, rawStatus } from './harness.mjs';

let srv;

before(async () => {
  srv = await startServer();
});

after(async () => {
  await srv?.stop();
});

// How many HTTP responses `text` holds.
function responses(text) {
  return (text.match(/^HTTP\/1\.[01] \d{3}/gm) || []).length;
}

describe('request framing', { concurrency: true }, () => {
  for (const te of ['identity', 'gzip', 'gzip, chunked', 'chunked, identity']) {
    it(`Transfer-Encoding: ${te} without Content-Length → 400, body not run as a request`, async () => {
      const smuggled = 'GET /api/v1/no-such-route-smuggled HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
      const text = await rawRequest(srv.port,
        `POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        `Transfer-Encoding: ${te}\r\n\r\n${smuggled}`, { timeoutMs: 5_000 });
      assert.equal(rawStatus(text), 400, `raw reply: ${text.slice(0, 500)}`);
      assert.match(text, /MALFORMED_REQUEST/);
      assert.match(text, /\r\nconnection: close\r\n/i);
      assert.equal(responses(text), 1, `one answer only: ${text.slice(0, 1500)}`);
      assert.doesNotMatch(text, /NOT_FOUND/);
    });
  }

  it('Transfer-Encoding on an HTTP/1.0 request → 400', async () => {
    const text = await rawRequest(srv.port,
      'POST /api/v1/auth/login HTTP/1.0\r\nContent-Type: application/json\r\n' +
      'Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n', { timeoutMs: 5_000 });
    assert.equal(rawStatus(text), 400, `raw reply: ${text.slice(0, 500)}`);
    assert.match(text, /MALFORMED_REQUEST/);
  });

  it('chunked alone still works', async () => {
    const text = await rawRequest(srv.port,
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n', { timeoutMs: 5_000 });
    assert.equal(rawStatus(text), 400, `raw reply: ${text.slice(0, 500)}`);
    assert.match(text, /VALIDATION_FAILED/, 'the body was read and validated');
  });

  it('an HTTP/1.1 request without Host → 400, and the connection closes', async () => {
    const text = await rawRequest(srv.port,
      'GET /healthz HTTP/1.1\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 5_000 });
    assert.equal(rawStatus(text), 400, `raw reply: ${text.slice(0, 500)}`);
    assert.match(text, /MALFORMED_REQUEST/);
    assert.equal(responses(text), 1, text.slice(0, 1500));
  });

  it('two Host fields → 400', async () => {
    const text = await rawRequest(srv.port,
      'GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n', { timeoutMs: 5_000 });
    assert.equal(rawStatus(text), 400, `raw reply: ${text.slice(0, 500)}`);
  });

  it('HTTP/1.0 without Host and HTTP/1.1 with Host are served', async () => {
    assert.equal(rawStatus(await rawRequest(srv.port, 'GET /healthz HTTP/1.0\r\n\r\n')), 200);
    assert.equal(rawStatus(await rawRequest(srv.port,
      'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')), 200);
  });
});
