import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { ManagedDb } from '../../src/platform/db/managed-db.js';
import { migrateUp } from '../../src/platform/db/migrator.js';
import { createPgDb } from '../../src/platform/db/pg-db.js';
import { quoteIdent } from '../../src/platform/db/sql-ident.js';
import { createPgliteDb } from '../../src/platform/db/pglite-db.js';

/** A database of its own for one test file. */
export interface TestDatabase {
  /** Connection string (real PostgreSQL); undefined on PGlite. */
  url: string | undefined;
  name: string;
  db: ManagedDb;
  /** Closes `db` and drops the database. */
  drop(): Promise<void>;
}

/** The admin URL and template database the test runner exported, if it started PostgreSQL. */
export function testPostgresEnv(): { adminUrl: string; template: string } | undefined {
  const adminUrl = process.env.CHOMPARDO_TEST_PG_ADMIN_URL;
  const template = process.env.CHOMPARDO_TEST_TEMPLATE_DB;
  return adminUrl && template ? { adminUrl, template } : undefined;
}

/** `adminUrl` with its database replaced by `name`. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

let sequence = 0;

/** A database name no other test process picks: pid, a counter and random bytes. */
export function uniqueDatabaseName(prefix = 'test'): string {
  sequence += 1;
  return `${prefix}_${process.pid}_${sequence}_${randomBytes(3).toString('hex')}`;
}

/** Runs `sql` on the admin database with a short-lived connection. */
export async function runAdminSql(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates a blank database (from `template0`, no migrations) on the runner's server and returns
 * its URL and a drop function; for tests that manage the schema themselves (the migrator's).
 * Throws when the runner did not start PostgreSQL.
 */
export async function createBlankDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const env = testPostgresEnv();
  if (!env) throw new Error('no test PostgreSQL (CHOMPARDO_TEST_PG_ADMIN_URL unset)');
  const name = uniqueDatabaseName('blank');
  await runAdminSql(env.adminUrl, `CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`);
  return {
    url: databaseUrl(env.adminUrl, name),
    name,
    drop: () => runAdminSql(env.adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
  };
}

/**
 * A migrated database for one test file. With the runner's PostgreSQL (env
 * `CHOMPARDO_TEST_PG_ADMIN_URL` + `CHOMPARDO_TEST_TEMPLATE_DB`): a fresh clone of the migrated
 * template with a pg Db (pool max 5, pool wait 30 s). Otherwise an in-memory PGlite with every
 * module's migrations applied (takes seconds). `drop()` closes the Db and removes the database.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const env = testPostgresEnv();
  if (!env) {
    // Loaded lazily: test files that only need a blank database should not load every module.
    const { moduleMigrations } = await import('../../src/migrations.js');
    const db = await createPgliteDb();
    try {
      await migrateUp(db, moduleMigrations);
    } catch (e) {
      await db.close();
      throw e;
    }
    return { url: undefined, name: uniqueDatabaseName('pglite_memory'), db, drop: () => db.close() };
  }
  const name = uniqueDatabaseName();
  const create = `CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(env.template)}`;
  for (let attempt = 1; ; attempt++) {
    try {
      await runAdminSql(env.adminUrl, create);
      break;
    } catch (e) {
      // 55006: someone is connected to the template; that is transient (e.g. autovacuum).
      if ((e as { code?: unknown }).code !== '55006' || attempt >= 20) throw e;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
  const url = databaseUrl(env.adminUrl, name);
  // Tests fire bursts (50 concurrent creates) at 5 connections on a shared, loaded machine: they
  // check what the API does with the work, not how soon it sheds it, so they may queue longer than
  // the production pool wait. Tests of the pool wait build their Db from the configuration.
  const db = createPgDb({ connectionString: url, max: 5, applicationName: 'chompardo-test', poolWaitTimeoutMs: 30_000 });
  let dropped = false;
  return {
    url,
    name,
    db,
    async drop() {
      if (dropped) return;
      dropped = true;
      await db.close();
      await runAdminSql(env.adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    },
  };
}
