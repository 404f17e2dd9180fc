import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { acquireProcessLock } from '../../src/platform/db/process-lock.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { createBlankDatabase, createTestDatabase, testPostgresEnv, type TestDatabase } from '../harness/database.js';
import { appHeaders, pollForStatus, runGenesis, type GenesisKeys } from '../harness/iam.js';

/**
 * The operator's break-glass keys command (`npm run keys`), run as a process against a real
 * PostgreSQL that a running API shares: a created key works at once through the API, `list`
 * shows it without its secret, `revoke` stops it at once (the running API hears the change), and
 * the operator is recorded in the key's audit columns. On the embedded PGlite it refuses a data
 * directory another live process holds (before opening anything).
 */

const cliPath = fileURLToPath(new URL('../../src/cli/keys.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');
const runDeadlineMs = 60_000;
const operator = 'ops-alice@test-host';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node --import tsx src/cli/keys.ts …args` in `cwd` with only `env` plus PATH. */
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

/** The JSON log lines of a run's stderr. */
function logLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

// Each run of the CLI starts a process (seconds on a loaded machine): a bound for the whole suite.
describe('keys CLI on a PostgreSQL shared with a running API', { timeout: 300_000 }, () => {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'chompardo-keys-cli-'));
  let database: TestDatabase | undefined;
  let t: TestApp;
  let g: GenesisKeys;
  let env: Record<string, string>;
  const keys = (...args: string[]): Promise<CliRun> => runCli(args, env, workDir);
  /** GET /api/v1/movies as the genesis admin through the user-initiated app with `apiKey`. */
  const moviesWith = async (apiKey: string): Promise<number> =>
    (await t.request('GET', '/api/v1/movies', { token: g.adminToken, headers: appHeaders(g.userInitiated.appId, apiKey) })).status;

  before(async () => {
    // PGlite fallback: no server to share with a running API; every test below skips.
    if (!testPostgresEnv()) return;
    database = await createTestDatabase();
    t = await startTestApp({ database });
    g = await runGenesis(t);
    env = { DATABASE_URL: database.url!, CHOMPARDO_OPERATOR: operator, LOG_LEVEL: 'info' };
  });
  after(async () => {
    await t?.close();
    await database?.drop();
    rmSync(workDir, { recursive: true, force: true });
  });

  let created: { app_external_id: string; key: string; key_id: string; prefix: string; deactivation_date: string };
  let createRun: CliRun;

  it('create prints a new key once, and the running API accepts it at once', async (ctx) => {
    if (!database) return ctx.skip();
    createRun = await keys('create', '--app', g.userInitiated.appId, '--json');
    assert.equal(createRun.code, 0, createRun.stderr);
    created = JSON.parse(createRun.stdout) as typeof created;
    assert.equal(created.app_external_id, g.userInitiated.appId);
    assert.match(created.key, /^chk_[A-Za-z0-9_-]{48}$/);
    assert.equal(created.key.slice(4, 20), created.key_id);
    assert.notEqual(created.key, g.userInitiated.apiKey, 'a new key, not the genesis one');
    assert.equal(createRun.stdout.split(created.key).length - 1, 1, 'the key is printed exactly once');
    assert.ok(!createRun.stderr.includes(created.key.slice(20)), 'the secret never reaches stderr or the log');
    assert.ok(Date.parse(created.deactivation_date) > Date.now() + 300 * 24 * 3600 * 1000, 'one year by default');
    assert.equal(await moviesWith(created.key), 200, 'the new key is a working app credential');
  });

  it('logs who created which key (a JSON line on stderr)', (ctx) => {
    if (!database) return ctx.skip();
    const line = logLines(createRun.stderr).find((l) => l.message === 'api key created by an operator (keys CLI)');
    assert.ok(line, createRun.stderr);
    assert.equal(line.operator, operator);
    assert.equal(line.app_external_id, g.userInitiated.appId);
    assert.equal(line.key_id, created.key_id);
    assert.equal(line.level, 'info');
  });

  it('records the operator in the key audit columns (no app)', async (ctx) => {
    if (!database) return ctx.skip();
    const { rows } = await database.db.query<{ create_app_id: string | null; issuer: string; subject: string }>(
      `SELECT k.create_app_id, u.issuer, u.subject
       FROM iam.app_api_key k JOIN iam.user_account u ON u.user_id = k.create_user_id
       WHERE k.key_id = $1`,
      [created.key_id],
    );
    assert.deepEqual(rows, [{ create_app_id: null, issuer: 'urn:chompardo:operator', subject: operator }]);
  });

  it('create without --json prints only the key; --deactivation-date sets its end', async (ctx) => {
    if (!database) return ctx.skip();
    const run = await keys('create', '--app', g.principal.appId, '--deactivation-date', '2099-12-31');
    assert.equal(run.code, 0, run.stderr);
    const key = run.stdout.trim();
    assert.match(key, /^chk_[A-Za-z0-9_-]{48}$/);
    assert.equal(run.stdout, `${key}\n`);
    assert.match(run.stderr, /valid until 2099-12-31T23:59:59Z/);
    assert.match(run.stderr, /never shown again/);
    // A Principal key made by the operator administers like any other.
    const orgs = await t.request('GET', '/api/v1/orgs', { token: g.adminToken, headers: appHeaders(g.principal.appId, key) });
    assert.equal(orgs.status, 200, orgs.text);
    const { rows } = await database.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM iam.user_account WHERE issuer = 'urn:chompardo:operator'`,
    );
    assert.equal(rows[0]?.n, '1', 'one user row per operator, reused');
  });

  it('list shows the key id, prefix and creator, never a key or secret', async (ctx) => {
    if (!database) return ctx.skip();
    const run = await keys('list', '--app', g.userInitiated.appId);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^ORG\s+APP\s+APP_ID\s+KEY_ID\s+PREFIX\s+STATE\s+DEACTIVATION\s+CREATED\s+CREATED_BY$/);
    const mine = lines.find((line) => line.includes(created.key_id));
    assert.ok(mine, run.stdout);
    assert.match(mine, new RegExp(`${created.prefix}\\s+active\\s+`));
    assert.match(mine, new RegExp(`operator ${operator}$`));
    const genesisKeyId = g.userInitiated.apiKey.slice(4, 20);
    assert.ok(
      lines.some((line) => line.includes(genesisKeyId) && / user /.test(line)),
      'the genesis key, created by the genesis user',
    );
    for (const secret of [created.key, created.key.slice(20), g.userInitiated.apiKey.slice(20)]) {
      assert.ok(!run.stdout.includes(secret), 'no key or secret in the list');
    }

    const all = await keys('list', '--json');
    assert.equal(all.code, 0, all.stderr);
    const apps = JSON.parse(all.stdout) as {
      app_external_id: string;
      org_kind: string;
      api_keys: { key_id: string; created_by: string }[];
    }[];
    assert.deepEqual(
      apps.map((a) => a.app_external_id).sort(),
      [g.principal.appId, g.test.appId, g.userInitiated.appId].sort(),
      'every app of every org',
    );
    const entry = apps.find((a) => a.app_external_id === g.userInitiated.appId)?.api_keys.find((k) => k.key_id === created.key_id);
    assert.equal(entry?.created_by, `operator ${operator}`);
    assert.ok(!all.stdout.includes(created.key.slice(20)));
  });

  it('revoke stops the key at once in the running API and records the operator', async (ctx) => {
    if (!database) return ctx.skip();
    assert.equal(await moviesWith(created.key), 200, 'works (and is cached) before the revocation');
    const run = await keys('revoke', '--app', g.userInitiated.appId, '--key', created.key_id);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /revoked key/);
    assert.ok(
      logLines(run.stderr).some(
        (l) => l.message === 'api key revoked by an operator (keys CLI)' && l.key_id === created.key_id && l.operator === operator,
      ),
    );
    const outcome = await pollForStatus(() => moviesWith(created.key), 401, { deadlineMs: 1_000 });
    assert.ok(outcome.reached, `still ${outcome.lastStatus} after ${Math.round(outcome.elapsedMs)} ms`);
    assert.equal(await moviesWith(g.userInitiated.apiKey), 200, 'the other keys keep working');

    const { rows } = await database.db.query<{ revoked: boolean; subject: string }>(
      `SELECT k.revoked_at IS NOT NULL AS revoked, u.subject
       FROM iam.app_api_key k JOIN iam.user_account u ON u.user_id = k.update_user_id
       WHERE k.key_id = $1`,
      [created.key_id],
    );
    assert.deepEqual(rows, [{ revoked: true, subject: operator }]);

    const listed = await keys('list', '--app', g.userInitiated.appId);
    assert.ok(!listed.stdout.includes(created.key_id), 'revoked keys are not listed by default');
    const withRevoked = await keys('list', '--app', g.userInitiated.appId, '--all');
    assert.match(withRevoked.stdout, new RegExp(`${created.key_id}\\s+${created.prefix}\\s+revoked`));
  });

  it('answers a key it cannot revoke, an unknown app and bad input with a message and a non-zero exit', async (ctx) => {
    if (!database) return ctx.skip();
    const again = await keys('revoke', '--app', g.userInitiated.appId, '--key', created.key_id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`no unrevoked key ${created.key_id} on app ${g.userInitiated.appId}`));
    const unknown = await keys('create', '--app', 'no-such-app');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no app no-such-app/);
    assert.equal(unknown.stdout, '', 'nothing printed as a key');
    const past = await keys('create', '--app', g.userInitiated.appId, '--deactivation-date', '2000-01-01');
    assert.equal(past.code, 2);
    assert.match(past.stderr, /invalid --deactivation-date: deactivation_date must be in the future/);
    const { rows } = await database.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM iam.app_api_key k JOIN iam.user_account u ON u.user_id = k.create_user_id WHERE u.issuer = 'urn:chompardo:operator'`,
    );
    assert.equal(rows[0]?.n, '2', 'the failed runs created no key');
  });
});

describe('keys CLI on a database without the iam tables', () => {
  it('says to migrate first', async (ctx) => {
    if (!testPostgresEnv()) return ctx.skip('PGlite fallback');
    const blank = await createBlankDatabase();
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'chompardo-keys-blank-'));
    try {
      const run = await runCli(['list'], { DATABASE_URL: blank.url }, workDir);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /no iam tables yet: run `npm run migrate -- up`/);
    } finally {
      await blank.drop();
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});

describe('keys CLI on the embedded PGlite data directory', () => {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'chompardo-keys-pglite-'));
  after(() => rmSync(workDir, { recursive: true, force: true }));

  it('refuses a data directory held by another live process, names it and says to stop npm start', async () => {
    const dataDir = path.join(workDir, 'held');
    // This test process plays the running API: a live pid other than the CLI's own.
    const lock = acquireProcessLock(path.join(dataDir, 'api.lock'), { command: 'apps/api/src/main.ts' });
    try {
      const run = await runCli(['list'], { DATA_DIR: dataDir }, workDir);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, new RegExp(`in use by process ${process.pid}: apps/api/src/main.ts`));
      assert.match(run.stderr, /stop that process first \(if it is `npm start`, press Ctrl-C in its terminal\)/);
      assert.equal(run.stdout, '');
      assert.ok(!existsSync(path.join(dataDir, 'api')), 'the database directory was not touched');
    } finally {
      lock.release();
    }
  });
});
