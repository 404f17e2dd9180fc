import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Queryable } from '../db/db.js';

// The library and the Redis client are imported when a store is opened, i.e. only with rate
// limiting on: together they cost about as much load time as Fastify itself.

/**
 * Where rate-limit counters live: a factory of rate-limiter-flexible limiters that all count in
 * one store (RATE_LIMIT_STORE). The rate limiter's policy asks for one limiter per budget.
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
export async function openMemoryRateLimitStore(): Promise<RateLimitStore> {
  const { RateLimiterMemory } = await import('rate-limiter-flexible');
  return {
    kind: 'memory',
    remote: false,
    limiter: (prefix, points, windowMs) => new RateLimiterMemory({ keyPrefix: prefix, points, duration: windowMs / 1000 }),
    close: async () => undefined,
  };
}

/** Options of {@link openPostgresRateLimitStore}. */
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
export async function openPostgresRateLimitStore(db: Queryable, options: PostgresRateLimitStoreOptions = {}): Promise<RateLimitStore> {
  const { RateLimiterPostgres } = await import('rate-limiter-flexible');
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

/** The logger the Redis store reports its connection state to (a pino logger fits). */
export interface RateLimitStoreLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

/** Options of {@link openRedisRateLimitStore}. */
export interface RedisRateLimitStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). */
  url: string;
  logger?: RateLimitStoreLogger;
  /** Time to open the connection, also how long opening the store waits for it, ms (default 2000). */
  connectTimeoutMs?: number;
  /** Prefix of every key this API writes, so one Redis can serve several deployments (default `chompardo:rl`). */
  keyPrefix?: string;
}

/**
 * The store for large deployments (RATE_LIMIT_STORE=redis): rate-limiter-flexible's Redis
 * limiter on one ioredis connection. Each hit is one Lua script (`SET NX EX` + `INCRBY` +
 * `PTTL`), atomic on the server, so every instance on the same Redis shares the budgets and no
 * row or lock of the API's database is involved. Windows are whole seconds (at least 1).
 *
 * Opening waits for the connection at most `connectTimeoutMs`, and opens anyway: while the
 * connection is down, commands fail at once instead of queueing (the request is let through);
 * ioredis reconnects in the background with a capped backoff, and each loss and recovery is
 * logged once.
 */
export async function openRedisRateLimitStore(options: RedisRateLimitStoreOptions): Promise<RateLimitStore> {
  const [{ Redis }, { RateLimiterRedis }] = await Promise.all([import('ioredis'), import('rate-limiter-flexible')]);
  const connectTimeoutMs = options.connectTimeoutMs ?? 2_000;
  const keyPrefix = options.keyPrefix ?? 'chompardo:rl';
  const logger = options.logger;
  const client = new Redis(options.url, {
    // Fail fast while disconnected: a queued command would only hold the request until its deadline.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: connectTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
  let reportedDown = false;
  client.on('ready', () => {
    if (reportedDown) logger?.info({ store: 'redis' }, 'rate limit store reconnected');
    reportedDown = false;
  });
  let closing = false;
  const reportDown = (err?: unknown): void => {
    if (reportedDown || closing) return;
    reportedDown = true;
    logger?.warn({ err, store: 'redis' }, 'rate limit store unreachable; requests are let through until it is back');
  };
  // Without a listener an 'error' event would crash the process; one line per outage is enough.
  client.on('error', (err: unknown) => reportDown(err));
  // A server that goes away cleanly (shutdown, restart) closes the connection without an error.
  client.on('close', () => reportDown());
  await whenReady(client, connectTimeoutMs);
  return {
    kind: 'redis',
    remote: true,
    limiter: (prefix, points, windowMs) =>
      new RateLimiterRedis({
        storeClient: client,
        // Refuse at once (fail open) rather than wait for a connection.
        rejectIfRedisNotReady: true,
        keyPrefix: `${keyPrefix}:${prefix}`,
        points,
        duration: Math.max(1, Math.round(windowMs / 1000)),
      }),
    async close() {
      closing = true;
      if (client.status === 'ready') {
        try {
          await client.quit();
          return;
        } catch {
          // Fall through: drop the connection.
        }
      }
      client.disconnect();
    },
  };
}

/** Resolves once `client` is ready or `timeoutMs` has passed, whichever comes first. */
async function whenReady(
  client: { status: string; once(event: 'ready', fn: () => void): unknown; off(event: 'ready', fn: () => void): unknown },
  timeoutMs: number,
): Promise<void> {
  if (client.status === 'ready') return;
  let timer: NodeJS.Timeout | undefined;
  let onReady: (() => void) | undefined;
  await new Promise<void>((resolve) => {
    onReady = resolve;
    client.once('ready', onReady);
    timer = setTimeout(resolve, timeoutMs);
  });
  clearTimeout(timer);
  if (onReady) client.off('ready', onReady);
}
