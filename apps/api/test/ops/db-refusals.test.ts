import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/platform/config/index.js';
import { asConnectFailure, isConnectionError, mapDbError } from '../../src/platform/db/db-errors.js';
import { createDb } from '../../src/platform/db/index.js';
import { quoteIdent } from '../../src/platform/db/sql-ident.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { createTestDatabase, runAdminSql, testPostgresEnv, type TestDatabase } from '../harness/database.js';
import { principalHeaders, runGenesis } from '../harness/iam.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';
import { waitUntil } from './server-process.js';

const unavailableBody = { error: { kind: 'unavailable_error', message: 'the service is temporarily unavailable, please retry' } };
const internals = /ECONN|postgres|127\.0\.0\.1|role|login|database|SQL|pg_|stack|\.ts:/i;

/** The SQLSTATE of the error logged with a 503 answer, if any. */
function loggedStates(t: TestApp): string[] {
  return t.logs
    .filter((line) => line.message === 'error response sent to client' && line.http_statuscode === 503)
    .map((line) => String((line.err as { code?: unknown } | undefined)?.code));
}

describe('connection refusals', { skip: testPostgresEnv() ? false : 'needs the test PostgreSQL' }, () => {
  const adminUrl = testPostgresEnv()?.adminUrl ?? '';
  const role = `chompardo_app_${process.pid}_${randomBytes(3).toString('hex')}`;
  let identity: TestIdentity;
  let clone: TestDatabase;
  let database: TestDatabase;
  let t: TestApp;
  let admin: Record<string, string>;

  before(async () => {
    identity = await startTestIdentity();
    clone = await createTestDatabase();
    // The API's own role: not a superuser, so connection limits apply to it.
    await runAdminSql(adminUrl, `CREATE ROLE ${role} LOGIN`);
    const schemas = 'platform, iam, movie, recipe';
    await runAdminSql(
      clone.url!,
      `GRANT USAGE ON SCHEMA ${schemas} TO ${role};
       GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schemas} TO ${role};
       GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${schemas} TO ${role};`,
    );
    const url = new URL(clone.url!);
    url.username = role;
    const config = loadConfig({ argv: [], cwd: mkdtempSync(join(tmpdir(), 'chompardo-refusals-')), env: { DATABASE_URL: url.href } });
    const db = await createDb(config);
    database = { url: url.href, name: clone.name, db, drop: () => db.close() };
    t = await startTestApp({ database, identity });
    admin = principalHeaders(await runGenesis(t));
  });

  after(async () => {
    await t?.close();
    await database?.drop();
    await clone?.drop();
    await runAdminSql(adminUrl, `DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await identity?.close();
  });

  /** Closes every session of the API's role, and waits until its pool has noticed. */
  async function closeApiSessions(): Promise<void> {
    await runAdminSql(adminUrl, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${role}'`);
    await waitUntil(() => database.db.stats().total === 0, 'the pool dropped its closed sessions', 10_000);
  }

  /** With the refusal in place and no session left, a request that needs the database gets 503, never 500. */
  async function assertRefusedWith(state: string): Promise<void> {
    await closeApiSessions();
    const before = loggedStates(t).length;
    const started = performance.now();
    const res = await t.request('GET', '/api/v1/movies', { headers: admin });
    const ms = performance.now() - started;
    assert.equal(res.status, 503, res.text);
    assert.deepEqual(res.body, unavailableBody);
    assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
    assert.doesNotMatch(res.text, internals);
    assert.ok(ms < 5_000, `answered after ${Math.round(ms)} ms`);
    assert.deepEqual(loggedStates(t).slice(before), [state], 'the refusal the server really sent');
  }

  async function assertServedAgain(): Promise<void> {
    await waitUntil(
      async () => (await t.request('GET', '/api/v1/movies', { headers: admin })).status === 200,
      'requests served again',
      15_000,
      100,
    );
  }

  it('answers 503 while the database does not accept connections (55000, ALLOW_CONNECTIONS false)', async () => {
    await runAdminSql(adminUrl, `ALTER DATABASE ${quoteIdent(clone.name)} ALLOW_CONNECTIONS false`);
    try {
      await assertRefusedWith('55000');
    } finally {
      await runAdminSql(adminUrl, `ALTER DATABASE ${quoteIdent(clone.name)} ALLOW_CONNECTIONS true`);
    }
    await assertServedAgain();
  });

  it('answers 503 while the API’s role may not log in (28000, NOLOGIN)', async () => {
    await runAdminSql(adminUrl, `ALTER ROLE ${role} NOLOGIN`);
    try {
      await assertRefusedWith('28000');
    } finally {
      await runAdminSql(adminUrl, `ALTER ROLE ${role} LOGIN`);
    }
    await assertServedAgain();
  });

  it('answers 503 when the server has no connection left for the API’s role (53300, CONNECTION LIMIT)', async () => {
    await runAdminSql(adminUrl, `ALTER ROLE ${role} CONNECTION LIMIT 0`);
    try {
      await assertRefusedWith('53300');
    } finally {
      await runAdminSql(adminUrl, `ALTER ROLE ${role} CONNECTION LIMIT -1`);
    }
    await assertServedAgain();
  });

  it('answers 503 once its database no longer exists (3D000)', async () => {
    await runAdminSql(adminUrl, `DROP DATABASE ${quoteIdent(clone.name)} WITH (FORCE)`);
    await assertRefusedWith('3D000');
    assert.deepEqual((await t.request('GET', '/api/v1/ping')).body, { db_up: false });
  });

  it('maps a statement’s own 55000 to 500: only a refused connection attempt is a connection error', async () => {
    // currval before nextval in a session: SQLSTATE 55000 raised by a statement, a bug, not an outage.
    const db = await createTestDatabase();
    try {
      await db.db.query('CREATE SEQUENCE refusal_seq');
      const raw = await db.db.query("SELECT currval('refusal_seq')").then(
        () => assert.fail('currval succeeded'),
        (e: unknown) => e,
      );
      assert.equal((raw as { code?: string }).code, '55000');
      assert.equal(isConnectionError(raw), false);
      assert.equal(mapDbError(raw).kind, 'internal_error');
      assert.equal(mapDbError(asConnectFailure(raw)).kind, 'unavailable_error');
    } finally {
      await db.drop();
    }
  });
});
