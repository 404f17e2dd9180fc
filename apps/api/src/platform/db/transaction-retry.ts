import type { Db } from './db.js';
import { withTxRetry } from './db-errors.js';

/**
 * Wraps `db` so that every top-level transaction that loses a race — serialization failure
 * (40001) or deadlock (40P01), both rolled back by PostgreSQL — runs again from the start, at
 * most `attempts` times in all (jittered pauses, see `withTxRetry`); the last failure surfaces
 * as `unavailable_error` (503) through `mapDbError`. Safe because the whole transaction body is
 * re-run in a fresh transaction: bodies must do nothing outside the database that cannot happen
 * twice (the platform's and the modules' bodies only run SQL). Everything else passes through.
 * Put it under `withAmbientTransactions`, so that joined (nested) transactions are part of the
 * retried body rather than retried alone.
 */
export function withTransactionRetry(db: Db, attempts = 3): Db {
  return {
    kind: db.kind,
    query: (text, params, options) => db.query(text, params, options),
    transaction: (fn, options) => withTxRetry(() => db.transaction(fn, options), attempts),
    withSession: (fn) => db.withSession(fn),
    ping: () => db.ping(),
    listen: (channel, handler) => db.listen(channel, handler),
    onNotificationReconnect: (callback) => db.onNotificationReconnect(callback),
    notify: (channel, payload, via) => db.notify(channel, payload, via),
    stats: () => db.stats(),
    close: () => db.close(),
  };
}
