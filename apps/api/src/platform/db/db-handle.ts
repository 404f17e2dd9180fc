import { AsyncLocalStorage } from 'node:async_hooks';
import { AppError } from '../errors/app-error.js';
import type { Db, NotificationHandler, QueryOptions, Queryable, QueryResult, TransactionOptions } from './db.js';
import { withTxRetry } from './db-errors.js';
import type { ReadRouter } from './read-router.js';

/** A {@link Db} that can run work in an ambient transaction (see {@link createDbHandle}). */
export interface AmbientDb extends Db {
  /**
   * Runs `fn` in a transaction that is ambient: every `query` and nested `transaction` made
   * through this Db within `fn`'s async context joins it (nested ones run on it, no savepoint).
   */
  runInAmbientTransaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

/** The one database handle the application runs on (see {@link createDbHandle}). */
export interface DbHandle extends AmbientDb {
  /** True once the handle is open (at once unless built with `startClosed`). */
  readonly isOpen: boolean;
  /**
   * Attaches the LISTENs requested while closed, then lets every call through. Throws (and stays
   * closed, keeping what it attached) when the database fails; call it again to retry.
   */
  open(): Promise<void>;
}

/** Options of {@link createDbHandle}. */
export interface DbHandleOptions {
  /**
   * Attempts in all of a top-level transaction that loses a race (serialization failure 40001,
   * deadlock 40P01), each from the start in a fresh transaction (default 3; 1 = no retry).
   */
  txAttempts?: number;
  /**
   * Start closed (main.ts, database unreachable at start): until {@link DbHandle.open} every
   * query, transaction and NOTIFY fails with `unavailable_error` and `ping` is false.
   */
  startClosed?: boolean;
  /** Sends plain reads to a hot standby (see `createReadRouter`); writes and transactions stay on the primary. */
  readRouter?: ReadRouter;
}

const handles = new WeakSet<Db>();

/** True when `db` was built by {@link createDbHandle} (so wrapping it again would add a layer). */
export function isDbHandle(db: Db): db is DbHandle {
  return handles.has(db);
}

function notReady(): AppError {
  return new AppError('unavailable_error', 'the service is starting, please retry', { headers: { 'Retry-After': '2' } });
}

interface PendingListen {
  channel: string;
  handler: NotificationHandler;
  /** Set once attached to the database. */
  stop?: () => Promise<void>;
  cancelled: boolean;
}

/**
 * The database handle modules and the platform use: one layer over the driver's Db (pg pool or
 * PGlite) that adds, per call, at most a flag check and a map lookup:
 * - **ambient transactions**: {@link AmbientDb.runInAmbientTransaction} puts a platform feature's
 *   record (idempotency) and a module's own writes into one transaction without the module
 *   knowing: within it, `query` and `transaction` on this handle join it. The async context is
 *   tracked with AsyncLocalStorage only while an ambient transaction is in flight (its promise
 *   hooks cost every request something), switched off when the last one ends;
 * - **transaction retry**: a top-level transaction (ambient ones included, so joined work is part
 *   of the retried body) that fails with 40001/40P01 runs again from the start, at most
 *   `txAttempts` times in all (jittered pauses, see `withTxRetry`); the last failure surfaces as
 *   503 through `mapDbError`. Bodies must do nothing outside the database that cannot happen twice;
 * - **startup gate** (`startClosed`): the server can listen before its database is reachable;
 *   until {@link DbHandle.open} (after migrations) calls fail with `unavailable_error` (503 +
 *   `Retry-After`) instead of running on a schema that may not exist, and `ping` is false.
 *   LISTENs requested meanwhile are recorded and attached on open (nothing was cached before);
 * - **read routing** (`readRouter`): plain reads outside transactions may go to a hot standby.
 */
export function createDbHandle(base: Db, options: DbHandleOptions = {}): DbHandle {
  const attempts = options.txAttempts ?? 3;
  const router = options.readRouter;
  const current = new AsyncLocalStorage<Queryable>();
  let inFlight = 0;
  let isOpen = options.startClosed !== true;
  const pending: PendingListen[] = [];
  const ambient = (): Queryable | undefined => (inFlight > 0 ? current.getStore() : undefined);

  async function topLevelTransaction<T>(fn: (tx: Queryable) => Promise<T>, txOptions: TransactionOptions | undefined): Promise<T> {
    try {
      return await withTxRetry(() => base.transaction(fn, txOptions), attempts);
    } finally {
      // Whatever happened (a COMMIT whose answer was lost may have committed), reads now need it.
      router?.noteWrite();
    }
  }

  const handle: DbHandle = {
    kind: base.kind,
    get isOpen() {
      return isOpen;
    },
    query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], queryOptions?: QueryOptions): Promise<QueryResult<R>> {
      const tx = ambient();
      if (tx) return tx.query<R>(text, params, queryOptions);
      if (!isOpen) return Promise.reject(notReady());
      return router ? router.query<R>(text, params, queryOptions) : base.query<R>(text, params, queryOptions);
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>, txOptions?: TransactionOptions): Promise<T> {
      const tx = ambient();
      if (tx) return fn(tx);
      if (!isOpen) return Promise.reject(notReady());
      return topLevelTransaction(fn, txOptions);
    },
    async runInAmbientTransaction<T>(fn: (tx: Queryable) => Promise<T>, txOptions?: TransactionOptions): Promise<T> {
      const outer = ambient();
      if (outer) return fn(outer);
      if (!isOpen) throw notReady();
      inFlight++;
      try {
        return await topLevelTransaction((tx) => current.run(tx, () => fn(tx)), txOptions);
      } finally {
        inFlight--;
        if (inFlight === 0) current.disable();
      }
    },
    withSession<T>(fn: (session: Queryable) => Promise<T>): Promise<T> {
      if (!isOpen) return Promise.reject(notReady());
      return base.withSession(fn).finally(() => router?.noteWrite());
    },
    async ping() {
      return isOpen && base.ping();
    },
    async listen(channel, handler) {
      if (isOpen) return base.listen(channel, handler);
      const entry: PendingListen = { channel, handler, cancelled: false };
      pending.push(entry);
      return async () => {
        entry.cancelled = true;
        await entry.stop?.();
      };
    },
    onNotificationReconnect: (callback) => base.onNotificationReconnect(callback),
    notify(channel, payload, via) {
      if (!isOpen) return Promise.reject(notReady());
      return base.notify(channel, payload, via ?? ambient());
    },
    stats: () => base.stats(),
    // Both pools' queues: reads may wait in the replica's.
    queueSample() {
      const primary = base.queueSample();
      if (router === undefined) return primary;
      const replica = router.queueSample();
      return { shortestWaitMs: Math.max(primary.shortestWaitMs, replica.shortestWaitMs), taken: primary.taken + replica.taken };
    },
    queueLength: () => base.queueLength() + (router?.queueLength() ?? 0),
    async close() {
      await router?.close();
      await base.close();
    },
    async open() {
      if (isOpen) return;
      for (const entry of pending) {
        if (entry.cancelled || entry.stop) continue;
        entry.stop = await base.listen(entry.channel, entry.handler);
      }
      pending.length = 0;
      isOpen = true;
    },
  };
  handles.add(handle);
  return handle;
}
