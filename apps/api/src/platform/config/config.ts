/**
 * The validated configuration of the API process (CONTRACT §2). Built once by `loadConfig` in
 * main.ts and the CLIs, then passed down; nothing reads `process.env` elsewhere.
 */
export interface Config {
  host: string;
  port: number;
  /** Path of the JSON config file that was read (may not exist). */
  configFile: string;
  /** The config file target in use, if any. */
  target: string | undefined;
  /** Connection string of a real PostgreSQL; undefined → embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  /**
   * A direct PostgreSQL address (DATABASE_DIRECT_URL) for what a transaction-mode pooler cannot
   * carry: LISTEN, migrations, session advisory locks. Undefined → `databaseUrl`.
   */
  databaseDirectUrl: string | undefined;
  /** A hot standby (DATABASE_READ_URL) for reads outside transactions; undefined → every read on the primary. */
  databaseReadUrl: string | undefined;
  /**
   * DB_POOLER: what sits between the API and PostgreSQL. `none`; `session` (PgBouncer session
   * pooling: no session settings in the startup packet); `transaction` (also unnamed statements,
   * and LISTEN/migrations/advisory locks on `databaseDirectUrl`). See docs/database.md.
   */
  dbPooler: 'none' | 'session' | 'transaction';
  /**
   * Database connections of this process's pool. The loader returns the budget of the whole
   * server (DB_POOL_MAX); with several workers each worker's config carries its share of it.
   */
  dbPoolMax: number;
  /**
   * Processes serving HTTP (WORKERS): 1 = this process serves; more = this process supervises
   * that many workers (node:cluster) sharing the port and, between them, the DB_POOL_MAX budget.
   */
  workers: number;
  /** `statement_timeout` of every database session, ms. */
  dbStatementTimeoutMs: number;
  /** `lock_timeout` of every database session, ms (per lock acquisition): a lock held elsewhere fails the statement (503) instead of stalling it. */
  dbLockTimeoutMs: number;
  /** `idle_in_transaction_session_timeout` of every database session, ms. */
  dbIdleInTransactionTimeoutMs: number;
  /** How long opening a database connection may take, ms (also the deadline of the readiness probe). */
  dbConnectionTimeoutMs: number;
  /** How long a request may wait for a free pool connection before it gets 503, ms. */
  dbPoolWaitTimeoutMs: number;
  /** Most requests waiting for a pool connection per lane (reads, writes); the next gets 503 at once. */
  dbPoolQueueMax: number;
  dataDir: string;
  auth: {
    jwksUrl: string;
    issuer: string;
    /** Accepted audiences; a token passes when its `aud` contains one of them. */
    audience: string[];
  };
  log: {
    level: LogLevel;
    levelMin: LogLevel;
    errorStack: boolean;
  };
  migrateOnStart: boolean;
  /** Maximum request body size in bytes. */
  bodyLimit: number;
  rateLimit: {
    /** Requests per window per app (per IP before authentication); 0 = off. */
    max: number;
    windowMs: number;
    /** Where counters live: this process (`memory`) or shared by every instance (`postgres`, `redis`). */
    store: RateLimitStoreKind;
    /** The Redis server of `store: 'redis'` (REDIS_URL); required then. */
    redisUrl: string | undefined;
    /** Deadline of one call to a shared store; past it the request is let through (fail open). */
    storeTimeoutMs: number;
  };
  /** Limits that keep slow and abusive clients from holding the server. */
  http: {
    /** Time a client has to send a whole request (408 after). */
    requestTimeoutMs: number;
    /** Time a client has to send the request headers (408 after); at most `requestTimeoutMs`. */
    headersTimeoutMs: number;
    /** How long an idle keep-alive connection is kept open. */
    keepAliveTimeoutMs: number;
    /** Requests served on one connection before it is closed; 0 = unlimited. */
    maxRequestsPerSocket: number;
    /** Requests of one connection in flight (handled or unflushed) before the server stops reading it; ≥ 2. */
    maxInFlightPerConnection: number;
    /** Requests of one connection already received that may wait for a slot; one more → 503 and the connection closes. */
    maxQueuedPerConnection: number;
    /** Requests handled at once across all connections; more → 503 at once; 0 = unlimited. */
    maxInFlight: number;
    /** How long a connection's pending output may make no progress (client not reading) before it is cut; 0 = never. */
    sendTimeoutMs: number;
    /** Event-loop delay above which new requests are shed (503); 0 = off. */
    maxEventLoopDelayMs: number;
    /** Share of V8's heap limit (percent) above which new requests are shed; 0 = off. */
    maxHeapUsedPercent: number;
    /** Resident set size in bytes above which new requests are shed; 0 = off. */
    maxRssBytes: number;
    /** Proxies whose `X-Forwarded-For` is believed (addresses, CIDRs, `loopback`…); empty = none. */
    trustProxy: string[];
    /** Browser origins allowed by CORS (`*` = any); empty = CORS off. */
    corsOrigins: string[];
  };
  /** Bearer token that opens `GET /metrics` to non-loopback clients; unset = loopback only. */
  metricsToken: string | undefined;
  shutdownTimeoutMs: number;
  /** Role codes granted in the app's org on self-registration. */
  selfRegisterRoles: string[];
}

/** Rate-limit counter stores (RATE_LIMIT_STORE). */
export const rateLimitStores = ['memory', 'postgres', 'redis'] as const;
export type RateLimitStoreKind = (typeof rateLimitStores)[number];

/** Log levels, lowest first (pino's names plus `silent`). */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];
