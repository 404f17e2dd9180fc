/**
 * `npm test`: starts a throwaway PostgreSQL (when binaries exist), builds the migrated template
 * database `chompardo_template`, then runs every `*.test.ts` of apps/api/test, apps/identity/test
 * and e2e/ (sorted, `test/harness` excluded) with node's test runner, and always stops and removes the server afterwards.
 *
 * Usage: `tsx test/run-tests.ts [substring...]` — only files whose path (relative to apps/api)
 * contains one of the substrings. Env: `CHOMPARDO_TEST_CONCURRENCY` (default 2),
 * `CHOMPARDO_TEST_TIMEOUT_MS` (per test, default 120000), `PG_BIN`.
 * Children get `CHOMPARDO_TEST_PG_ADMIN_URL`, `CHOMPARDO_TEST_TEMPLATE_DB`,
 * `CHOMPARDO_TEST_PG_PORT`, `CHOMPARDO_TEST_PG_BIN`; without PostgreSQL they run on PGlite.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPgDb } from '../src/platform/db/pg-db.js';
import { migrateUp } from '../src/platform/db/migrator.js';
import { databaseUrl, runAdminSql } from './harness/database.js';
import { postgresRequired } from './harness/fixtures.js';
import { findPostgresBinaries, startPostgres, type PgCluster } from './harness/postgres.js';

const apiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testDir = path.join(apiDir, 'test');
const harnessDir = path.join(testDir, 'harness');
/** Every folder whose `*.test.ts` files make up `npm test`: the API's, the identity service's, the end-to-end tests. */
const testRoots = [testDir, path.join(apiDir, '..', 'identity', 'test'), path.join(apiDir, '..', '..', 'e2e')];
const templateDb = 'chompardo_template';

/** Every `*.test.ts` under `dir` (recursively, harness excluded), relative to apps/api, sorted. */
function findTestFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (full !== harnessDir && entry.name !== 'node_modules') found.push(...findTestFiles(full));
    } else if (entry.isFile() && entry.name.endsWith('.test.ts')) {
      found.push(path.relative(apiDir, full));
    }
  }
  return found.sort();
}

async function buildTemplate(cluster: PgCluster): Promise<void> {
  const { moduleMigrations } = await import('../src/migrations.js');
  await runAdminSql(cluster.adminUrl, `CREATE DATABASE ${templateDb}`);
  const db = createPgDb({ connectionString: databaseUrl(cluster.adminUrl, templateDb), max: 2 });
  try {
    const applied = await migrateUp(db, moduleMigrations);
    console.log(`test database template ${templateDb}: ${applied.length} migration(s) applied`);
  } finally {
    // Nobody may stay connected to a template, or CREATE DATABASE … TEMPLATE fails.
    await db.close();
  }
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = testRoots
    .flatMap((root) => (existsSync(root) ? findTestFiles(root) : []))
    .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)));
  if (files.length === 0) {
    console.error(`no test files match ${filters.join(' ') || '(all)'}`);
    return 1;
  }

  const concurrency = Number(process.env.CHOMPARDO_TEST_CONCURRENCY ?? 2);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    console.error('CHOMPARDO_TEST_CONCURRENCY must be a positive integer');
    return 2;
  }

  const testTimeoutMs = Number(process.env.CHOMPARDO_TEST_TIMEOUT_MS ?? 120_000);
  if (!Number.isInteger(testTimeoutMs) || testTimeoutMs < 1) {
    console.error('CHOMPARDO_TEST_TIMEOUT_MS must be a positive integer');
    return 2;
  }

  let cluster: PgCluster | undefined;
  let child: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;
  const cleanUp = (): Promise<void> => {
    stopping ??= cluster ? cluster.destroy().catch((e: unknown) => console.error('stopping PostgreSQL failed:', e)) : Promise.resolve();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`\n${signal}: stopping tests and PostgreSQL`);
    child?.kill(signal);
    void cleanUp().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const env: NodeJS.ProcessEnv = { ...process.env };
  try {
    const bin = findPostgresBinaries();
    if (bin) {
      const started = Date.now();
      cluster = await startPostgres();
      await buildTemplate(cluster);
      console.log(`tests run on PostgreSQL ${cluster.adminUrl} (${bin}), ready in ${Date.now() - started} ms`);
      env.CHOMPARDO_TEST_PG_ADMIN_URL = cluster.adminUrl;
      env.CHOMPARDO_TEST_TEMPLATE_DB = templateDb;
      env.CHOMPARDO_TEST_PG_PORT = String(cluster.port);
      env.CHOMPARDO_TEST_PG_BIN = bin;
    } else if (postgresRequired()) {
      // In CI the PGlite fallback would skip every suite that needs a server: fail instead.
      console.error('no PostgreSQL binaries found and CI is set: refusing to run on PGlite (install PostgreSQL or set PG_BIN)');
      return 1;
    } else {
      console.log('no PostgreSQL binaries found (set PG_BIN to use some): tests run on PGlite');
      for (const name of ['CHOMPARDO_TEST_PG_ADMIN_URL', 'CHOMPARDO_TEST_TEMPLATE_DB', 'CHOMPARDO_TEST_PG_PORT', 'CHOMPARDO_TEST_PG_BIN']) {
        delete env[name];
      }
    }

    const args = [
      '--import',
      'tsx',
      '--test',
      `--test-concurrency=${concurrency}`,
      // A file whose tests are done but whose handles stay open (a failed before hook that never
      // reached its cleanup) would otherwise keep the whole run waiting forever.
      '--test-force-exit',
      `--test-timeout=${testTimeoutMs}`,
      '--test-reporter=spec',
      ...files,
    ];
    child = spawn(process.execPath, args, { cwd: apiDir, env, stdio: 'inherit' });
    const running = child;
    const code = await new Promise<number>((resolve) => {
      running.once('error', (e) => {
        console.error('cannot start the test runner:', e);
        resolve(1);
      });
      running.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
    });
    return code;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error('test run failed:', e);
    process.exit(1);
  },
);
