import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { BetterAuthOptions } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { DatabaseConnection, Dialect, Driver, LogEvent, TransactionSettings } from 'kysely';
import pg from 'pg';
import type { StorageConfig } from './config.js';
import type { Logger } from './logger.js';
import { createPgliteDialect } from './pglite-dialect.js';

/** PostgreSQL schema holding every identity table (user, session, account, verification, jwks). */
export const identitySchema = 'identity';

/**
 * The database could not serve a query: no connection within the pool wait, server unreachable
 * or refusing connections, or a query failed for a reason that is not the caller's (connection
 * lost, statement or lock timeout, deadlock). Answer 503, never 500.
 */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** SQLSTATEs of failures that are the database's state, not the query's fault. */
const transientSqlStates = new Set(['57P01', '57P02', '57P03', '57014', '55P03', '40001', '40P01', '25006']);
/** SQLSTATE classes: connection exception, insufficient resources, operator intervention-like. */
const transientSqlStateClasses = new Set(['08', '53']);
const transientNodeCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
/** pg raises these without a code. */
const transientMessages = [/connection terminated/i, /timeout exceeded when trying to connect/i, /not queryable/i, /database is closed/i];

/**
 * True when `error` (or an error in its `cause` chain) is a database failure a retry may fix:
 * {@link DatabaseUnavailableError}, a connection-level SQLSTATE or Node network error, or pg's
 * code-less connection messages. Constraint violations and bad SQL are not.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof DatabaseUnavailableError) return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (transientSqlStates.has(code) || transientNodeCodes.has(code)) return true;
      if (code.length === 5 && transientSqlStateClasses.has(code.slice(0, 2))) return true;
    }
    const { message } = current;
    if (transientMessages.some((pattern) => pattern.test(message))) return true;
  }
  return false;
}

/** The outcome of {@link IdentityDatabase.observe}. */
export type Observed<T> = ({ ok: true; value: T } | { ok: false; error: unknown }) & {
  /** The first database failure a query of the work ran into, even one the work swallowed. */
  unavailable: DatabaseUnavailableError | undefined;
};

/**
 * The identity service's database: a Kysely instance over `pg.Pool` or over PGlite. Tables are
 * not schema-qualified here; Better Auth qualifies them with {@link identitySchema}.
 */
export interface IdentityDatabase {
  readonly kind: StorageConfig['kind'];
  // Better Auth's adapter takes an untyped Kysely: its tables are defined by its own options.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly kysely: Kysely<any>;
  /**
   * Runs `work` and reports, next to its result, whether the database was unavailable to any
   * query it made. Libraries that catch database errors and answer with their own error (Better
   * Auth turns some into 500 or 422) cannot hide an outage from the caller this way.
   */
  observe<T>(work: () => Promise<T>): Promise<Observed<T>>;
  /** Closes the pool or the PGlite instance; waits for running queries. Idempotent. */
  close(): Promise<void>;
}

/** Per {@link IdentityDatabase.observe} call: the first failure seen. */
interface FailureScope {
  unavailable: DatabaseUnavailableError | undefined;
}

function report(scopes: AsyncLocalStorage<FailureScope>, failure: DatabaseUnavailableError): DatabaseUnavailableError {
  const scope = scopes.getStore();
  if (scope && scope.unavailable === undefined) scope.unavailable = failure;
  return failure;
}

/**
 * `inner`'s driver, except that failing to get a connection (pool wait exceeded, server down,
 * PGlite closed) throws {@link DatabaseUnavailableError} and is reported to the current scope.
 */
