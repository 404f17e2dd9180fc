import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createBlankDatabase, testPostgresEnv } from '../harness/database.js';

const apiDir = fileURLToPath(new URL('../..', import.meta.url));
const repoRoot = path.join(apiDir, '..', '..');
const tsxLoader = import.meta.resolve('tsx');
const runDeadlineMs = 90_000;

/** The migration planted in the copy's movie module: half of it would commit before the version is recorded. */
const halfCommitted = 'CREATE TABLE movie.half_committed (id int);\nCOMMIT;\nCREATE TABLE movie.after_commit (id int);\n';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node --import tsx <script> …args` with only `env` (plus PATH and HOME) in `cwd`. */
async function runScript(script: string, args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  const child = spawn(process.execPath, ['--import', tsxLoader, script, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
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

/** The schemas and tables of `url` that a migration run would have created. */
async function createdObjects(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT nspname AS name FROM pg_namespace WHERE nspname IN ('platform', 'iam', 'movie', 'recipe')
       UNION ALL SELECT relname FROM pg_class WHERE relname IN ('half_committed', 'after_commit')`,
    );
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

// The CLI and the server read their migrations from the source tree; a copy of it gets the bad
// migration so the real tree stays clean.
describe(
  'a migration with COMMIT inside, on the command line and at server start',
  { skip: testPostgresEnv() ? false : 'needs the test PostgreSQL' },
  () => {
    const copyRoot = mkdtempSync(path.join(os.tmpdir(), 'chompardo-refusal-'));
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'chompardo-refusal-cwd-'));
    let blank: Awaited<ReturnType<typeof createBlankDatabase>>;

    before(async () => {
      cpSync(path.join(apiDir, 'src'), path.join(copyRoot, 'src'), { recursive: true });
      writeFileSync(path.join(copyRoot, 'package.json'), JSON.stringify({ type: 'module' }));
      symlinkSync(path.join(repoRoot, 'node_modules'), path.join(copyRoot, 'node_modules'), 'dir');
      writeFileSync(path.join(copyRoot, 'src', 'modules', 'movie', 'migrations', '0002_half_committed.up.sql'), halfCommitted);
      blank = await createBlankDatabase();
    });

    after(async () => {
      await blank?.drop();
      rmSync(copyRoot, { recursive: true, force: true });
      rmSync(workDir, { recursive: true, force: true });
    });

    it('migrate up exits 1 naming the file, and applies nothing of any module', async () => {
      const run = await runScript(path.join(copyRoot, 'src', 'cli', 'migrate.ts'), ['up'], { DATABASE_URL: blank.url }, workDir);
      assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
      assert.match(
        run.stdout,
        /^migrate up failed: refusing to migrate, nothing was applied: module movie: 0002_half_committed\.up\.sql contains transaction control \(COMMIT at line 2\)/m,
      );
      assert.doesNotMatch(run.stdout, /^applied /m);
      assert.deepEqual(await createdObjects(blank.url), []);
    });

    it('the server refuses to start (exit 1, fatal log naming the file) and applies nothing', async () => {
      const run = await runScript(
        path.join(copyRoot, 'src', 'main.ts'),
        [],
        { DATABASE_URL: blank.url, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' },
        workDir,
      );
      assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
      const lines = run.stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { message?: string; err?: { type?: string; message?: string } });
      const fatal = lines.find((line) => line.message === 'database preparation failed');
      assert.ok(fatal, run.stdout);
      assert.equal(fatal.err?.type, 'MigrationRefusedError');
      assert.match(fatal.err?.message ?? '', /0002_half_committed\.up\.sql contains transaction control \(COMMIT at line 2\)/);
      assert.ok(!lines.some((line) => line.message === 'listening'), 'it never served');
      assert.deepEqual(await createdObjects(blank.url), []);
    });
  },
);
