import { derived, setting, type SettingContext } from './declaration.js';
import {
  boolean,
  countOrAuto,
  duration,
  filePath,
  httpUrl,
  integer,
  list,
  oneOf,
  originList,
  postgresUrl,
  redisUrl,
  text,
  trustedIssuers,
} from './parsers.js';
export type { AuthIssuerConfig } from './parsers.js';

/** Log levels, lowest first (pino's names plus `silent`). */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/** Rate-limit counter stores (RATE_LIMIT_STORE). */
export const rateLimitStores = ['memory', 'postgres', 'redis'] as const;
export type RateLimitStoreKind = (typeof rateLimitStores)[number];

/** The single-issuer settings (AUTH_ISSUERS replaces them). */
const authJwksUrl = setting('AUTH_JWKS_URL', httpUrl(), { default: 'http://127.0.0.1:4001/api/auth/jwks' });
const authIssuer = setting('AUTH_ISSUER', text(), { default: 'http://127.0.0.1:4001' });
const authAudience = setting('AUTH_AUDIENCE', list({ allowEmpty: false }), { default: ['http://127.0.0.1:4001'] });

/** Most HTTP processes of one server (WORKERS). */
const maxWorkers = 256;

/**
 * Every setting of the API process, one row each, in the shape of the `Config` they produce
 * (`Config` is inferred from this object, and each row's TSDoc is the field's). A row says its
 * environment variable (the flag and the config file key follow: `DB_POOL_MAX` →
 * `--db-pool-max`, `db_pool_max`), how its value is parsed, its default (none = optional) and
 * whether it is a secret (masked in logs, never echoed, readable from `<ENV>_FILE`). Adding a
 * setting is adding a row here; the loader, the flags, the file keys, the error messages and the
 * startup log follow. Immutable data, so sharing it between loads cannot leak state.
 */
