import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { BetterAuthOptions } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { StorageConfig } from './config.js';
import type { Logger } from './logger.js';
import { createPgliteDialect } from './pglite-dialect.js';

/** PostgreSQL schema holding every identity table (user, session, account, verification, jwks). */
export const identitySchema = 'identity';

/**
 * The identity service's database: a Kysely instance over `pg.Pool` or over PGlite. Tables are
 * not schema-qualified here; Better Auth qualifies them with {@link identitySchema}.
 */
export interface IdentityDatabase {
  readonly kind: StorageConfig['kind'];
  // Better Auth's adapter takes an untyped Kysely: its tables are defined by its own options.
  readonly kysely: Kysely<any>;
  /** Closes the pool or the PGlite instance; waits for running queries. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the storage `config` names. PostgreSQL: a pool (connects lazily, so an unreachable
 * server surfaces at the first query). PGlite: claims `<dataDir>.lock` (one process per data
 * directory; released by close), creates the directory if missing and starts the embedded server
 * (2–9 s); `memory://` keeps it in memory. Call {@link migrateIdentityDatabase} before serving.
 * @throws Error when another live process holds the PGlite data directory.
 */
export async function openDatabase(config: StorageConfig, logger: Logger): Promise<IdentityDatabase> {
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolMax,
      application_name: 'chompardo-identity',
      connectionTimeoutMillis: 5_000,
    });
    // An idle client losing its server emits here; without a listener the process would crash.
    pool.on('error', (error) => logger.warn('idle database connection failed', { err: error }));
    return wrap('postgres', new Kysely({ dialect: new PostgresDialect({ pool }) }));
  }
  const inMemory = config.dataDir.startsWith('memory://');
  const unlock = inMemory ? async () => undefined : await lockDataDir(config.dataDir);
  try {
    if (!inMemory) await mkdir(config.dataDir, { recursive: true });
    const pglite = await PGlite.create({
      dataDir: config.dataDir,
      // pg hands int8 out as a string; PGlite would make it a bigint. Keep both drivers alike.
      parsers: { 20: (value: string) => value },
    });
    return wrap('pglite', new Kysely({ dialect: createPgliteDialect(pglite) }), unlock);
  } catch (error) {
    await unlock();
    throw error;
  }
}

function wrap(kind: StorageConfig['kind'], kysely: IdentityDatabase['kysely'], afterClose?: () => Promise<void>): IdentityDatabase {
  let closing: Promise<void> | undefined;
  return {
    kind,
    kysely,
    close: () => {
      closing ??= kysely.destroy().finally(() => afterClose?.());
      return closing;
    },
  };
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims `<dataDir>.lock` for this process. PGlite writes no postmaster.pid, and two processes
 * on one data directory would corrupt it; a lock left by a dead process is taken over.
 * Returns the release function.
 * @throws Error naming the lock file when a live process holds it.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = `${dataDir.replace(/[\\/]+$/, '')}.lock`;
  await mkdir(path.dirname(lockFile), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockFile, `${process.pid}\n`, { flag: 'wx' });
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder > 0 && isProcessAlive(holder)) {
      throw new Error(`PGlite data directory ${dataDir} is in use by process ${holder} (lock file ${lockFile})`);
    }
    await rm(lockFile, { force: true });
  }
  throw new Error(`could not lock PGlite data directory ${dataDir} (lock file ${lockFile})`);
}

/**
 * Creates schema `identity` and brings Better Auth's tables (for the plugins in `authOptions`)
 * up to date: idempotent, additive (Better Auth never drops columns). Runs in one transaction
 * under an advisory lock, so concurrent starts on one PostgreSQL are safe and a failure leaves
 * nothing half-made. Returns the names of tables created.
 * @throws whatever the database or Better Auth's planner throws (e.g. an unsafe required column).
 */
export async function migrateIdentityDatabase(
  database: IdentityDatabase,
  authOptions: BetterAuthOptions,
  logger: Logger,
): Promise<string[]> {
  return database.kysely.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('chompardo.identity.migrate'))`.execute(trx);
    // Inside the lock: concurrent CREATE SCHEMA IF NOT EXISTS can race on the catalog.
    await sql`create schema if not exists ${sql.id(identitySchema)}`.execute(trx);
    const plan = await getMigrations({
      ...authOptions,
      database: { db: trx, type: 'postgres', schemaName: identitySchema },
    });
    const created = plan.toBeCreated.map((table) => table.table);
    const altered = plan.toBeAdded.map((table) => table.table);
    await plan.runMigrations();
    if (created.length > 0 || altered.length > 0) {
      logger.info('identity schema migrated', { schema: identitySchema, created, altered });
    }
    return created;
  });
}
