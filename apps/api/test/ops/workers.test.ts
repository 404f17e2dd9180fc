import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import pg from 'pg';
import { poolShare } from '../../src/workers.js';
import { appHeaders } from '../harness/iam.js';
import { exitWithin, waitUntil } from './server-process.js';
import {
  freshRequest,
  groupStartDeadlineMs,
  isRunning,
  needsPostgres,
  refusesConnections,
  servers,
  startWorkerGroup,
  useWorkerGroups,
} from './worker-group.js';

/**
 * WORKERS=2 through the life of one worker group (the tests run in order on the same group):
 * serving from both workers with coherent caches, a killed worker replaced, graceful shutdown.
 * Starting (migrations once, failed starts) and a killed supervisor: workers-startup.test.ts.
 */

useWorkerGroups();

describe('poolShare', () => {
  it('splits the pool budget so that the shares add up to it and differ by at most one', () => {
    assert.deepEqual(
      [0, 1, 2].map((slot) => poolShare(10, 3, slot)),
      [4, 3, 3],
    );
    assert.deepEqual(
      [0, 1].map((slot) => poolShare(10, 2, slot)),
      [5, 5],
    );
    assert.deepEqual(
      [0, 1, 2, 3].map((slot) => poolShare(4, 4, slot)),
      [1, 1, 1, 1],
    );
  });
});

describe('a worker group', needsPostgres, () => {
  let group: Awaited<ReturnType<typeof startWorkerGroup>>;
  /** The pids of the workers currently serving. */
  let workerPids: number[];

  before(async () => {
    group = await startWorkerGroup({ DB_POOL_MAX: '20', SHUTDOWN_TIMEOUT: '20s' });
    workerPids = group.workerPids;
  });

  it('serves from both workers, whose caches see a key revoked through either of them', async () => {
    const { server, token, appId, headers } = group;
    const reads = await Promise.all(Array.from({ length: 6 }, () => freshRequest(server.baseUrl, 'GET', '/api/v1/movies', headers)));
    for (const read of reads) assert.equal(read.status, 200, read.text);
    assert.deepEqual(
      [
        ...(await servers(
          server,
          reads.map((r) => r.requestId),
        )),
      ].sort(),
      [...workerPids].sort(),
    );

    // A second key, verified (and so cached) by both workers, then revoked through one of them.
    const created = await freshRequest(server.baseUrl, 'POST', `/api/v1/apps/${appId}/api-keys`, headers, {});
    assert.equal(created.status, 201, created.text);
    const second = JSON.parse(created.text) as { key: string; key_id: string };
    const withSecond = { authorization: `Bearer ${token}`, ...appHeaders(appId, second.key) };
    const warm = [];
    for (let i = 0; i < 4; i++) warm.push(await freshRequest(server.baseUrl, 'GET', '/api/v1/movies', withSecond));
    for (const read of warm) assert.equal(read.status, 200, read.text);
    assert.equal(
      (
        await servers(
          server,
          warm.map((r) => r.requestId),
        )
      ).size,
      2,
      'both workers verified the second key',
    );

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
    assert.equal(
      (
        await servers(
          server,
          refused.map((r) => r.requestId),
        )
      ).size,
      2,
      'both workers refused it',
    );
  });

  it('replaces a worker killed with SIGKILL and keeps serving from both', async () => {
    const { server, headers } = group;
    const [victim, survivor] = workerPids as [number, number];
    process.kill(victim, 'SIGKILL');
    const exited = await server.waitForLog((line) => line.message === 'worker exited unexpectedly: restarting it', 10_000);
    assert.equal(exited.worker_pid, victim);
    assert.equal(exited.signal, 'SIGKILL');
    assert.equal(typeof exited.restart_in_ms, 'number');
    const replacement = await server.waitForLog(
      (line) => line.message === 'worker listening' && line.worker_pid !== victim && line.worker_pid !== survivor,
      groupStartDeadlineMs,
    );
    assert.equal(replacement.worker, exited.worker, 'the replacement takes the slot of the worker it replaces');
    const reads = [];
    for (let i = 0; i < 4; i++) reads.push(await freshRequest(server.baseUrl, 'GET', '/api/v1/movies', headers));
    for (const read of reads) assert.equal(read.status, 200, read.text);
    assert.deepEqual(
      [
        ...(await servers(
          server,
          reads.map((r) => r.requestId),
        )),
      ].sort(),
      [survivor, replacement.worker_pid as number].sort(),
    );
    assert.equal(isRunning(victim), false);
    workerPids = [survivor, replacement.worker_pid as number];
  });

  it('on SIGTERM completes the in-flight requests of every worker, then exits 0 with all workers gone', async () => {
    const { server, database, headers } = group;
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
      assert.equal(
        (
          await servers(
            server,
            answers.map((a) => a.requestId),
          )
        ).size,
        2,
        'both workers had requests in flight',
      );
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
});
