import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../harness/app.js';
import { firstResponse, parseResponses, rawClient, within, type RawResponse } from './raw-http.js';
import { waitUntil } from './server-process.js';

/** The security headers every answer carries. */
const securityHeaderNames = ['x-content-type-options', 'x-frame-options', 'content-security-policy', 'cache-control', 'referrer-policy'];

function portOf(t: TestApp): number {
  return Number(new URL(t.baseUrl).port);
}

/** Sends `payload` on a fresh connection and resolves with the first response, once complete. */
async function exchange(t: TestApp, payload: string | Buffer): Promise<{ res: RawResponse; closed: () => boolean }> {
  const client = rawClient(portOf(t), { payload });
  await waitUntil(() => parseResponses(client.received()).length > 0 || client.closedAfterMs() !== undefined, 'a response', 10_000);
  const res = firstResponse(client.received());
  return {
    res,
    closed: () => {
      const done = client.closedAfterMs() !== undefined;
      if (!done) client.socket.destroy();
      return done;
    },
  };
}

/**
 * What every answer of the API carries, edge answers included: the security headers, a
 * Request-Id, a JSON error body with `kind`, `code` and `message`, and one access log line with
 * the same request id and status.
 */
async function assertContractShape(t: TestApp, res: RawResponse, expected: { status: number; kind: string; code: string }): Promise<void> {
  assert.equal(res.status, expected.status, res.body);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['x-frame-options'], 'DENY');
  assert.match(res.headers['content-security-policy'] ?? '', /^default-src 'none'; ?frame-ancestors 'none'$/);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers['referrer-policy'], 'no-referrer');
  // Exactly what a routed answer carries: both come from one helmet configuration.
  const routed = await t.request('GET', '/healthz');
  for (const name of securityHeaderNames) assert.equal(res.headers[name], routed.headers.get(name), name);
  const requestId = res.headers['request-id'] ?? '';
  assert.match(requestId, /^[A-Za-z0-9._-]{1,128}$/);
  const body = JSON.parse(res.body) as { error: Record<string, string> };
  assert.deepEqual(Object.keys(body), ['error']);
  assert.equal(body.error.kind, expected.kind);
  assert.equal(body.error.code, expected.code);
  assert.ok(body.error.message, 'a message');
  await waitUntil(
    () => t.logs.some((line) => line.request_id === requestId && line.message === 'request logged'),
    'the access log line',
    5_000,
  );
  const line = t.logs.find((l) => l.request_id === requestId && l.message === 'request logged')!;
  assert.equal(line.status, expected.status);
  assert.equal(typeof line.remote_ip, 'string');
}