function observedDialect(inner: Dialect, scopes: AsyncLocalStorage<FailureScope>): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db) => inner.createIntrospector(db),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createDriver: (): Driver => {
      const driver = inner.createDriver();
      return {
        init: () => driver.init(),
        acquireConnection: async (): Promise<DatabaseConnection> => {
          try {
            return await driver.acquireConnection();
          } catch (error) {
            throw report(scopes, new DatabaseUnavailableError('no database connection available', { cause: error }));
          }
        },
        beginTransaction: (connection: DatabaseConnection, settings: TransactionSettings) => driver.beginTransaction(connection, settings),
        commitTransaction: (connection: DatabaseConnection) => driver.commitTransaction(connection),
        rollbackTransaction: (connection: DatabaseConnection) => driver.rollbackTransaction(connection),
        ...(driver.savepoint && { savepoint: driver.savepoint.bind(driver) }),
        ...(driver.rollbackToSavepoint && { rollbackToSavepoint: driver.rollbackToSavepoint.bind(driver) }),
        ...(driver.releaseSavepoint && { releaseSavepoint: driver.releaseSavepoint.bind(driver) }),
        releaseConnection: (connection: DatabaseConnection) => driver.releaseConnection(connection),
        destroy: () => driver.destroy(),
      };
    },
  };
}

/** Kysely's query log hook: reports failed queries whose failure is the database's state. */
function queryFailureReporter(scopes: AsyncLocalStorage<FailureScope>) {
  return (event: LogEvent): void => {
    if (event.level === 'error' && isDatabaseUnavailable(event.error)) {
      report(scopes, new DatabaseUnavailableError('a database query failed', { cause: event.error }));
    }
  };
}

/**
 * Opens the storage `config` names. PostgreSQL: a pool (connects lazily, so an unreachable
 * server surfaces at the first query). PGlite: claims `<dataDir>.lock` (one process per data
 * directory; released by close), creates the directory if missing and starts the embedded server
 * (2–9 s); `memory://` keeps it in memory. Call {@link migrateIdentityDatabase} before serving.
 * @throws Error when another live process holds the PGlite data directory.
 */
export async function openDatabase(config: StorageConfig, logger: Logger): Promise<IdentityDatabase> {
  const scopes = new AsyncLocalStorage<FailureScope>();
  const build = (dialect: Dialect): IdentityDatabase['kysely'] =>
    new Kysely({ dialect: observedDialect(dialect, scopes), log: queryFailureReporter(scopes) });
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolMax,
      application_name: 'chompardo-identity',
      // Waiting for a pooled connection and opening a new one: both bounded, then 503.
      connectionTimeoutMillis: config.poolWaitMs,
      idleTimeoutMillis: 10_000,
      // No statement, lock or abandoned transaction may hold a connection for long.
      statement_timeout: 5_000,
      lock_timeout: 3_000,
      idle_in_transaction_session_timeout: 10_000,
    });
    // An idle client losing its server emits here; without a listener the process would crash.
    pool.on('error', (error) => logger.warn('idle database connection failed', { err: error }));
    return wrap('postgres', build(new PostgresDialect({ pool })), scopes);
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
    return wrap('pglite', build(createPgliteDialect(pglite)), scopes, unlock);
  } catch (error) {
    await unlock();
    throw error;
  }
}

function wrap(
  kind: StorageConfig['kind'],
  kysely: IdentityDatabase['kysely'],
  scopes: AsyncLocalStorage<FailureScope>,
  afterClose?: () => Promise<void>,
): IdentityDatabase {
  let closing: Promise<void> | undefined;
  return {
    kind,
    kysely,
    observe: async <T>(work: () => Promise<T>): Promise<Observed<T>> => {
      const scope: FailureScope = { unavailable: undefined };
      try {
        const value = await scopes.run(scope, work);
        return { ok: true, value, unavailable: scope.unavailable };
      } catch (error) {
        return { ok: false, error, unavailable: scope.unavailable };
      }
    },
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
    // The pool's short statement and lock timeouts are for requests; another instance may hold
    // the migration lock for a while.
    if (database.kind === 'postgres') {
      await sql`set local lock_timeout = '60s'`.execute(trx);
      await sql`set local statement_timeout = '60s'`.execute(trx);
    }
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
