import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startTestApp, type TestApp } from '../harness/app.js';
import type { TestDatabase } from '../harness/database.js';
import { createTenant, principalHeaders, runGenesis, type Tenant } from '../harness/iam.js';
import { configuredTestDatabase } from './app-on-database.js';
import { firstResponse, parseResponses, rawClient, within, type RawClient, type RawResponse } from './raw-http.js';
import { waitUntil } from './server-process.js';

function portOf(t: TestApp): number {
  return Number(new URL(t.baseUrl).port);
}

/** Keeps this process' event loop busy for `ms` (what a saturated server's loop looks like). */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

/** Yields until the timers phase of the next loop turn (where the load monitor samples). */
function nextTimersPhase(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A connected raw client that has sent nothing yet. */
async function idleClient(t: TestApp): Promise<RawClient> {
  const client = rawClient(portOf(t));
  await client.connected;
  return client;
}

async function responseOf(client: RawClient): Promise<RawResponse> {
  await waitUntil(() => parseResponses(client.received()).length > 0, 'a response', 10_000, 5);
  return firstResponse(client.received());
}

function assertShed(res: RawResponse): void {
  assert.equal(res.status, 503, res.body);
  assert.deepEqual(JSON.parse(res.body), {
    error: { kind: 'unavailable_error', code: 'overloaded', message: 'the service is overloaded, please retry' },
  });
  assert.equal(res.headers['retry-after'], '1');
  assert.match(res.headers['request-id'] ?? '', /^[A-Za-z0-9._-]+$/);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['cache-control'], 'no-store');
}

