import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ManagedDb } from './managed-db.js';
import { createPgDb, type DbLogger } from './pg-db.js';
import { createPgliteDb } from './pglite-db.js';

export type { Db, NotificationHandler, Queryable, QueryResult, TransactionOptions } from './db.js';
export type { ManagedDb, ScriptQueryable } from './managed-db.js';
export { createPgDb, quoteIdent, type DbLogger, type PgDbOptions } from './pg-db.js';
export { createPgliteDb, type PgliteDbOptions } from './pglite-db.js';
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
 * Opens the process database: a `pg` pool on `databaseUrl` when set, otherwise a PGlite database
 * persisted under `<dataDir>/api` (created if missing). The pg variant connects lazily, so this
 * resolves even when the server is down (use `ping()` to check); PGlite takes seconds to start.
 */
export async function createDb(config: DbConfig, logger?: DbLogger): Promise<ManagedDb> {
  if (config.databaseUrl) {
    return createPgDb({
      connectionString: config.databaseUrl,
      max: config.dbPoolMax,
      applicationName: 'chompardo-api',
      ...(config.dbStatementTimeoutMs === undefined ? {} : { statementTimeoutMs: config.dbStatementTimeoutMs }),
      ...(config.dbLockTimeoutMs === undefined ? {} : { lockTimeoutMs: config.dbLockTimeoutMs }),
      ...(config.dbIdleInTransactionTimeoutMs === undefined ? {} : { idleInTransactionTimeoutMs: config.dbIdleInTransactionTimeoutMs }),
      ...(config.dbConnectionTimeoutMs === undefined ? {} : { connectionTimeoutMs: config.dbConnectionTimeoutMs }),
      ...(config.dbPoolWaitTimeoutMs === undefined ? {} : { poolWaitTimeoutMs: config.dbPoolWaitTimeoutMs }),
      ...(config.dbPoolQueueMax === undefined ? {} : { poolQueueMax: config.dbPoolQueueMax }),
      ...(logger ? { logger } : {}),
    });
  }
  const dataDir = path.resolve(config.dataDir, 'api');
  await mkdir(dataDir, { recursive: true });
  return createPgliteDb({ dataDir });
}
