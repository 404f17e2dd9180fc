import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startTestApp, type TestApp } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { appHeaders, createTenant, type Tenant } from '../harness/iam.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';
import { parseResponses, rawClient, within } from './raw-http.js';
import { startServerProcess, waitUntil, type ServerProcess } from './server-process.js';

/** Resident set size of a process now and at its peak (`VmRSS`, `VmHWM` of /proc), in MiB. */
function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/** A raw client that writes `payload` once and never reads: what a flooding client does. */
interface FloodSocket {
  socket: net.Socket;
  closed: Promise<void>;
}

function flood(port: number, payload: Buffer): Promise<FloodSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      // Paused and without a data listener: the client's receive buffer fills and stays full.
      socket.pause();
      socket.write(payload);
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}

/** Runs genesis on the server process; returns the Principal app's credentials as headers. */
async function genesis(server: ServerProcess, identity: TestIdentity): Promise<Record<string, string>> {
  const token = await identity.mintToken();
  const res = await fetch(`${server.baseUrl}/api/v1/genesis`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  const app = (JSON.parse(text) as { principal: { app: { external_id: string; api_keys: { key: string }[] } } }).principal.app;
  return { authorization: `Bearer ${token}`, ...appHeaders(app.external_id, app.api_keys[0]!.key) };
}

describe(
  'backpressure against hostile clients (server process)',
  { skip: process.env.CHOMPARDO_TEST_PG_ADMIN_URL ? false : 'needs the test PostgreSQL' },
  () => {
    let identity: TestIdentity;
    let database: TestDatabase;
    let server: ServerProcess;
    let headers: Record<string, string>;

    before(async () => {
      identity = await startTestIdentity();
      database = await createTestDatabase();
      server = await startServerProcess({
        DATABASE_URL: database.url!,
        AUTH_JWKS_URL: identity.jwksUrl,
        AUTH_ISSUER: identity.issuer,
        AUTH_AUDIENCE: identity.audience,
        MIGRATE_ON_START: 'false',
        // The machine's cores are shared: a starved CPU would make event-loop shedding a second,
        // independent reason for a 503 here. This test is about the bounds per connection.
        MAX_EVENT_LOOP_DELAY: '0',
      });
      headers = await genesis(server, identity);
    });

    after(async () => {
      await server?.kill();
      await database?.drop();
      await identity?.close();
    });

    it('keeps memory bounded and serves an authenticated request at once under a pipelining flood', async () => {
      const warm = await fetch(`${server.baseUrl}/api/v1/movies`, { headers });
      assert.equal(warm.status, 200);
      await warm.text();
      const baseline = memoryOf(server.child.pid!);

      const payload = Buffer.from('GET /api/v1/ping HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(40_000));
      const sockets = await Promise.all(Array.from({ length: 5 }, () => flood(server.port, payload)));
      try {
        // Give the flood a second to land, as the measured attack did, then probe.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const started = performance.now();
        const probe = await fetch(`${server.baseUrl}/api/v1/movies`, { headers, signal: AbortSignal.timeout(30_000) });
        const probeMs = performance.now() - started;
        const probeText = await probe.text();
        const memory = memoryOf(server.child.pid!);
        console.log(
          `flood: baseline RSS ${baseline.rssMiB.toFixed(0)} MiB, now ${memory.rssMiB.toFixed(0)} MiB, peak ${memory.peakMiB.toFixed(0)} MiB; probe ${probe.status} in ${probeMs.toFixed(0)} ms`,
        );
        assert.equal(probe.status, 200, probeText);
        // Unbounded, the same flood made this probe wait about 11 s (then 503) on this machine.
        assert.ok(probeMs < 5_000, `the probe took ${probeMs.toFixed(0)} ms`);
        assert.ok(
          memory.peakMiB - baseline.rssMiB < 150,
          `RSS grew from ${baseline.rssMiB.toFixed(0)} to a peak of ${memory.peakMiB.toFixed(0)} MiB`,
        );
      } finally {
        for (const { socket } of sockets) socket.destroy();
      }
    });
  },
);

/** A pipelined, authenticated movie list request carrying its own Request-Id. */
function movieListRequest(tenant: Tenant, id: string): string {
  const headers = Object.entries(tenant.headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return `GET /api/v1/movies HTTP/1.1\r\nHost: x\r\nRequest-Id: ${id}\r\n${headers}\r\n`;
}

/**
 * Holds an ACCESS EXCLUSIVE lock on the movie table: movie reads wait in PostgreSQL, so requests
 * stay in flight for real, as long as the test needs.
 */
async function lockMovies(t: TestApp): Promise<{ waiters(): Promise<number>; release(): Promise<void> }> {
  const locker = new pg.Client({ connectionString: t.database.url });
  const admin = new pg.Client({ connectionString: t.database.url });
  await Promise.all([locker.connect(), admin.connect()]);
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE movie.movie IN ACCESS EXCLUSIVE MODE');
  let released = false;
  return {
    async waiters() {
      const { rows } = await admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND application_name = 'chompardo-test'`,
        [t.database.name],
      );
      return rows[0]?.n ?? 0;
    },
    async release() {
      if (released) return;
      released = true;
      await locker.query('COMMIT').catch(() => undefined);
      await Promise.all([locker.end(), admin.end()]);
    },
  };
}

describe('backpressure per connection', { skip: process.env.CHOMPARDO_TEST_PG_ADMIN_URL ? false : 'needs the test PostgreSQL' }, () => {
  let t: TestApp;
  let tenant: Tenant;
  let port: number;

  before(async () => {
    t = await startTestApp({
      env: { MAX_IN_FLIGHT_PER_CONNECTION: '2', MAX_QUEUED_PER_CONNECTION: '3', SEND_TIMEOUT: '2s', MAX_EVENT_LOOP_DELAY: '0' },
    });
    tenant = await createTenant(t);
    port = Number(new URL(t.baseUrl).port);
  });

  after(async () => {
    await t?.close();
  });

  it('answers pipelined requests in order, however many are sent, when the client reads', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `pipe-${i}`);
    const client = rawClient(port, ids.map((id) => `GET /healthz HTTP/1.1\r\nHost: x\r\nRequest-Id: ${id}\r\n\r\n`).join(''));
    try {
      // 40 in one write is more than 2 in flight + 3 waiting: the server answers 503 + close at
      // the 6th, unless the bytes arrive in pieces. Either way, what is answered is in order.
      await within(client.closed, 10_000, 'the connection to close after its last answer');
      const responses = parseResponses(client.received());
      const served = responses.filter((r) => r.status === 200);
      assert.deepEqual(
        served.map((r) => r.headers['request-id']),
        ids.slice(0, served.length),
      );
      assert.ok(served.length >= 5, `served ${served.length}`);
      const last = responses.at(-1)!;
      assert.equal(last.status, 503);
      assert.equal(JSON.parse(last.body).error.code, 'too_many_pipelined_requests');
      assert.equal(last.headers.connection, 'close');
      assert.equal(last.headers['retry-after'], '1');
      assert.equal(responses.length, served.length + 1, 'nothing is answered after the 503');
    } finally {
      client.socket.destroy();
    }
  });

  it('stops reading a connection while its requests are in flight, and serves the rest once they finish', async () => {
    const lock = await lockMovies(t);
    const client = rawClient(port, movieListRequest(tenant, 'held-0') + movieListRequest(tenant, 'held-1'));
    try {
      await waitUntil(async () => (await lock.waiters()) === 2, 'two requests waiting in PostgreSQL');
      // Four more: read now, they would overflow 3 waiting places (503 + close). The server
      // must not read them while two are in flight.
      client.socket.write(['later-0', 'later-1', 'later-2', 'later-3'].map((id) => movieListRequest(tenant, id)).join(''));
      // A request on another connection is read after those bytes arrived: once it is
      // answered, the server had its chance to read them.
      assert.equal((await fetch(`${t.baseUrl}/healthz`)).status, 200);
      assert.equal(parseResponses(client.received()).length, 0);
      await lock.release();
      await waitUntil(() => parseResponses(client.received()).length === 6, 'six answers', 10_000);
      const responses = parseResponses(client.received());
      assert.deepEqual(
        responses.map((r) => [r.status, r.headers['request-id']]),
        ['held-0', 'held-1', 'later-0', 'later-1', 'later-2', 'later-3'].map((id) => [200, id]),
      );
      assert.equal(client.closedAfterMs(), undefined, 'the connection stays open');
    } finally {
      await lock.release();
      client.socket.destroy();
    }
  });

  it('answers 503 and closes past the waiting places, after serving what came before', async () => {
    const lock = await lockMovies(t);
    const ids = Array.from({ length: 8 }, (_, i) => `burst-${i}`);
    const client = rawClient(port, ids.map((id) => movieListRequest(tenant, id)).join(''));
    try {
      await waitUntil(async () => (await lock.waiters()) === 2, 'two requests waiting in PostgreSQL');
      await lock.release();
      await within(client.closed, 10_000, 'the connection to close');
      const responses = parseResponses(client.received());
      assert.deepEqual(
        responses.map((r) => [r.status, r.headers['request-id']]),
        [...ids.slice(0, 5).map((id) => [200, id]), [503, 'burst-5']],
        'two in flight and three waiting are served; the next is refused; the rest is not answered',
      );
      assert.equal(responses[5]!.headers.connection, 'close');
      assert.ok(t.logs.some((line) => line.message === 'too many pipelined requests: closing the connection'));
    } finally {
      await lock.release();
      client.socket.destroy();
    }
  });
});

describe('clients that stop reading', () => {
  let t: TestApp;
  let port: number;
  const accepted = new Map<number, net.Socket>();

  before(async () => {
    // Enough room per connection that only the send timeout can end a stalled one.
    t = await startTestApp({
      env: { SEND_TIMEOUT: '2s', MAX_IN_FLIGHT_PER_CONNECTION: '100', MAX_QUEUED_PER_CONNECTION: '1000', MAX_EVENT_LOOP_DELAY: '0' },
    });
    port = Number(new URL(t.baseUrl).port);
    t.app.server.on('connection', (socket: net.Socket) => accepted.set(socket.remotePort!, socket));
  });

  after(async () => {
    await t?.close();
  });

  /** The server's end of a client's connection (a client that never reads never sees it close). */
  function serverEndOf(client: net.Socket): net.Socket {
    const socket = accepted.get(client.localPort!);
    assert.ok(socket, 'the server accepted the connection');
    return socket;
  }

  it('disconnects a client that stopped reading its responses', async () => {
    // 200 copies of the spec are far more than the socket buffers hold.
    const client = rawClient(port, { payload: 'GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(200), noRead: true });
    await client.connected;
    await waitUntil(() => accepted.has(client.socket.localPort!), 'the server to accept the connection', 5_000);
    const serverEnd = serverEndOf(client.socket);
    const started = performance.now();
    try {
      await within(new Promise((resolve) => serverEnd.once('close', resolve)), 20_000, 'the server to close the connection');
      assert.ok(performance.now() - started >= 1_500, `closed after ${Math.round(performance.now() - started)} ms`);
      assert.ok(t.logs.some((line) => line.message === 'client stopped reading: closing the connection'));
    } finally {
      client.socket.destroy();
    }
  });

  it('keeps a client that reads slowly but steadily', async () => {
    const spec = await (await fetch(`${t.baseUrl}/openapi.json`)).text();
    const client = rawClient(port, 'GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(6));
    // Read one chunk, then nothing for 200 ms (well under the 2 s send timeout), and so on.
    client.socket.on('data', () => {
      client.socket.pause();
      setTimeout(() => client.socket.resume(), 200).unref();
    });
    try {
      await waitUntil(() => parseResponses(client.received()).length === 6, 'all six answers', 60_000, 50);
      assert.ok(parseResponses(client.received()).every((r) => r.status === 200 && r.body.length === spec.length));
      assert.equal(client.closedAfterMs(), undefined);
    } finally {
      client.socket.destroy();
    }
  });
});