describe('answers given below the application follow the contract', () => {
  let t: TestApp;

  before(async () => {
    t = await startTestApp({ env: { HEADERS_TIMEOUT: '1s', REQUEST_TIMEOUT: '2s', MAX_REQUESTS_PER_SOCKET: '2' } });
  });

  after(async () => {
    await t?.close();
  });

  it('answers 400 to a path that is not validly percent-encoded', async () => {
    const { res } = await exchange(t, 'GET /api/v1/movies/%zz HTTP/1.1\r\nHost: x\r\nRequest-Id: bad-url-1\r\n\r\n');
    await assertContractShape(t, res, { status: 400, kind: 'invalid_request_error', code: 'malformed_url' });
    assert.equal(res.headers['request-id'], 'bad-url-1', 'a safe incoming Request-Id is reused');
  });

  it('answers 414 to a path parameter over 200 characters', async () => {
    const { res } = await exchange(t, `GET /api/v1/movies/${'a'.repeat(201)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await assertContractShape(t, res, { status: 414, kind: 'invalid_request_error', code: 'path_parameter_too_long' });
  });

  it('answers 400 to an HTTP/1.1 request without Host and closes the connection', async () => {
    const { res, closed } = await exchange(t, 'GET /healthz HTTP/1.1\r\n\r\n');
    await assertContractShape(t, res, { status: 400, kind: 'invalid_request_error', code: 'missing_host' });
    assert.equal(res.headers.connection, 'close');
    await waitUntil(closed, 'the connection to close', 5_000);
  });

  it('answers 400 to a request with two Host headers and closes the connection', async () => {
    const { res, closed } = await exchange(t, 'GET /healthz HTTP/1.1\r\nHost: a.example\r\nhost: b.example\r\n\r\n');
    await assertContractShape(t, res, { status: 400, kind: 'invalid_request_error', code: 'duplicate_host' });
    await waitUntil(closed, 'the connection to close', 5_000);
  });

  it('answers 417 to an expectation other than 100-continue, and still honours 100-continue', async () => {
    const { res } = await exchange(t, 'GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: the-unexpected\r\n\r\n');
    await assertContractShape(t, res, { status: 417, kind: 'invalid_request_error', code: 'expectation_failed' });

    const body = '{"title":"x"}';
    const client = rawClient(
      portOf(t),
      `POST /api/v1/recipes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
    );
    await waitUntil(() => client.received().startsWith('HTTP/1.1 100 Continue\r\n'), '100 Continue', 5_000);
    client.socket.write(body);
    await waitUntil(() => client.received().includes('HTTP/1.1 401'), 'the final answer', 5_000);
    client.socket.destroy();
  });

  it('answers 415 to a request body with a Content-Encoding other than identity', async () => {
    const json = JSON.stringify({ title: 'Soup' });
    for (const [coding, body] of [
      ['gzip', Buffer.from(json)],
      ['gzip', gzipSync(json)],
      ['br', Buffer.from(json)],
    ] as const) {
      const head = `POST /api/v1/recipes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: ${coding}\r\nContent-Length: ${body.length}\r\n\r\n`;
      const { res } = await exchange(t, Buffer.concat([Buffer.from(head), body]));
      await assertContractShape(t, res, { status: 415, kind: 'unsupported_media_type_error', code: 'unsupported_content_encoding' });
    }
    // identity is no coding at all: the request goes on to authentication.
    const identity = await t.request('POST', '/api/v1/recipes', { json: { title: 'Soup' }, headers: { 'content-encoding': 'identity' } });
    assert.equal(identity.status, 401);
  });

  it('answers 431 to request headers over the limit', async () => {
    const { res, closed } = await exchange(t, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    await assertContractShape(t, res, { status: 431, kind: 'invalid_request_error', code: 'header_too_large' });
    await waitUntil(closed, 'the connection to close', 5_000);
  });

  it('answers 400 to bytes that are not HTTP', async () => {
    const { res } = await exchange(t, 'HELLO THERE\r\n\r\n');
    await assertContractShape(t, res, { status: 400, kind: 'invalid_request_error', code: 'malformed_request' });
  });

  it('answers 408 on time when the headers do not arrive within the headers timeout', async () => {
    const client = rawClient(portOf(t), 'GET /healthz HTTP/1.1\r\nHost: x\r\n');
    await within(client.closed, 10_000, 'the server to close the connection');
    await assertContractShape(t, firstResponse(client.received()), { status: 408, kind: 'invalid_request_error', code: 'request_timeout' });
    // Node checks its timers every connectionsCheckingInterval (30 s unless set): the answer
    // comes within the timeout plus that interval, not up to 30 s late.
    assert.ok(client.closedAfterMs()! >= 900 && client.closedAfterMs()! < 4_000, `closed after ${client.closedAfterMs()} ms`);
  });

  it('closes a connection at the requests-per-connection limit even when more are pipelined', async () => {
    const request = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
    const client = rawClient(portOf(t), request.repeat(3));
    await within(client.closed, 10_000, 'the connection to close');
    const responses = parseResponses(client.received());
    assert.deepEqual(
      responses.map((r) => [r.status, r.headers.connection]),
      [
        [200, 'keep-alive'],
        [200, 'close'],
      ],
      'the last allowed request closes the connection; what was pipelined after it is not answered',
    );
  });
});