export const settings = {
  host: setting('HOST', text(), { default: '127.0.0.1' }),
  port: setting('PORT', integer(0, 65535), { default: 4000 }),
  /** Path of the JSON config file that was read (may not exist). */
  configFile: setting('CONFIG_FILE', filePath(), { default: './config/config.json', inFile: false }),
  /** The config file target in use, if any (TARGET, else the file's `default_target`). */
  target: setting('TARGET', text(), { inFile: false }),
  /** Connection string of a real PostgreSQL; undefined → embedded PGlite in `dataDir`. */
  databaseUrl: derived(
    {
      url: setting('DATABASE_URL', postgresUrl(), { flag: 'db-url', secret: 'url' }),
      host: setting('DB_HOST', text(), { default: 'localhost' }),
      port: setting('DB_PORT', integer(1, 65535), { default: 5432 }),
      name: setting('DB_NAME', text()),
      user: setting('DB_USER', text()),
      password: setting('DB_PASSWORD', text({ trim: false }), { secret: 'value' }),
    },
    (db) => db.url ?? databaseUrlFromParts(db),
    { secret: 'url' },
  ),
  /**
   * A direct PostgreSQL address (DATABASE_DIRECT_URL) for what a transaction-mode pooler cannot
   * carry: LISTEN, migrations, session advisory locks. Undefined → `databaseUrl`.
   */
  databaseDirectUrl: setting('DATABASE_DIRECT_URL', postgresUrl(), { flag: 'db-direct-url', secret: 'url' }),
  /** A hot standby (DATABASE_READ_URL) for reads outside transactions; undefined → every read on the primary. */
  databaseReadUrl: setting('DATABASE_READ_URL', postgresUrl(), { flag: 'db-read-url', secret: 'url' }),
  /**
   * DB_POOLER: what sits between the API and PostgreSQL. `none`; `session` (PgBouncer session
   * pooling: no session settings in the startup packet); `transaction` (also unnamed statements,
   * and LISTEN/migrations/advisory locks on `databaseDirectUrl`). See docs/database.md.
   */
  dbPooler: setting('DB_POOLER', oneOf(['none', 'session', 'transaction']), { default: 'none', check: poolerHasDirectUrl }),
  /**
   * Database connections of this process's pool. The loader returns the budget of the whole
   * server (DB_POOL_MAX); with several workers each worker's config carries its share of it.
   */
  dbPoolMax: setting('DB_POOL_MAX', integer(1, 1000), { default: 10 }),
  /**
   * Processes serving HTTP (WORKERS): 1 = this process serves; more = this process supervises
   * that many workers (node:cluster) sharing the port and, between them, the DB_POOL_MAX budget.
   */
  workers: derived({ count: setting('WORKERS', countOrAuto(maxWorkers), { default: 'auto', check: workersFitDatabase }) }, resolveWorkers),
  /** `statement_timeout` of every database session, ms. */
  dbStatementTimeoutMs: setting('DB_STATEMENT_TIMEOUT', duration(1), { default: '15s' }),
  /** `lock_timeout` of every database session, ms (per lock acquisition): a lock held elsewhere fails the statement (503) instead of stalling it. */
  dbLockTimeoutMs: setting('DB_LOCK_TIMEOUT', duration(1), { default: '1s' }),
  /** `idle_in_transaction_session_timeout` of every database session, ms. */
  dbIdleInTransactionTimeoutMs: setting('DB_IDLE_IN_TRANSACTION_TIMEOUT', duration(1), { default: '10s' }),
  /** How long opening a database connection may take, ms (also the deadline of the readiness probe). */
  dbConnectionTimeoutMs: setting('DB_CONNECTION_TIMEOUT', duration(1), { default: '2s' }),
  /** How long a request may wait for a free pool connection before it gets 503, ms. */
  dbPoolWaitTimeoutMs: setting('DB_POOL_WAIT_TIMEOUT', duration(1), { default: '1s' }),
  /** Most requests waiting for a pool connection per lane (reads, writes); the next gets 503 at once. */
  dbPoolQueueMax: setting('DB_POOL_QUEUE_MAX', integer(0, 100_000), { default: 200 }),
  /** Directory of the embedded PGlite database. */
  dataDir: setting('DATA_DIR', filePath(), { default: './.data' }),
  /**
   * The trusted token issuers: AUTH_ISSUERS, else the one issuer of AUTH_JWKS_URL, AUTH_ISSUER
   * and AUTH_AUDIENCE (the single-issuer settings, kept as given).
   */
  auth: derived(
    {
      jwksUrl: authJwksUrl,
      issuer: authIssuer,
      /** Accepted audiences; a token passes when its `aud` contains one of them. */
      audience: authAudience,
      issuers: setting('AUTH_ISSUERS', trustedIssuers(), { check: notWithSingleIssuer }),
    },
    ({ jwksUrl, issuer, audience, issuers }) => ({
      jwksUrl,
      issuer,
      audience,
      issuers: issuers ?? [{ issuer, audience, jwksUrl }],
    }),
  ),
  log: {
    level: setting('LOG_LEVEL', oneOf(logLevels), { default: 'info', check: levelNotBelowMinimum }),
    levelMin: setting('LOG_LEVEL_MIN', oneOf(logLevels), { default: 'trace' }),
    errorStack: setting('LOG_ERROR_STACK', boolean(), { default: false }),
  },
  migrateOnStart: setting('MIGRATE_ON_START', boolean(), { default: true }),
  /** Delivery of domain events through the outbox (docs/operations.md, "Event delivery"). */
  events: {
    /** This process delivers events to its modules' subscribers (EVENT_DISPATCH). */
    dispatch: setting('EVENT_DISPATCH', boolean(), { default: true }),
    /** Failed attempts after which a delivery is dead-lettered. */
    maxAttempts: setting('EVENT_MAX_ATTEMPTS', integer(1, 1000), { default: 10 }),
    /** First retry delay, ms, doubled per failure up to `retryMaxMs`. */
    retryBaseMs: setting('EVENT_RETRY_BASE', duration(1), { default: '1s' }),
    retryMaxMs: setting('EVENT_RETRY_MAX', duration(1), { default: '5m' }),
    /** Safety poll interval, ms (deliveries are woken by NOTIFY; this catches anything missed). */
    pollIntervalMs: setting('EVENT_POLL_INTERVAL', duration(10), { default: '10s' }),
    /** How long delivered events are kept, ms. */
    retentionMs: setting('EVENT_RETENTION', duration(1000), { default: '168h' }),
  },
  /** Maximum request body size in bytes. */
  bodyLimit: setting('BODY_LIMIT', integer(1), { default: 1_048_576 }),
  rateLimit: {
    /** Requests per window per app (per IP before authentication); 0 = off. */
    max: setting('RATE_LIMIT_MAX', integer(0), { default: 0 }),
    windowMs: setting('RATE_LIMIT_WINDOW', duration(1), { default: '60s' }),
    /** Where counters live: this process (`memory`) or shared by every instance (`postgres`, `redis`). */
    store: setting('RATE_LIMIT_STORE', oneOf(rateLimitStores), { default: 'memory', check: storeHasServer }),
    /** Deadline of one call to a shared store; past it the request is let through (fail open). */
    storeTimeoutMs: setting('RATE_LIMIT_STORE_TIMEOUT', duration(1), { default: '250ms' }),
    /** The Redis server of `store: 'redis'` (REDIS_URL); required then. */
    redisUrl: setting('REDIS_URL', redisUrl(), { secret: 'url' }),
  },
  /** Limits that keep slow and abusive clients from holding the server. */
  http: {
    /** Time a client has to send a whole request (408 after). */
    requestTimeoutMs: setting('REQUEST_TIMEOUT', duration(1), { default: '30s' }),
    /** Time a client has to send the request headers (408 after); at most `requestTimeoutMs`. */
    headersTimeoutMs: setting('HEADERS_TIMEOUT', duration(1), { default: '10s', check: headersWithinRequestTimeout }),
    /** How long an idle keep-alive connection is kept open. */
    keepAliveTimeoutMs: setting('KEEP_ALIVE_TIMEOUT', duration(1), { default: '5s' }),
    /** Requests served on one connection before it is closed; 0 = unlimited. */
    maxRequestsPerSocket: setting('MAX_REQUESTS_PER_SOCKET', integer(0), { default: 0 }),
    /** Requests of one connection in flight (handled or unflushed) before the server stops reading it; ≥ 2. */
    maxInFlightPerConnection: setting('MAX_IN_FLIGHT_PER_CONNECTION', integer(2, 10_000), { default: 8 }),
    /** Requests of one connection already received that may wait for a slot; one more → 503 and the connection closes. */
    maxQueuedPerConnection: setting('MAX_QUEUED_PER_CONNECTION', integer(0, 100_000), { default: 64 }),
    /** Requests handled at once across all connections; more → 503 at once; 0 = unlimited. */
    maxInFlight: setting('MAX_IN_FLIGHT', integer(0), { default: 1000 }),
    /** How long a connection's pending output may make no progress (client not reading) before it is cut; 0 = never. */
    sendTimeoutMs: setting('SEND_TIMEOUT', duration(0), { default: '30s' }),
    /** Event-loop delay above which new requests are shed (503); 0 = off. */
    maxEventLoopDelayMs: setting('MAX_EVENT_LOOP_DELAY', duration(0), { default: '1s' }),
    /** Shortest wait for a database connection that, kept 500 ms by a busy process, makes it shed what would wait longer (503); 0 = off. */
    shedQueueDelayMs: setting('SHED_QUEUE_DELAY', duration(0), { default: '25ms' }),
    /** Share of V8's heap limit (percent) above which new requests are shed; 0 = off. */
    maxHeapUsedPercent: setting('MAX_HEAP_USED_PERCENT', integer(0, 100), { default: 90 }),
    /** Resident set size in bytes above which new requests are shed; 0 = off. */
    maxRssBytes: setting('MAX_RSS', integer(0), { default: 0 }),
    /** Proxies whose `X-Forwarded-For` is believed (addresses, CIDRs, `loopback`…); empty = none. */
    trustProxy: setting('TRUST_PROXY', list({ allowEmpty: true }), { default: [] }),
    /** Browser origins allowed by CORS (`*` = any); empty = CORS off. */
    corsOrigins: setting('CORS_ORIGINS', originList(), { default: [] }),
  },
  /** Bearer token that opens `GET /metrics` to non-loopback clients; unset = loopback only. */
  metricsToken: setting('METRICS_TOKEN', text(), { secret: 'value' }),
  shutdownTimeoutMs: setting('SHUTDOWN_TIMEOUT', duration(0), { default: '10s' }),
  /** Role codes granted in the app's org on self-registration. */
  selfRegisterRoles: setting('SELF_REGISTER_ROLES', list({ allowEmpty: true }), { default: ['movieAdmin'] }),
};