describe('load shedding', () => {
  describe('when the event loop is saturated', () => {
    let t: TestApp;

    before(async () => {
      t = await startTestApp({ env: { MAX_EVENT_LOOP_DELAY: '100ms' } });
    });

    after(async () => {
      await t?.close();
    });

    it('answers new requests 503 at once, keeps answering /healthz, and recovers by itself', async () => {
      const ping = await idleClient(t);
      const healthz = await idleClient(t);
      // The server runs in this process: a loop kept busy turn after turn is a saturated server.
      // Each busy turn makes one sample of the load monitor late; after the second, the
      // requests are written and read within the same loop turn.
      busyFor(400);
      await nextTimersPhase();
      busyFor(400);
      await nextTimersPhase();
      ping.socket.write('GET /api/v1/ping HTTP/1.1\r\nHost: x\r\n\r\n');
      healthz.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      const written = performance.now();

      const shed = await responseOf(ping);
      const answeredMs = performance.now() - written;
      assertShed(shed);
      assert.ok(answeredMs < 2_000, `answered after ${Math.round(answeredMs)} ms`);
      const probe = await responseOf(healthz);
      assert.equal(probe.status, 200, 'the liveness probe is never shed');
      assert.ok(
        t.logs.some((line) => line.message === 'under pressure: shedding new requests' && line.reason === 'event_loop_delay'),
        'the start of shedding is logged',
      );
      const access = t.logs.find((line) => line.request_id === shed.headers['request-id'] && line.message === 'request logged');
      assert.equal(access?.status, 503);
      assert.equal(access?.shed_reason, 'event_loop_delay');
      ping.socket.destroy();
      healthz.socket.destroy();

      await waitUntil(
        async () => (await fetch(`${t.baseUrl}/api/v1/ping`)).status === 200,
        'the server to accept requests again',
        10_000,
        100,
      );
      assert.ok(t.logs.some((line) => line.message === 'pressure relieved: accepting requests'));
    });

    it('does not shed after one long block of the loop that is over', async () => {
      // A shared CPU can make a sample late on its own; one clean try out of three is the point.
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 3 && !statuses.includes(200); attempt++) {
        await waitUntil(async () => (await fetch(`${t.baseUrl}/api/v1/ping`)).status === 200, 'a calm server', 10_000, 100);
        const ping = await idleClient(t);
        busyFor(400);
        ping.socket.write('GET /api/v1/ping HTTP/1.1\r\nHost: x\r\n\r\n');
        statuses.push((await responseOf(ping)).status);
        ping.socket.destroy();
      }
      assert.ok(statuses.includes(200), `statuses after a single block: ${statuses.join(', ')}`);
    });
  });

  describe(
    'when a queue stands in front of the database connections',
    { skip: process.env.CHOMPARDO_TEST_PG_ADMIN_URL ? false : 'needs the test PostgreSQL' },
    () => {
      let t: TestApp;
      let database: TestDatabase;
      let admin: Record<string, string>;
      const env = {
        // One connection, long database limits: the requests behind a held lock wait in the pool's queue for as long as the test needs.
        DB_POOL_MAX: '1',
        DB_LOCK_TIMEOUT: '30s',
        DB_POOL_WAIT_TIMEOUT: '30s',
        SHED_QUEUE_DELAY: '10ms',
        MAX_EVENT_LOOP_DELAY: '0',
      };

      before(async () => {
        database = await configuredTestDatabase(env);
        t = await startTestApp({ database, env });
        admin = principalHeaders(await runGenesis(t));
      });

      after(async () => {
        await t?.close();
        await database?.drop();
      });

      it('sheds new requests once the busy loop has seen the queue stand for 500 ms, never the probes, and stops by itself', async () => {
        const locker = new pg.Client({ connectionString: database.url });
        await locker.connect();
        try {
          await locker.query('BEGIN');
          await locker.query('LOCK TABLE movie.movie IN ACCESS EXCLUSIVE MODE');
          // One read holds the only connection (waiting on the lock), the others wait for it.
          const held = Array.from({ length: 30 }, () => fetch(`${t.baseUrl}/api/v1/movies?limit=1`, { headers: admin }));
          await waitUntil(() => database.db.queueLength() === 29, '29 reads waiting for the connection');

          // A queue that stands while the process idles is the database's to answer: nothing is shed.
          const idle = await idleClient(t);
          idle.socket.write('GET /api/v1/ping HTTP/1.1\r\nHost: x\r\n\r\n');
          assert.equal((await responseOf(idle)).status, 200, 'a lock held elsewhere is no overload');
          idle.socket.destroy();

          // The server runs in this process: a loop kept busy turn after turn is a saturated server.
          const started = performance.now();
          while (!t.logs.some((line) => line.message === 'queue standing: shedding what waits past the target')) {
            assert.ok(performance.now() - started < 10_000, 'shedding did not start within 10 s of a busy loop');
            busyFor(30);
            await nextTimersPhase();
          }
          assert.ok(performance.now() - started >= 450, 'not before five standing intervals');
          const start = t.logs.find((line) => line.message === 'queue standing: shedding what waits past the target')!;
          assert.equal(start.reason, 'queue_delay');
          assert.equal(start.waiting, 29);

          const ping = await idleClient(t);
          const healthz = await idleClient(t);
          ping.socket.write('GET /api/v1/ping HTTP/1.1\r\nHost: x\r\n\r\n');
          healthz.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
          const shed = await responseOf(ping);
          assertShed(shed);
          assert.equal((await responseOf(healthz)).status, 200, 'the liveness probe is never shed');
          const access = t.logs.find((line) => line.request_id === shed.headers['request-id'] && line.message === 'request logged');
          assert.equal(access?.shed_reason, 'queue_delay');
          ping.socket.destroy();
          healthz.socket.destroy();

          // The lock goes: the queue drains, every request admitted before is served.
          await locker.query('COMMIT');
          for (const res of await Promise.all(held)) assert.equal(res.status, 200);
          await waitUntil(
            () => t.logs.some((line) => line.message === 'queue gone: accepting every request'),
            'shedding to stop by itself',
            10_000,
            20,
          );
          assert.equal((await fetch(`${t.baseUrl}/api/v1/ping`)).status, 200);
        } finally {
          await locker.end().catch(() => undefined);
        }
      });
    },
  );

  describe(
    'when the in-flight bound is reached',
    { skip: process.env.CHOMPARDO_TEST_PG_ADMIN_URL ? false : 'needs the test PostgreSQL' },
    () => {
      let t: TestApp;
      let tenant: Tenant;

      before(async () => {
        t = await startTestApp({ env: { MAX_IN_FLIGHT: '2', MAX_EVENT_LOOP_DELAY: '0' } });
        tenant = await createTenant(t);
      });

      after(async () => {
        await t?.close();
      });

      it('answers 503 at once while that many requests are being handled, never to the probes', async () => {
        const url = t.database.url!;
        const locker = new pg.Client({ connectionString: url });
        const admin = new pg.Client({ connectionString: url });
        await Promise.all([locker.connect(), admin.connect()]);
        try {
          await locker.query('BEGIN');
          await locker.query('LOCK TABLE movie.movie IN ACCESS EXCLUSIVE MODE');
          // Two movie reads wait in PostgreSQL behind the lock: two requests in flight.
          const held = [0, 1].map(() => fetch(`${t.baseUrl}/api/v1/movies`, { headers: tenant.headers }));
          await waitUntil(async () => {
            const { rows } = await admin.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND application_name = 'chompardo-test'`,
              [t.database.name],
            );
            return rows[0]?.n === 2;
          }, 'two requests waiting in PostgreSQL');

          const started = performance.now();
          const ping = rawClient(portOf(t), 'GET /api/v1/ping HTTP/1.1\r\nHost: x\r\n\r\n');
          const shed = await responseOf(ping);
          assert.ok(performance.now() - started < 2_000, 'refused without waiting');
          assertShed(shed);
          assert.equal(shed.headers.connection, 'keep-alive', 'a bodiless request keeps its connection');
          ping.socket.destroy();

          const body = JSON.stringify({ title: 'Soup' });
          const post = rawClient(
            portOf(t),
            `POST /api/v1/recipes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
          );
          const shedPost = await responseOf(post);
          assertShed(shedPost);
          assert.equal(shedPost.headers.connection, 'close', 'a body the server does not read costs the connection');
          await within(post.closed, 5_000, 'the connection to close');

          assert.equal((await fetch(`${t.baseUrl}/healthz`)).status, 200);
          assert.equal((await fetch(`${t.baseUrl}/readyz`)).status, 200);

          await locker.query('COMMIT');
          for (const res of await Promise.all(held)) assert.equal(res.status, 200);
          const after = await fetch(`${t.baseUrl}/api/v1/ping`);
          assert.equal(after.status, 200);
        } finally {
          await locker.end().catch(() => undefined);
          await admin.end();
        }
      });
    },
  );
});
