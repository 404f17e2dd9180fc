import { AppError } from '../errors/app-error.js';
import type { Db, NotificationHandler } from './db.js';

/** A {@link Db} that stays closed until the startup work (migrations) has succeeded. */
export interface StartupGate {
  /** The gated database to build the app on. */
  readonly db: Db;
  /** True once {@link StartupGate.open} has succeeded. */
  readonly isOpen: boolean;
  /**
   * Attaches the LISTENs requested while closed, then lets every call through. Throws (and stays
   * closed, keeping what it attached) when the database fails; call it again to retry.
   */
  open(): Promise<void>;
}

function notReady(): AppError {
  return new AppError('unavailable_error', 'the service is starting, please retry', { headers: { 'Retry-After': '2' } });
}

interface PendingListen {
  channel: string;
  handler: NotificationHandler;
  /** Set once attached to the real database. */
  stop?: () => Promise<void>;
  cancelled: boolean;
}

/**
 * Wraps `db` for a process that starts while its database is unreachable (main.ts): the server
 * listens at once, and until {@link StartupGate.open} (after migrations succeeded) every query,
 * transaction and NOTIFY fails with `unavailable_error` (503 + `Retry-After`) instead of running
 * on a schema that may not exist yet, and `ping` is false (readiness 503). LISTENs requested
 * meanwhile (modules start before the server listens) are recorded and attached on open: no
 * notification can be missed then, since nothing was cached or written before.
 */
export function createStartupGate(db: Db): StartupGate {
  let open = false;
  const pending: PendingListen[] = [];

  const gated: Db = {
    kind: db.kind,
    query(text, params, options) {
      return open ? db.query(text, params, options) : Promise.reject(notReady());
    },
    transaction(fn, options) {
      return open ? db.transaction(fn, options) : Promise.reject(notReady());
    },
    withSession(fn) {
      return open ? db.withSession(fn) : Promise.reject(notReady());
    },
    async ping() {
      return open && db.ping();
    },
    async listen(channel, handler) {
      if (open) return db.listen(channel, handler);
      const entry: PendingListen = { channel, handler, cancelled: false };
      pending.push(entry);
      return async () => {
        entry.cancelled = true;
        await entry.stop?.();
      };
    },
    onNotificationReconnect: (callback) => db.onNotificationReconnect(callback),
    notify(channel, payload, via) {
      return open ? db.notify(channel, payload, via) : Promise.reject(notReady());
    },
    stats: () => db.stats(),
    close: () => db.close(),
  };

  return {
    db: gated,
    get isOpen() {
      return open;
    },
    async open() {
      if (open) return;
      for (const entry of pending) {
        if (entry.cancelled || entry.stop) continue;
        entry.stop = await db.listen(entry.channel, entry.handler);
      }
      pending.length = 0;
      open = true;
    },
  };
}
