import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { moduleMigrations } from '../../src/migrations.js';
import { loadMigrations } from '../../src/platform/db/migrator.js';
import { createBlankDatabase, testPostgresEnv } from '../harness/database.js';

const cliPath = fileURLToPath(new URL('../../src/cli/migrate.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');
const runDeadlineMs = 60_000;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One row of `migrate status`. */
interface StatusRow {
  module: string;
  name: string;
  state: string;
}

/**
 * Runs `node --import tsx src/cli/migrate.ts …args` in an empty working directory (so no
 * config file is picked up) with only `env` plus PATH, and collects its output.
 */
async function runCli(args: string[], env: Record<string, string>, cwd: string): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', tsxLoader, cliPath, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), runDeadlineMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolve(exitCode));
  });
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** The rows of the status table (header skipped). */
function parseStatus(stdout: string): StatusRow[] {
  const [header, ...lines] = stdout.trim().split('\n');
  assert.match(header ?? '', /^MODULE\s+VERSION\s+NAME\s+STATE/);
  return lines.map((line) => {
    const [module = '', , name = '', state = ''] = line.trim().split(/\s+/);
    return { module, name, state };
  });
}

describe('migrate CLI (npm run migrate)', () => {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'chompardo-migrate-cli-'));
  /** Per module, its migration names in order, from disk. */
  let expected: { module: string; names: string[] }[];
  let env: Record<string, string>;
  let dropDatabase: () => Promise<void> = async () => undefined;
  let databaseUrl: string | undefined;

  const migrate = (...args: string[]): Promise<CliRun> => runCli(args, env, workDir);

  before(async () => {
    expected = await Promise.all(
      moduleMigrations.map(async (source) => ({
        module: source.module,
        names: (await loadMigrations(source)).map((file) => file.name),
      })),
    );
    if (testPostgresEnv()) {
      const blank = await createBlankDatabase();
      databaseUrl = blank.url;
      dropDatabase = blank.drop;
      env = { DATABASE_URL: blank.url };
    } else {
      // No PostgreSQL binaries: the CLI falls back to PGlite under DATA_DIR, like the server.
      env = { DATA_DIR: path.join(workDir, 'data') };
    }
  });

  after(async () => {
    await dropDatabase();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('lists every migration as pending on a blank database', async () => {
    const run = await migrate('status');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      parseStatus(run.stdout),
      expected.flatMap(({ module, names }) => names.map((name) => ({ module, name, state: 'pending' }))),
    );
  });

  it('applies every pending migration with up', async () => {
    const run = await migrate('up');
    assert.equal(run.code, 0, run.stderr);
    const total = expected.reduce((sum, { names }) => sum + names.length, 0);
    for (const { module, names } of expected) {
      for (const name of names) assert.match(run.stdout, new RegExp(`^applied ${module} ${name}$`, 'm'));
    }
    assert.match(run.stdout, new RegExp(`^applied ${total} migration\\(s\\)$`, 'm'));
    if (databaseUrl !== undefined) {
      // The schemas really exist in the database the CLI was pointed at.
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const result = await client.query<{ nspname: string }>(
          'SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY nspname',
          [moduleMigrations.map((source) => source.schema)],
        );
        assert.deepEqual(
          result.rows.map((row) => row.nspname),
          moduleMigrations.map((source) => source.schema).sort(),
        );
      } finally {
        await client.end();
      }
    }
  });

  it('lists every migration as applied after up, and up again applies nothing', async () => {
    const status = await migrate('status');
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(
      parseStatus(status.stdout),
      expected.flatMap(({ module, names }) => names.map((name) => ({ module, name, state: 'applied' }))),
    );
    const again = await migrate('up');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^nothing to apply$/m);
  });

  it('reverts the newest migration of one module with down --module', async () => {
    const [first] = expected;
    assert.ok(first, 'src/migrations.ts lists no module');
    const newest = first.names.at(-1) ?? '';
    const run = await migrate('down', '--module', first.module, '--steps', '1');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^reverted ${first.module} ${newest}$`, 'm'));
    const status = await migrate('status', `--module=${first.module}`);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(
      parseStatus(status.stdout),
      first.names.map((name) => ({ module: first.module, name, state: name === newest ? 'pending' : 'applied' })),
    );
  });

  it('exits 2 and names the module when --module is unknown', async () => {
    const run = await migrate('up', '--module', 'no-such-module');
    assert.equal(run.code, 2);
    assert.match(run.stdout, /unknown module "no-such-module"/);
  });

  it('exits 2 with the message on stderr when the configuration is invalid', async () => {
    const run = await migrate('status', '--db-pool-max', 'lots');
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^configuration error: .*--db-pool-max/m);
  });
});
