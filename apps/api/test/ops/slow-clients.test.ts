import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../harness/app.js';
import { waitUntil } from './server-process.js';

/** A raw TCP client: what it received, and when the server closed the connection. */
interface RawClient {
  socket: net.Socket;
  received(): string;
  /** Milliseconds from connect to the server closing the connection, once closed. */
  closedAfterMs(): number | undefined;
  connected: Promise<void>;
}

function rawClient(port: number, payload?: string): RawClient {
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  let closedAfter: number | undefined;
  const started = performance.now();
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    data += chunk;
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closedAfter = performance.now() - started;
  });
  const connected = new Promise<void>((resolve) => {
    socket.once('connect', () => {
      if (payload !== undefined) socket.write(payload);
      resolve();
    });
  });
  return { socket, received: () => data, closedAfterMs: () => closedAfter, connected };
}

/** Splits a raw HTTP response into status, lower-cased headers and body. */
function parseResponse(raw: string): { status: number; headers: Record<string, string>; body: string } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

function portOf(t: TestApp): number {
  return Number(new URL(t.baseUrl).port);
}

describe('slow and abusive clients', () => {
  describe('with short timeouts', () => {
    let t: TestApp;

    before(async () => {
      t = await startTestApp({
        env: { HEADERS_TIMEOUT: '1s', REQUEST_TIMEOUT: '2s', KEEP_ALIVE_TIMEOUT: '1s', MAX_REQUESTS_PER_SOCKET: '3' },
      });
    });

    after(async () => {
      await t?.close();
    });

    it('answers 408 and closes a connection whose headers do not arrive in time', async () => {
      const client = rawClient(portOf(t), 'GET /healthz HTTP/1.1\r\nHost: x\r\n');
      await waitUntil(() => client.closedAfterMs() !== undefined, 'the server to close the connection', 5_000);
      const res = parseResponse(client.received());
      assert.equal(res.status, 408);
      assert.ok(client.closedAfterMs()! >= 900, `closed after ${client.closedAfterMs()} ms`);
      assert.deepEqual(JSON.parse(res.body), {
        error: { kind: 'invalid_request_error', code: 'request_timeout', message: 'the request was not received in time' },
      });
      assert.match(res.headers['request-id'] ?? '', /^[A-Za-z0-9._-]+$/);
      assert.equal(res.headers['connection'], 'close');
    });

    it('closes a connection that never sends anything', async () => {
      const client = rawClient(portOf(t));
      await waitUntil(() => client.closedAfterMs() !== undefined, 'the server to close the connection', 5_000);
      assert.ok(client.closedAfterMs()! >= 900);
    });

    it('answers 408 when the body does not arrive within the request timeout', async () => {
      const client = rawClient(
        portOf(t),
        'POST /api/v1/recipes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"title":',
      );
      await waitUntil(() => client.closedAfterMs() !== undefined, 'the server to close the connection', 6_000);
      assert.equal(parseResponse(client.received()).status, 408);
      assert.ok(client.closedAfterMs()! >= 1_900, `closed after ${client.closedAfterMs()} ms`);
    });

    it('reaps 60 half-open connections', async () => {
      const clients = Array.from({ length: 60 }, () => rawClient(portOf(t), 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: '));
      await waitUntil(() => clients.every((client) => client.closedAfterMs() !== undefined), 'every connection to be closed', 6_000, 50);
      for (const client of clients) assert.equal(parseResponse(client.received()).status, 408);
    });

    it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
      const client = rawClient(portOf(t), 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await waitUntil(() => client.received().includes('{"status":"ok"}'), 'the response', 5_000);
      const res = parseResponse(client.received());
      assert.equal(res.status, 200);
      assert.match(res.headers['keep-alive'] ?? '', /^timeout=1\b/);
      await waitUntil(() => client.closedAfterMs() !== undefined, 'the idle connection to be closed', 5_000);
    });

    it('closes a connection after the maximum number of requests', async () => {
      const request = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
      const client = rawClient(portOf(t), request);
      const responses = () => client.received().split('HTTP/1.1 ').slice(1);
      for (let sent = 1; sent <= 3; sent++) {
        await waitUntil(() => responses().length === sent && responses()[sent - 1]!.includes('{"status":"ok"}'), `response ${sent}`, 5_000);
        if (sent < 3) client.socket.write(request);
      }
      const connection = responses().map((raw) => parseResponse(`HTTP/1.1 ${raw}`).headers['connection']);
      assert.deepEqual(connection, ['keep-alive', 'keep-alive', 'close']);
      await waitUntil(() => client.closedAfterMs() !== undefined, 'the server to close the connection', 5_000);
    });
  });

  describe('with the default limits', () => {
    let t: TestApp;

    before(async () => {
      t = await startTestApp();
    });

    after(async () => {
      await t?.close();
    });

    it('answers 431 to request headers over 16 KiB', async () => {
      const client = rawClient(portOf(t), `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      await waitUntil(() => client.closedAfterMs() !== undefined, 'the server to close the connection', 5_000);
      const res = parseResponse(client.received());
      assert.equal(res.status, 431);
      assert.equal(JSON.parse(res.body).error.code, 'header_too_large');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
    });

    it('serves a normal request at once while 60 half-open connections are held', async () => {
      const clients = Array.from({ length: 60 }, () => rawClient(portOf(t), 'GET /api/v1/ping HTTP/1.1\r\nHost: x\r\nX-Slow: '));
      try {
        await Promise.all(clients.map((client) => client.connected));
        const started = performance.now();
        const ping = await t.request('GET', '/api/v1/ping');
        const ms = performance.now() - started;
        assert.equal(ping.status, 200);
        assert.deepEqual(ping.body, { db_up: true });
        assert.ok(ms < 1_000, `took ${Math.round(ms)} ms`);
        assert.ok(
          clients.every((client) => client.closedAfterMs() === undefined),
          'the slow connections are still held',
        );
      } finally {
        for (const client of clients) client.socket.destroy();
      }
    });
  });
});
