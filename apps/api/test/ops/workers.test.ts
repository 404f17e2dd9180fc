import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { poolShare } from '../../src/workers.js';
import { createBlankDatabase, createTestDatabase } from '../harness/database.js';
import { appHeaders } from '../harness/iam.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';
import { exitWithin, startServerProcess, waitUntil, type ServerProcess } from './server-process.js';

/**
 * WORKERS=2: a supervisor process and two workers sharing the port, started as production starts
 * the API. Which worker answered a request is read from its access log line (workers log their
 * `pid`); requests go over fresh connections, which the supervisor hands out round-robin.
 */

describe('poolShare', () => {
  it('splits the pool budget so that the shares add up to it and differ by at most one', () => {
    assert.deepEqual([0, 1, 2].map((slot) => poolShare(10, 3, slot)), [4, 3, 3]);
    assert.deepEqual([0, 1].map((slot) => poolShare(10, 2, slot)), [5, 5]);
    assert.deepEqual([0, 1, 2, 3].map((slot) => poolShare(4, 4, slot)), [1, 1, 1, 1]);
  });
});

/** One request over a connection of its own, tagged with a fresh Request-Id. */
async function freshRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; text: string; requestId: string }> {
  const requestId = randomUUID();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${baseUrl}${path}`,
      {
        method,
        agent: false,
        headers: {
          ...headers,
          'request-id': requestId,
          connection: 'close',
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
        timeout: 20_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, requestId }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 20 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The pid of the worker that logged the access line of `requestId` (waits for the line). */
async function servedBy(server: ServerProcess, requestId: string): Promise<number> {
  const line = await server.waitForLog((l) => l.message === 'request logged' && l.request_id === requestId, 10_000);
  assert.equal(typeof line.pid, 'number', 'worker log lines carry the pid');
  return line.pid as number;
}

/** Pids of the workers that served `requestIds`. */
async function servers(server: ServerProcess, requestIds: string[]): Promise<Set<number>> {
  return new Set(await Promise.all(requestIds.map((id) => servedBy(server, id))));
}

/** Pids of the workers the supervisor reported listening, in order. */
function listeningWorkerPids(server: ServerProcess): number[] {
  return server.logs.filter((line) => line.message === 'worker listening').map((line) => line.worker_pid as number);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

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

describe('worker processes', { skip: process.env.CHOMPARDO_TEST_PG_ADMIN_URL ? false : 'needs the test PostgreSQL' }, () => {
  let identity: TestIdentity;
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    identity = await startTestIdentity();
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await identity?.close();
  });

  function serverEnv(databaseUrl: string, env: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: databaseUrl,
      AUTH_JWKS_URL: identity.jwksUrl,
      AUTH_ISSUER: identity.issuer,
      AUTH_AUDIENCE: identity.audience,
      MIGRATE_ON_START: 'false',
      WORKERS: '2',
      ...env,
    };
  }

  /** WORKERS=2 on a migrated database of its own, both workers listening, genesis done. */
  async function start(env: Record<string, string> = {}) {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const server = await startServerProcess(serverEnv(database.url!, env));
    cleanups.push(() => server.kill());
    await server.waitForLog((line) => line.message === 'all workers listening', 30_000);
    const workerPids = listeningWorkerPids(server);
    assert.equal(new Set(workerPids).size, 2, 'two workers');
    const token = await identity.mintToken();
    const res = await freshRequest(server.baseUrl, 'POST', '/api/v1/genesis', { authorization: `Bearer ${token}` });
    assert.equal(res.status, 201, res.text);
    const app = (JSON.parse(res.text) as { principal: { app: { external_id: string; api_keys: { key: string }[] } } }).principal.app;
    const headers = { authorization: `Bearer ${token}`, ...appHeaders(app.external_id, app.api_keys[0]!.key) };
    return { server, database, workerPids, token, appId: app.external_id, headers };
  }

  it('serves from both workers, whose caches see a key revoked through either of them', async () => {
    const { server, workerPids, token, appId, headers } = await start();
    const reads = await Promise.all(Array.from({ length: 6 }, () => freshRequest(server.baseUrl, 'GET', '/api/v1/movies', headers)));
    for (const read of reads) assert.equal(read.status, 200, read.text);
    assert.deepEqual([...(await servers(server, reads.map((r) => r.requestId)))].sort(), [...workerPids].sort());

    // A second key, verified (and so cached) by both workers, then revoked through one of them.
    const created = await freshRequest(server.baseUrl, 'POST', `/api/v1/apps/${appId}/api-keys`, headers, {});
    assert.equal(created.status, 201, created.text);
    const second = JSON.parse(created.text) as { key: string; key_id: string };
    const withSecond = { authorization: `Bearer ${token}`, ...appHeaders(appId, second.key) };
    const warm = [];
    for (let i = 0; i < 4; i++) warm.push(await freshRequest(server.baseUrl, 'GET', '/api/v1/movies', withSecond));
    for (const read of warm) assert.equal(read.status, 200, read.text);
    assert.equal((await servers(server, warm.map((r) => r.requestId))).size, 2, 'both workers verified the second key');

    const revoked = await freshRequest(server.baseUrl, 'DELETE', `/api/v1/apps/${appId}/api-keys/${second.key_id}`, headers);
    assert.equal(revoked.status, 200, revoked.text);
    // Changes reach every instance within 1 s: poll (fresh connections alternate between the workers).
    await waitUntil(
      async () => {
        const batch = await Promise.all(Array.from({ length: 4 }, () => freshRequest(server.baseUrl, 'GET', '/api/v1/movies', withSecond)));
        return batch.every((r) => r.status === 401);
      },
      'both workers to refuse the revoked key',
      1_000,
    );
    const refused = [];
    for (let i = 0; i < 4; i++) refused.push(await freshRequest(server.baseUrl, 'GET', '/api/v1/movies', withSecond));
    for (const read of refused) assert.equal(read.status, 401, read.text);
    assert.equal((await servers(server, refused.map((r) => r.requestId))).size, 2, 'both workers refused it');
  });

  it('runs the migrations once when the workers start together on an empty database', async () => {
    const database = await createBlankDatabase();
    cleanups.push(() => database.drop());
    const server = await startServerProcess(serverEnv(database.url, { MIGRATE_ON_START: 'true' }));
    cleanups.push(() => server.kill());
    await server.waitForLog((line) => line.message === 'all workers listening', 30_000);
    const runs = server.logs.filter((line) => line.message === 'migrations up to date');
    assert.equal(new Set(runs.map((line) => line.pid)).size, 2, 'each worker checked the migrations');
    const applied = runs.map((line) => line.applied as number).sort((a, b) => a - b);
    assert.equal(applied[0], 0, 'the second worker found nothing left to apply');
    assert.ok(applied[1]! > 0, 'the first applied them');
    const res = await freshRequest(server.baseUrl, 'GET', '/readyz');
    assert.equal(res.status, 200, res.text);
  });

  it('on SIGTERM completes the in-flight requests of every worker, then exits 0 with all workers gone', async () => {
    const { server, database, workerPids, headers } = await start({ DB_POOL_MAX: '20', SHUTDOWN_TIMEOUT: '20s' });
    const admin = new pg.Client({ connectionString: database.url! });
    await admin.connect();
    const lock = new pg.Client({ connectionString: database.url! });
    await lock.connect();
    let locked = false;
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE movie.movie IN ACCESS EXCLUSIVE MODE');
      locked = true;
      const burst = 8;
      const inFlight = Array.from({ length: burst }, () => freshRequest(server.baseUrl, 'GET', '/api/v1/movies', headers));
      await waitUntil(async () => {
        const { rows } = await admin.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND application_name = 'chompardo-api'`,
          [database.name],
        );
        return rows[0]?.n === burst;
      }, `${burst} requests waiting in PostgreSQL`);

      server.child.kill('SIGTERM');
      await server.waitForLog((line) => line.message === 'shutting down: stopping the workers', 5_000);
      await waitUntil(
        () => new Set(server.logs.filter((l) => l.message === 'shutting down: finishing in-flight requests').map((l) => l.pid)).size === 2,
        'both workers to begin their shutdown',
        5_000,
      );
      await waitUntil(() => refusesConnections(server.port), 'the listener to close', 5_000);
      assert.equal(server.child.exitCode, null, 'still running while requests are in flight');
      assert.ok(workerPids.every(isRunning), 'the workers too');

      await lock.query('COMMIT');
      locked = false;
      const answers = await Promise.all(inFlight);
      for (const answer of answers) assert.equal(answer.status, 200, answer.text);
      assert.equal((await servers(server, answers.map((a) => a.requestId))).size, 2, 'both workers had requests in flight');
      assert.deepEqual(await exitWithin(server, 15_000), { code: 0, signal: null });
      assert.equal(server.logs.filter((line) => line.message === 'shutdown complete').length, 2, 'each worker closed its pool');
      assert.ok(server.logs.some((line) => line.message === 'all workers stopped' && line.exit_code === 0));
      assert.deepEqual(workerPids.filter(isRunning), [], 'no worker left behind');
    } finally {
      if (locked) await lock.query('COMMIT');
      await lock.end();
      await admin.end();
      await server.kill();
    }
  });

  it('replaces a worker killed with SIGKILL and keeps serving', async () => {
    const { server, workerPids, headers } = await start();
    const [victim, survivor] = workerPids as [number, number];
    process.kill(victim, 'SIGKILL');
    const exited = await server.waitForLog((line) => line.message === 'worker exited unexpectedly: restarting it', 10_000);
    assert.equal(exited.worker_pid, victim);
    assert.equal(exited.signal, 'SIGKILL');
    assert.equal(typeof exited.restart_in_ms, 'number');
    const replacement = await server.waitForLog(
      (line) => line.message === 'worker listening' && line.worker_pid !== victim && line.worker_pid !== survivor,
      30_000,
    );
    assert.equal(replacement.worker, exited.worker, 'the replacement takes the slot of the worker it replaces');
    const reads = [];
    for (let i = 0; i < 4; i++) reads.push(await freshRequest(server.baseUrl, 'GET', '/api/v1/movies', headers));
    for (const read of reads) assert.equal(read.status, 200, read.text);
    assert.deepEqual([...(await servers(server, reads.map((r) => r.requestId)))].sort(), [survivor, replacement.worker_pid as number].sort());
    assert.equal(isRunning(victim), false);

    server.child.kill('SIGTERM');
    assert.deepEqual(await exitWithin(server, 20_000), { code: 0, signal: null });
  });

  it('exits 1 with every worker gone when the workers cannot start', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    // Nothing listens on a port that was just closed: the eager JWKS fetch fails in each worker.
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const server = await startServerProcess(serverEnv(database.url!, { AUTH_JWKS_URL: `http://127.0.0.1:${closedPort}/jwks` }), {
      untilListening: false,
    });
    cleanups.push(() => server.kill());
    assert.deepEqual(await exitWithin(server, 30_000), { code: 1, signal: null });
    assert.ok(server.logs.some((line) => line.message === 'worker failed to start: stopping'));
    const started = server.logs.filter((line) => line.message === 'configuration loaded' && line.pid !== server.child.pid).map((line) => line.pid as number);
    assert.ok(started.length >= 1, 'workers were started');
    assert.deepEqual(started.filter(isRunning), [], 'no worker left behind');
  });
});
