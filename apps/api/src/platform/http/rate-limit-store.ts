import { RateLimiterMemory, RateLimiterPostgres, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Queryable } from '../db/db.js';

/**
 * Where rate-limit counters live: a factory of rate-limiter-flexible limiters that all count in
 * one store (RATE_LIMIT_STORE). The {@link RateLimiter} policy asks for one limiter per budget.
 */
export interface RateLimitStore {
  /** `memory`, `postgres` or `redis`, for logs. */
  readonly kind: string;
  /** True when a call leaves the process (it then gets a deadline and may stall). */
  readonly remote: boolean;
  /**
   * A fixed-window counter of `points` per `windowMs` for keys under `prefix`: the window of a
   * key starts with its first hit. Several limiters of one store share it under their prefixes.
   */
  limiter(prefix: string, points: number, windowMs: number): RateLimiterAbstract;
  /** Stops background work (cleanup timers, connections the store owns). */
  close(): Promise<void>;
}

/**
 * The in-process store (default): rate-limiter-flexible's memory limiter, a Map with one unref'ed
 * timer per live key that drops it when its window ends, so memory never outgrows one window's
 * keys. Exact for one instance; with several instances each counts on its own.
 */
export function createMemoryRateLimitStore(): RateLimitStore {
  return {
    kind: 'memory',
    remote: false,
    limiter: (prefix, points, windowMs) => new RateLimiterMemory({ keyPrefix: prefix, points, duration: windowMs / 1000 }),
    close: async () => undefined,
  };
}

/** Options of {@link createPostgresRateLimitStore}. */
export interface PostgresRateLimitStoreOptions {
  /** How often rows of ended windows are deleted, ms (default 60000). */
  cleanupIntervalMs?: number;
  /** Called when a cleanup fails (it is retried at the next interval). */
  onCleanupError?: (error: unknown) => void;
}

/** The query shape rate-limiter-flexible hands its client (`{ name, text, values }`). */
interface LibraryQuery {
  text: string;
  values?: unknown[];
}

/**
 * The shared store (RATE_LIMIT_STORE=postgres): rate-limiter-flexible's PostgreSQL limiter on
 * the unlogged table `platform.rate_limit`, which the platform migrations create (the library is
 * told so and never runs DDL). Every instance on the same database counts against the same
 * budget: one atomic `INSERT … ON CONFLICT DO UPDATE … RETURNING` per hit, so concurrent hits on
 * one key serialise on its row and each sees its own count.
 *
 * The library is given our {@link Queryable} rather than a `pg.Pool`: it only ever calls
 * `query({ text, values })` on it, so it runs on the pool (statements are prepared per
 * connection by the pool's own naming) and on embedded PGlite alike, with the pool's timeouts and
 * error mapping. Window ends are computed on each instance's clock (`Date.now()`), so instances
 * should run NTP. Rows of ended windows are deleted every `cleanupIntervalMs` (unref'ed timer).
 */
export function createPostgresRateLimitStore(db: Queryable, options: PostgresRateLimitStoreOptions = {}): RateLimitStore {
  const client = { query: (q: LibraryQuery) => db.query(q.text, q.values) };
  const onCleanupError = options.onCleanupError ?? (() => undefined);
  const timer = setInterval(() => {
    db.query('DELETE FROM platform.rate_limit WHERE expire < $1', [Date.now()]).catch(onCleanupError);
  }, options.cleanupIntervalMs ?? 60_000);
  timer.unref();
  return {
    kind: 'postgres',
    remote: true,
    limiter: (prefix, points, windowMs) =>
      new RateLimiterPostgres({
        storeClient: client,
        // 'pool': the client is used as given, no connection checkout/release around each query.
        storeType: 'pool',
        schemaName: 'platform',
        tableName: 'rate_limit',
        tableCreated: true,
        // Our own timer deletes ended windows (one for all limiters, stopped by close()).
        clearExpiredByTimeout: false,
        keyPrefix: prefix,
        points,
        duration: windowMs / 1000,
      }),
    close: async () => clearInterval(timer),
  };
}
