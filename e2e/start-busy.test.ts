import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acquireProcessLock, type ProcessLock } from '../apps/api/src/platform/db/process-lock.js';
import { fileBudgetMs, freePort, spawnNpmStart, userShellEnv } from './harness.js';

/**
 * `npm start` refuses to start over something in the way, before starting anything, and says
 * what and how to get past it (exit 1), instead of announcing another instance's health checks as
 * its own: a data directory whose `npm-start.json` names a live process (this test process plays
 * the running `npm start`), and ports another program listens on. Each run is bounded.
 */

async function listen(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

describe('npm start with its data directory or ports in use', { timeout: fileBudgetMs - 5_000 }, () => {
  let workDir: string;
  before(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'chompardo-start-busy-'));
  });
  after(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('refuses a data directory a live npm start holds, naming its pid and URLs, and leaves its lock alone', async () => {
    const dataDir = path.join(workDir, 'held');
    const lock: ProcessLock = acquireProcessLock(path.join(dataDir, 'npm-start.json'), {
      api_url: 'http://127.0.0.1:4000',
      identity_url: 'http://127.0.0.1:4001',
      data_dir: dataDir,
    });
    try {
      const [api, identity] = [await freePort(), await freePort()];
      const run = spawnNpmStart(['--port', String(api), '--identity-port', String(identity), '--data-dir', dataDir], userShellEnv());
      const status = await run.exited(fileBudgetMs * 0.25);
      run.kill();
      if (status === 'timeout') assert.fail(`still running:\n${run.output()}`);
      assert.equal(status.code, 1, run.output());
      assert.match(
        run.output(),
        new RegExp(
          `npm start is already running on ${dataDir} \\(pid ${process.pid}, since [^)]+\\): API http://127\\.0\\.0\\.1:4000, identity service http://127\\.0\\.0\\.1:4001`,
        ),
      );
      assert.match(run.output(), new RegExp(`stop it first \\(Ctrl-C in its terminal, or kill ${process.pid}\\)`));
      assert.match(
        run.output(),
        /A second stack next to it needs its own data directory and ports:\n\s+npm start -- --data-dir \.data-2 --port \d+ --identity-port \d+/,
      );
      assert.doesNotMatch(run.output(), /Chompardo is running/);
      assert.equal(JSON.parse(readFileSync(lock.file, 'utf8')).pid, process.pid, 'the holder keeps its lock');
      assert.ok(
        !existsSync(path.join(dataDir, 'api')) && !existsSync(path.join(dataDir, 'identity')),
        'no service touched the data directory',
      );
    } finally {
      lock.release();
    }
  });

  it('refuses ports another program listens on, naming each, and suggests free ones', async () => {
    const [api, identity] = [await freePort(), await freePort()];
    const servers = [await listen(api), await listen(identity)];
    const dataDir = path.join(workDir, 'ports');
    try {
      const run = spawnNpmStart(['--port', String(api), '--identity-port', String(identity), '--data-dir', dataDir], userShellEnv());
      const status = await run.exited(fileBudgetMs * 0.25);
      run.kill();
      if (status === 'timeout') assert.fail(`still running:\n${run.output()}`);
      assert.equal(status.code, 1, run.output());
      assert.match(run.output(), new RegExp(`port ${api} \\(the API\\) on 127\\.0\\.0\\.1: already in use by another program`));
      assert.match(
        run.output(),
        new RegExp(`port ${identity} \\(the identity service\\) on 127\\.0\\.0\\.1: already in use by another program`),
      );
      assert.match(run.output(), /move this stack to free ports:\n\s+npm start -- --port \d+ --identity-port \d+/);
      assert.doesNotMatch(run.output(), /Chompardo is running/);
      assert.ok(!existsSync(path.join(dataDir, 'npm-start.json')), 'no lock left behind');
    } finally {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  });

  it('refuses bad flags with the usage (exit 2)', async () => {
    const run = spawnNpmStart(['--port', '4000', '--identity-port', '4000'], userShellEnv());
    const status = await run.exited(fileBudgetMs * 0.25);
    run.kill();
    if (status === 'timeout') assert.fail(run.output());
    assert.equal(status.code, 2, run.output());
    assert.match(run.output(), /need two different ports/);
    assert.match(run.output(), /usage: npm start -- \[--port N/);
  });
});
