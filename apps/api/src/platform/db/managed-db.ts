import type { Db, Queryable, TransactionOptions } from './db.js';

/**
 * A {@link Queryable} that can also run a multi-statement SQL script (migrations).
 * `pg` runs scripts through the simple query protocol (a query without parameters, with a long
 * client-side timeout); PGlite runs them through its `exec()`. Scripts must not contain
 * `BEGIN`/`COMMIT`: they run inside the caller's transaction.
 */
export interface ScriptQueryable extends Queryable {
  /** Runs every statement of `sql` in order; rejects on the first failing statement. */
  exec(sql: string): Promise<void>;
}

/**
 * The {@link Db} built by `createPgDb` / `createPgliteDb` / `createDb`: the port plus what the
 * platform itself needs (scripts for the migrator, a hook for missed notifications). Code outside
 * `platform/` should depend on {@link Db} only.
 */
export interface ManagedDb extends Db, ScriptQueryable {
  transaction<T>(fn: (tx: ScriptQueryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  withSession<T>(fn: (session: ScriptQueryable) => Promise<T>): Promise<T>;
  /**
   * Registers `callback` to run after the notification connection was lost and re-established
   * (every channel has been LISTENed again). Notifications sent during the gap are lost, so
   * caches fed by NOTIFY should flush themselves here. Returns a function that unregisters it.
   * PGlite never loses its connection: the callback is never called there.
   */
  onNotificationReconnect(callback: () => void): () => void;
}
