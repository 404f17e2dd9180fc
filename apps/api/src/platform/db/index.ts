import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ManagedDb } from './managed-db.js';
import { createPgDb, type DbLogger, type PgDbOptions } from './pg-db.js';
import { createReadRouter, type ReadRouter, type ReadRouterLogger } from './read-router.js';
import { acquireProcessLock, ProcessLockHeldError, type LockHolder } from './process-lock.js';

export type { Db, NotificationHandler, Queryable, QueryResult, QueueSample, TransactionOptions } from './db.js';
export type { ManagedDb, ScriptQueryable } from './managed-db.js';
export { createPgDb, type DbLogger, type PgDbOptions } from './pg-db.js';
export { createReadRouter, type ReadRouter, type ReadRouterOptions, type ReplicaState } from './read-router.js';
export { quoteIdent } from './sql-ident.js';
export { createDbHandle, isDbHandle, type AmbientDb, type DbHandle, type DbHandleOptions } from './db-handle.js';
export type { PgliteDbOptions } from './pglite-db.js';
export {
  acquireProcessLock,
  isProcessAlive,
  ProcessLockHeldError,
  readLiveLock,
  type LockHolder,
  type ProcessLock,
} from './process-lock.js';
export {
  asConnectFailure,
  isConnectionError,
  isLockTimeout,
  isPermanentConnectionError,
  isRetryableTxError,
  isStatementTimeout,
  mapDbError,
  PoolExhaustedError,
  sqlStateOf,
  withTxRetry,
  type MapDbErrorOptions,
  type PoolExhaustedReason,
} from './db-errors.js';
export { defaultWriteSlots, laneOfStatement, PoolAdmission, type Lane, type PoolAdmissionOptions } from './pool-admission.js';
export { findTransactionControl, type TransactionControlStatement } from './transaction-control.js';
export {
  loadMigrations,
  migrateDown,
  migrateUp,
  MigrationError,
  MigrationRefusedError,
  migrationLockKey,
  migrationStatus,
  runMigrateCommand,
  runSqlScript,
  UnknownModuleError,
  type MigrateCommand,
  type MigrateDownOptions,
  type MigrateUpOptions,
  type MigrationFile,
  type MigrationSource,
  type MigrationStatusEntry,
  type MigrationStep,
} from './migrator.js';

/** The part of the process configuration {@link createDb} reads. */
export interface DbConfig {
  /** A PostgreSQL connection string; undefined → embedded PGlite. */
  databaseUrl?: string | undefined;
  /** Where LISTEN goes when `dbPooler` is `transaction` (see `Config.databaseDirectUrl`). */
  databaseDirectUrl?: string | undefined;
  /** A hot standby for plain reads (see `Config.databaseReadUrl`). */
  databaseReadUrl?: string | undefined;
  /** What sits between the API and PostgreSQL (see `Config.dbPooler`); default `none`. */
  dbPooler?: 'none' | 'session' | 'transaction';
  dbPoolMax: number;
  dataDir: string;
  /** Session timeouts and pool waits (see `PgDbOptions`); unset → the pg Db's defaults. */
  dbStatementTimeoutMs?: number;
  dbLockTimeoutMs?: number;
  dbIdleInTransactionTimeoutMs?: number;
  dbConnectionTimeoutMs?: number;
  dbPoolWaitTimeoutMs?: number;
  dbPoolQueueMax?: number;
}

/**
 * The embedded database directory is open in another process. PGlite has no lock of its own:
 * two processes on the same files would corrupt them, so {@link createDb} refuses. The message
 * says who holds it and what to do.
 */
export class EmbeddedDatabaseInUseError extends Error {
  constructor(
    readonly directory: string,
    readonly lockFile: string,
    readonly holder: LockHolder,
  ) {
    const command = typeof holder.command === 'string' ? `: ${holder.command}` : '';
    super(
      `the embedded database ${directory} is in use by process ${holder.pid}${command} (since ${holder.started_at}). ` +
        'The embedded PostgreSQL (PGlite) can be opened by one process at a time: stop that process first ' +
        '(if it is `npm start`, press Ctrl-C in its terminal), then run this again; or use a PostgreSQL server ' +
        `(DATABASE_URL), which many processes can share. If process ${holder.pid} is not Chompardo, the lock is left over: delete ${lockFile}.`,
    );
    this.name = 'EmbeddedDatabaseInUseError';
  }
}