/** The DB_* parts of a database URL. */
interface DatabaseUrlParts {
  host: string;
  port: number;
  name: string | undefined;
  user: string | undefined;
  password: string | undefined;
}

/** A URL from the DB_* parts when DB_NAME is set; undefined means embedded PGlite. */
function databaseUrlFromParts(db: DatabaseUrlParts): string | undefined {
  if (db.name === undefined) return undefined;
  const user = db.user === undefined ? '' : encodeURIComponent(db.user);
  const password = db.password === undefined ? '' : `:${encodeURIComponent(db.password)}`;
  const userInfo = user === '' && password === '' ? '' : `${user}${password}@`;
  // An IPv6 literal needs brackets inside a URL; operators write it bare in DB_HOST.
  const host = db.host.includes(':') && !db.host.startsWith('[') ? `[${db.host}]` : db.host;
  return `postgresql://${userInfo}${host}:${db.port}/${encodeURIComponent(db.name)}`;
}

/** Several workers need a database server, and at least one connection of the pool budget each. */
function workersFitDatabase(count: number | 'auto', { valueOf, originOf }: SettingContext): string | undefined {
  if (count === 'auto' || count === 1) return undefined;
  if (valueOf(settings.databaseUrl) === undefined) {
    return 'the embedded PGlite database serves one process only; set DATABASE_URL (or DB_NAME) or WORKERS=1';
  }
  const poolMax = valueOf(settings.dbPoolMax);
  // The pool budget is shared by the workers, and a worker without a connection cannot serve.
  if (count > poolMax) {
    return `${count} workers cannot share ${poolMax} database connections (${originOf(settings.dbPoolMax)}); each needs at least one`;
  }
  return undefined;
}

