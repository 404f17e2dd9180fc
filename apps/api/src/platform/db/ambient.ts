import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db, Queryable, QueryResult, TransactionOptions } from './db.js';

/**
 * Wraps a {@link Db} so that a transaction is "ambient": while `transaction(fn)` runs, every
 * `query` and nested `transaction` made through the wrapper in the same async context joins it
 * (nested transactions run on the same transaction, no savepoint). This lets a platform feature
 * (idempotency) put a module's writes and its own record into ONE transaction without the module
 * knowing. Repositories keep taking a {@link Queryable}; nothing else changes for them.
 */
export function withAmbientTransactions(db: Db): Db {
  const current = new AsyncLocalStorage<Queryable>();
  return {
    kind: db.kind,
    query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      return (current.getStore() ?? db).query<R>(text, params);
    },
    transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T> {
      const tx = current.getStore();
      if (tx) return fn(tx);
      return db.transaction((t) => current.run(t, () => fn(t)), options);
    },
    withSession: (fn) => db.withSession(fn),
    ping: () => db.ping(),
    listen: (channel, handler) => db.listen(channel, handler),
    onNotificationReconnect: (callback) => db.onNotificationReconnect(callback),
    notify: (channel, payload, via) => db.notify(channel, payload, via ?? current.getStore()),
    stats: () => db.stats(),
    close: () => db.close(),
  };
}
