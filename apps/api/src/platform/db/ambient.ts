import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db, QueryOptions, Queryable, QueryResult, TransactionOptions } from './db.js';

/** A {@link Db} that can run work in an ambient transaction (see {@link withAmbientTransactions}). */
export interface AmbientDb extends Db {
  /**
   * Runs `fn` in a transaction that is ambient: every `query` and nested `transaction` made
   * through this Db within `fn`'s async context joins it (nested ones run on it, no savepoint).
   */
  runInAmbientTransaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

/**
 * Wraps a {@link Db} so that a platform feature (idempotency) can put a module's writes and its
 * own record into ONE transaction without the module knowing: the module keeps calling
 * `query`/`transaction` on the Db it was given. The async context is tracked with
 * AsyncLocalStorage only while an ambient transaction is in flight: its promise hooks cost every
 * request something, so they are switched off again when the last ambient transaction ends.
 */
export function withAmbientTransactions(db: Db): AmbientDb {
  const current = new AsyncLocalStorage<Queryable>();
  let inFlight = 0;
  const ambient = (): Queryable | undefined => (inFlight > 0 ? current.getStore() : undefined);
  return {
    kind: db.kind,
    query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
      return (ambient() ?? db).query<R>(text, params, options);
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T> {
      const tx = ambient();
      return tx ? fn(tx) : db.transaction(fn, options);
    },
    async runInAmbientTransaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T> {
      const outer = ambient();
      if (outer) return fn(outer);
      inFlight++;
      try {
        return await db.transaction((tx) => current.run(tx, () => fn(tx)), options);
      } finally {
        inFlight--;
        if (inFlight === 0) current.disable();
      }
    },
    withSession: (fn) => db.withSession(fn),
    ping: () => db.ping(),
    listen: (channel, handler) => db.listen(channel, handler),
    onNotificationReconnect: (callback) => db.onNotificationReconnect(callback),
    notify: (channel, payload, via) => db.notify(channel, payload, via ?? ambient()),
    stats: () => db.stats(),
    close: () => db.close(),
  };
}
