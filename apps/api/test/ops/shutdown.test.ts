import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createTestDatabase } from '../harness/database.js';
import { appHeaders } from '../harness/iam.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';
import { startAppOnDatabase } from './app-on-database.js';
import { exitWithin, startServerProcess, waitUntil, type ServerProcess } from './server-process.js';

/** True when a new TCP connection to `port` is refused (the listener is closed). */
function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** Backends of `database` waiting for a lock: requests of the server stuck behind our lock. */
async function lockWaiters(admin: pg.Client, database: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND application_name = 'chompardo-api'`,
    [database],
  );
  return rows[0]?.n ?? 0;
}

/** Runs genesis on a server process and returns the Principal app's headers for the admin. */
async function genesis(server: ServerProcess, identity: TestIdentity): Promise<{ headers: Record<string, string> }> {
  const token = await identity.mintToken();
  const res = await fetch(`${server.baseUrl}/api/v1/genesis`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  const body = JSON.parse(text) as { principal: { app: { external_id: string; api_keys: { key: string }[] } } };
  const app = body.principal.app;
  return { headers: { authorization: `Bearer ${token}`, ...appHeaders(app.external_id, app.api_keys[0]!.key) } };
}

/**
 * Holds an ACCESS EXCLUSIVE lock on the movie table in an open transaction: every request that
 * reads movies waits in PostgreSQL until `release()`. That is how the tests keep requests in
 * flight for as long as they need, for real.
 */
async function lockMovies(url: string): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE movie.movie IN ACCESS EXCLUSIVE MODE');
  return {
    async release() {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

describe('graceful shutdown', () => {
  let identity: TestIdentity;

  before(async () => {
    identity = await startTestIdentity();
  });

  after(async () => {
    await identity?.close();
  });

  it('turns readiness 503 once shutdown has begun', async () => {
    const database = await createTestDatabase();
    let stopping = false;
    const t = await startAppOnDatabase({ database, identity, shuttingDown: () => stopping });
    try {
      assert.equal((await t.request('GET', '/readyz')).status, 200);
      stopping = true;
      const res = await t.request('GET', '/readyz');
      assert.equal(res.status, 503);
      assert.equal(res.body.status, 'not_ready');
      assert.equal((await t.request('GET', '/healthz')).status, 200);
    } finally {
      await t.close();
      await database.drop();
    }
  });

  describe('of the server process', { skip: process.env.CHOMPARDO_TEST_PG_ADMIN_URL ? false : 'needs the test PostgreSQL' }, () => {
    const cleanups: (() => Promise<void>)[] = [];

    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    /** A server process on a database of its own, genesis done, plus an admin connection. */
    async function start(env: Record<string, string> = {}) {
      const database = await createTestDatabase();
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      cleanups.push(async () => {
        await admin.end();
        await database.drop();
      });
      const server = await startServerProcess({
        DATABASE_URL: database.url!,
        AUTH_JWKS_URL: identity.jwksUrl,
        AUTH_ISSUER: identity.issuer,
        AUTH_AUDIENCE: identity.audience,
        MIGRATE_ON_START: 'false',
        // A table lock holds the requests in flight: they must wait for it, not give up after the
        // default lock timeout with 503.
        DB_LOCK_TIMEOUT: '60s',
        ...env,
      });
      cleanups.push(() => server.kill());
      const { headers } = await genesis(server, identity);
      return { server, database, admin, headers };
    }

    it('on SIGTERM stops accepting, completes every in-flight request, closes the pool and exits 0', async () => {
      const { server, database, admin, headers } = await start({ DB_POOL_MAX: '30', SHUTDOWN_TIMEOUT: '20s' });
      let lock: { release(): Promise<void> } | undefined;
      try {
        const warm = await fetch(`${server.baseUrl}/api/v1/movies`, { headers });
        assert.equal(warm.status, 200);
        await warm.text();

        lock = await lockMovies(database.url!);
        const burst = 20;
        const inFlight = Array.from({ length: burst }, () =>
          fetch(`${server.baseUrl}/api/v1/movies`, { headers }).then(async (res) => ({
            status: res.status,
            connection: res.headers.get('connection'),
            text: await res.text(),
          })),
        );
        await waitUntil(async () => (await lockWaiters(admin, database.name)) === burst, `${burst} requests waiting in PostgreSQL`);

        server.child.kill('SIGTERM');
        await server.waitForLog((line) => line.message === 'shutting down: finishing in-flight requests', 5_000);
        await waitUntil(() => refusesConnections(server.port), 'the listener to close', 5_000);
        assert.equal(server.child.exitCode, null, 'still running while requests are in flight');

        await lock.release();
        lock = undefined;
        const answers = await Promise.all(inFlight);
        for (const answer of answers) {
          assert.equal(answer.status, 200, answer.text);
          assert.deepEqual(JSON.parse(answer.text), { items: [], next_cursor: null });
        }
        assert.deepEqual(await exitWithin(server, 15_000), { code: 0, signal: null });
        // Logged after the pool has closed.
        assert.ok(server.logs.some((line) => line.message === 'shutdown complete'));
      } finally {
        await lock?.release();
        await server.kill();
      }
    });

    it('exits at once on a second signal', async () => {
      const { server, database, admin, headers } = await start({ SHUTDOWN_TIMEOUT: '20s' });
      let lock: { release(): Promise<void> } | undefined;
      try {
        lock = await lockMovies(database.url!);
        const stuck = fetch(`${server.baseUrl}/api/v1/movies`, { headers }).then(
          (res) => res.status,
          () => 'connection lost' as const,
        );
        await waitUntil(async () => (await lockWaiters(admin, database.name)) === 1, 'a request waiting in PostgreSQL');
        server.child.kill('SIGINT');
        await server.waitForLog((line) => line.message === 'shutting down: finishing in-flight requests', 5_000);
        server.child.kill('SIGTERM');
        assert.deepEqual(await exitWithin(server, 5_000), { code: 1, signal: null });
        assert.equal(await stuck, 'connection lost');
      } finally {
        await lock?.release();
        await server.kill();
      }
    });

    it('cuts requests still running after SHUTDOWN_TIMEOUT, then closes the pool and exits 0', async () => {
      const { server, database, admin, headers } = await start({ SHUTDOWN_TIMEOUT: '1s' });
      let lock: { release(): Promise<void> } | undefined;
      try {
        lock = await lockMovies(database.url!);
        const stuck = fetch(`${server.baseUrl}/api/v1/movies`, { headers }).then(
          (res) => res.status,
          () => 'connection lost' as const,
        );
        await waitUntil(async () => (await lockWaiters(admin, database.name)) === 1, 'a request waiting in PostgreSQL');
        const signalled = performance.now();
        server.child.kill('SIGTERM');
        await server.waitForLog((line) => line.message === 'shutdown timeout reached: closing the remaining connections', 5_000);
        assert.equal(await stuck, 'connection lost');
        assert.ok(performance.now() - signalled >= 900, 'waited for the timeout');
        // The query holding a pooled connection ends once the lock goes; then the pool closes.
        await lock.release();
        lock = undefined;
        assert.deepEqual(await exitWithin(server, 5_000), { code: 0, signal: null });
      } finally {
        await lock?.release();
        await server.kill();
      }
    });
  });
});
