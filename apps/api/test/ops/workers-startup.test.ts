import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { createBlankDatabase, createTestDatabase } from '../harness/database.js';
import { exitWithin, startServerProcess, waitUntil } from './server-process.js';
import {
  afterFile,
  freshRequest,
  groupStartDeadlineMs,
  isRunning,
  listeningWorkerPids,
  needsPostgres,
  serverEnv,
  startWorkerServer,
  useWorkerGroups,
} from './worker-group.js';

/** WORKERS=2 starting: migrations applied once, a start that fails, a supervisor that is killed. */

useWorkerGroups();

describe('a worker group starting on an empty database', needsPostgres, () => {
  it('runs the migrations once, and its workers stop when the supervisor is killed', async () => {
    const database = await createBlankDatabase();
    afterFile(() => database.drop());
    const server = await startWorkerServer(database.url, { MIGRATE_ON_START: 'true' });
    const runs = server.logs.filter((line) => line.message === 'migrations up to date');
    assert.equal(new Set(runs.map((line) => line.pid)).size, 2, 'each worker checked the migrations');
    const applied = runs.map((line) => line.applied as number).sort((a, b) => a - b);
    assert.equal(applied[0], 0, 'the second worker found nothing left to apply');
    assert.ok(applied[1]! > 0, 'the first applied them');
    const res = await freshRequest(server.baseUrl, 'GET', '/readyz');
    assert.equal(res.status, 200, res.text);

    const workerPids = listeningWorkerPids(server);
    server.child.kill('SIGKILL');
    await exitWithin(server, 5_000);
    // Without a supervisor no new connection reaches them: each worker shuts itself down.
    await waitUntil(() => workerPids.every((pid) => !isRunning(pid)), 'the orphaned workers to exit', 15_000);
  });
});

describe('a worker group that cannot start', needsPostgres, () => {
  it('exits 1 with every worker gone when the workers cannot start', async () => {
    const database = await createTestDatabase();
    afterFile(() => database.drop());
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
    afterFile(() => server.kill());
    assert.deepEqual(await exitWithin(server, groupStartDeadlineMs), { code: 1, signal: null });
    assert.ok(server.logs.some((line) => line.message === 'worker failed to start: stopping'));
    const started = server.logs
      .filter((line) => line.message === 'configuration loaded' && line.pid !== server.child.pid)
      .map((line) => line.pid as number);
    assert.ok(started.length >= 1, 'workers were started');
    assert.deepEqual(started.filter(isRunning), [], 'no worker left behind');
  });
});