/**
 * The number of HTTP processes. An explicit count is taken as it is (checked against the database
 * and the pool). `auto` means one per usable CPU, capped so every worker gets at least one
 * connection of DB_POOL_MAX — but only for a production server (`NODE_ENV=production`) on a
 * PostgreSQL server: the embedded PGlite belongs to one process, and development, tests and
 * `npm start` want one process to debug and to read the logs of.
 */
function resolveWorkers({ count }: { count: number | 'auto' }, { valueOf, production, cpuCount }: SettingContext): number {
  if (count !== 'auto') return count;
  if (!production || valueOf(settings.databaseUrl) === undefined) return 1;
  return Math.max(1, Math.min(cpuCount(), valueOf(settings.dbPoolMax), maxWorkers));
}

function levelNotBelowMinimum(level: LogLevel, { valueOf, originOf }: SettingContext): string | undefined {
  const minimum = valueOf(settings.log.levelMin);
  if (logLevels.indexOf(level) >= logLevels.indexOf(minimum)) return undefined;
  return `"${level}" is below the minimum level "${minimum}" set by ${originOf(settings.log.levelMin)}`;
}

/** AUTH_ISSUERS replaces the single-issuer settings; both given is ambiguous, so it is refused. */
function notWithSingleIssuer(issuers: unknown, { originOf }: SettingContext): string | undefined {
  if (issuers === undefined) return undefined;
  const alsoSet = [authIssuer, authAudience, authJwksUrl].map((row) => originOf(row)).filter((origin) => !origin.endsWith('(default)'));
  if (alsoSet.length === 0) return undefined;
  return `replaces ${alsoSet.join(', ')}: set one or the other (write that issuer as an entry of the list)`;
}

/** A transaction-mode pooler cannot carry LISTEN, migrations or session advisory locks: those need a direct address. */
function poolerHasDirectUrl(pooler: 'none' | 'session' | 'transaction', { valueOf }: SettingContext): string | undefined {
  if (pooler !== 'transaction' || valueOf(settings.databaseDirectUrl) !== undefined) return undefined;
  return 'DB_POOLER=transaction needs DATABASE_DIRECT_URL (a direct PostgreSQL address for LISTEN, migrations and advisory locks)';
}

function storeHasServer(store: RateLimitStoreKind, { valueOf }: SettingContext): string | undefined {
  if (store !== 'redis' || valueOf(settings.rateLimit.redisUrl) !== undefined) return undefined;
  return 'the redis store needs REDIS_URL (--redis-url, or REDIS_URL_FILE)';
}

/** Node refuses a headers timeout longer than the request timeout (the whole request). */
function headersWithinRequestTimeout(headersMs: number, { valueOf, originOf }: SettingContext): string | undefined {
  const requestMs = valueOf(settings.http.requestTimeoutMs);
  if (headersMs <= requestMs) return undefined;
  return `must not be longer than the request timeout (${requestMs} ms) set by ${originOf(settings.http.requestTimeoutMs)}`;
}