/**
 * Opens the process database: a `pg` pool on `databaseUrl` when set (several hosts and
 * `target_session_attrs` as in libpq, ADR 19; `dbPooler` for PgBouncer), otherwise a PGlite database
 * persisted under `<dataDir>/api` (created if missing), held exclusively by this process through
 * the lock file `<dataDir>/api.lock` until `close()`. The pg variant connects lazily, so this
 * resolves even when the server is down (use `ping()` to check); PGlite takes seconds to start.
 * @throws EmbeddedDatabaseInUseError when another live process has the PGlite directory open.
 */
export async function createDb(config: DbConfig, logger?: DbLogger): Promise<ManagedDb> {
  if (config.databaseUrl) return createPgDb(pgDbOptions(config, config.databaseUrl, 'chompardo-api', logger));
  return openEmbeddedDb(config);
}

/** Schemas whose plain reads a hot standby may serve: the modules' data; iam (roles, keys) always reads the primary. */
const replicaSchemas = ['movie', 'recipe'];

/**
 * The read router for `databaseReadUrl` (a hot standby, its own pool of `dbPoolMax`), or
 * undefined when none is configured. Give it to `createDbHandle` (ADR 19, docs/database.md).
 */
export function createReadRouterFor(config: DbConfig, primary: ManagedDb, logger?: DbLogger & ReadRouterLogger): ReadRouter | undefined {
  if (!config.databaseReadUrl || primary.kind !== 'postgres') return undefined;
  const replica = createPgDb(pgDbOptions(config, config.databaseReadUrl, 'chompardo-api:read', logger));
  return createReadRouter({ primary, replica, schemas: replicaSchemas, ...(logger ? { logger } : {}) });
}

function pgDbOptions(config: DbConfig, connectionString: string, applicationName: string, logger: DbLogger | undefined): PgDbOptions {
  const pooler = config.dbPooler ?? 'none';
  return {
    connectionString,
    // PgBouncer drops startup parameters it does not know (ignore_startup_parameters): the
    // session limits come from the role's settings there (docs/database.md).
    ...(pooler === 'none' ? {} : { sessionLimits: 'server' as const }),
    // Transaction pooling (PgBouncer 1.18): no named prepared statements, no LISTEN.
    ...(pooler === 'transaction'
      ? { preparedStatements: false, ...(config.databaseDirectUrl ? { listenConnectionString: config.databaseDirectUrl } : {}) }
      : {}),
    max: config.dbPoolMax,
    applicationName,
    ...(config.dbStatementTimeoutMs === undefined ? {} : { statementTimeoutMs: config.dbStatementTimeoutMs }),
    ...(config.dbLockTimeoutMs === undefined ? {} : { lockTimeoutMs: config.dbLockTimeoutMs }),
    ...(config.dbIdleInTransactionTimeoutMs === undefined ? {} : { idleInTransactionTimeoutMs: config.dbIdleInTransactionTimeoutMs }),
    ...(config.dbConnectionTimeoutMs === undefined ? {} : { connectionTimeoutMs: config.dbConnectionTimeoutMs }),
    ...(config.dbPoolWaitTimeoutMs === undefined ? {} : { poolWaitTimeoutMs: config.dbPoolWaitTimeoutMs }),
    ...(config.dbPoolQueueMax === undefined ? {} : { poolQueueMax: config.dbPoolQueueMax }),
    ...(logger ? { logger } : {}),
  };
}

async function openEmbeddedDb(config: DbConfig): Promise<ManagedDb> {
  const dataDir = path.resolve(config.dataDir, 'api');
  const lockFile = path.resolve(config.dataDir, 'api.lock');
  let lock;
  try {
    // Before anything touches the directory.
    lock = acquireProcessLock(lockFile, { command: process.argv.slice(1).join(' '), database: dataDir });
  } catch (error) {
    if (error instanceof ProcessLockHeldError) throw new EmbeddedDatabaseInUseError(dataDir, lockFile, error.holder);
    throw error;
  }
  const held = lock;
  let db: ManagedDb;
  try {
    await mkdir(dataDir, { recursive: true });
    // Loaded only for the embedded database: PGlite is half a megabyte of code a server never needs.
    const { createPgliteDb } = await import('./pglite-db.js');
    db = await createPgliteDb({ dataDir });
  } catch (error) {
    held.release();
    throw error;
  }
  const close = db.close.bind(db);
  db.close = async () => {
    try {
      await close();
    } finally {
      held.release();
    }
  };
  return db;
}
