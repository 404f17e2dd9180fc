import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, repoRoot } from './harness.js';

/**
 * The README's quick start, verbatim: `npm start` (identity service + API with embedded PGlite,
 * zero configuration), then the README's shell block — `npm run -s token`, `eval "$(npm run -s
 * genesis -- … --exports)"`, the curl that creates a movie — run by bash exactly as written. Only
 * the ports differ (free ones instead of 4000/4001, passed the documented way: PORT and
 * IDENTITY_PORT to `npm start`, API_URL and IDENTITY_URL to the CLIs) and the data directory is a
 * temporary one. Ctrl-C (SIGINT to the process group, as a terminal sends it) must stop it all.
 */

/** The README's shell block that follows `npm start` (the one that gets a token). */
function quickStartBlock(): string {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const quickStart = readme.slice(readme.indexOf('## Quick start'));
  const blocks = [...quickStart.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  const block = blocks.find((text) => text.includes('npm run -s token'));
  assert.ok(block, 'the README quick start has a shell block with `npm run -s token`');
  return block;
}

/** Environment of a user's shell: no test or developer settings that would change the stack. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of Object.keys(env)) {
    if (/^(CHOMPARDO_|DATABASE_URL$|DB_|AUTH_|CONFIG_FILE$|TARGET$|HOST$|LOG_LEVEL$|NODE_ENV$|NODE_TEST_CONTEXT$)/.test(key))
      delete env[key];
  }
  return { ...env, ...extra };
}

describe('the README quick start, verbatim (npm start, token, genesis --exports, curl)', { timeout: 240_000 }, () => {
  let workDir: string;
  let npmStart: ChildProcess;
  let output = '';
  let apiUrl: string;
  let identityUrl: string;

  before(
    async () => {
      workDir = await mkdtemp(path.join(tmpdir(), 'chompardo-quickstart-'));
      const [apiPort, identityPort] = [await freePort(), await freePort()];
      apiUrl = `http://127.0.0.1:${apiPort}`;
      identityUrl = `http://127.0.0.1:${identityPort}`;
      // Its own process group, so SIGINT reaches npm, tsx, the orchestrator and both services at
      // once, as Ctrl-C in a terminal does.
      npmStart = spawn('npm', ['start'], {
        cwd: repoRoot,
        env: userEnv({ PORT: String(apiPort), IDENTITY_PORT: String(identityPort), DATA_DIR: path.join(workDir, 'data') }),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      // Should this test process die first, the detached group must not outlive it.
      const killGroup = (): void => {
        if (npmStart.pid !== undefined && npmStart.exitCode === null && npmStart.signalCode === null) {
          try {
            process.kill(-npmStart.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      };
      process.once('exit', killGroup);
      npmStart.once('exit', () => process.off('exit', killGroup));
      const collect = (chunk: Buffer): void => {
        output = (output + chunk.toString('utf8')).slice(-20_000);
      };
      npmStart.stdout?.on('data', collect);
      npmStart.stderr?.on('data', collect);

      // `npm start` prints its banner once both services are ready.
      const deadline = Date.now() + 180_000;
      while (!output.includes('Chompardo is running')) {
        if (npmStart.exitCode !== null || npmStart.signalCode !== null)
          assert.fail(`npm start exited early (${npmStart.exitCode ?? npmStart.signalCode}):\n${output}`);
        if (Date.now() > deadline) assert.fail(`npm start not ready within 180 s:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    { timeout: 200_000 },
  );

  after(async () => {
    if (npmStart?.pid !== undefined && npmStart.exitCode === null && npmStart.signalCode === null) {
      try {
        process.kill(-npmStart.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('prints the URLs and the next steps', () => {
    assert.match(output, new RegExp(`API\\s+${apiUrl}`));
    assert.match(output, new RegExp(`API reference\\s+${apiUrl}/docs`));
    assert.match(output, /npm run -s token -- --email you@example\.com/);
  });

  it('runs the README commands as written and creates the movie', async () => {
    const script = quickStartBlock();
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'bash',
        ['-eo', 'pipefail', '-c', script],
        { cwd: repoRoot, env: userEnv({ API_URL: apiUrl, IDENTITY_URL: identityUrl }), timeout: 120_000, encoding: 'utf8' },
        (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
      );
    });
    assert.equal(result.code, 0, `${result.stderr}\n${result.stdout}`);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^[\w-]+\.[\w-]+\.[\w-]+$/, 'step 1 prints the JWT');
    const movie = JSON.parse(lines.at(-1) ?? '') as Record<string, unknown>;
    assert.equal(movie.title, 'Repo Man', `step 3 creates the movie: ${result.stdout}`);
    assert.equal(movie.release_date, '1984-03-02');
    assert.equal(typeof movie.external_id, 'string');
  });

  it('stops everything cleanly on Ctrl-C (SIGINT to the process group)', async () => {
    const pid = npmStart.pid;
    assert.ok(pid !== undefined);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      npmStart.once('exit', (code, signal) => resolve({ code, signal })),
    );
    process.kill(-pid, 'SIGINT');
    const status = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000).unref())]);
    if (status === 'timeout') assert.fail(`npm start did not stop within 30 s:\n${output}`);
    // npm re-raises the SIGINT it got once its script has exited, as a shell expects of Ctrl-C.
    assert.ok(status.code === 0 || status.signal === 'SIGINT', `npm start ended with ${JSON.stringify(status)}:\n${output}`);
    assert.doesNotMatch(output, /stopped unexpectedly|shutdown failed|forcing exit/, 'both services stopped on purpose');
    assert.match(output, /"message":"shutdown complete"/, 'the API drained and closed its database');
    // Nothing of the group survives (servers included): the ports are free again.
    for (const url of [apiUrl, identityUrl]) {
      await assert.rejects(fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }), `${url} is down`);
    }
  });
});
