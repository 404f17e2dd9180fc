import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Log levels the service understands, most verbose first. */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** One of {@link logLevels}. */
export type LogLevel = (typeof logLevels)[number];

/**
 * Where the identity service keeps its tables: a PostgreSQL server (schema `identity`) or its
 * own embedded PGlite. `dataDir: 'memory://'` keeps PGlite in memory (tests).
 */
export type StorageConfig =
  | {
      kind: 'postgres';
      url: string;
      /** Most connections in the pool. */
      poolMax: number;
      /** Longest wait for a pool connection (including connecting); then the request gets 503. */
      poolWaitMs: number;
    }
  | { kind: 'pglite'; dataDir: string };

/** Limits of the HTTP server against slow and idle clients. */
export interface HttpLimits {
  /** Time a client has to send the request headers (408 after). At most {@link requestTimeoutMs}. */
  headersTimeoutMs: number;
  /** Time a client has to send the whole request (408 after). */
  requestTimeoutMs: number;
  /** Idle time after which a keep-alive connection is closed. */
  keepAliveTimeoutMs: number;
}

/**
 * Load shedding, per lane: how many requests run at once, how many may wait for a turn and for
 * how long. Past either bound a request gets 503 with Retry-After at once.
 */
export interface AdmissionLimits {
  maxConcurrent: number;
  maxQueued: number;
  queueTimeoutMs: number;
}

/**
 * The two admission lanes: requests that hash or verify a password (CPU-bound, ~0.1–0.2 s of a
 * core each) and all other auth requests, so a sign-up flood cannot starve token and JWKS calls.
 */
export interface AdmissionConfig {
  password: AdmissionLimits;
  general: AdmissionLimits;
}

/** The identity service's configuration, validated (see {@link loadConfig}). */
export interface IdentityConfig {
  host: string;
  /** TCP port (1–65535). */
  port: number;
  /**
   * Public base URL of the service (Better Auth's `baseURL`, trusted origin). Undefined:
   * `http://HOST:PORT`.
   */
  baseUrl: string | undefined;
  /** `iss` of issued JWTs. */
  issuer: string;
  /** `aud` of issued JWTs: one value, or several (the token then carries an array). */
  audience: string[];
  storage: StorageConfig;
  /** Better Auth secret: signs session cookies, encrypts the JWKS private keys at rest. */
  secret: string;
  /** True when {@link secret} is the built-in development default (never in production). */
  secretIsDevDefault: boolean;
  /** JWT lifetime in seconds. */
  tokenTtlSeconds: number;
  /** Seconds a signing key is used before a new one is minted. */
  keyRotationSeconds: number;
  /** Seconds a rotated-out key stays in the JWKS so tokens it signed still verify. */
  keyGraceSeconds: number;
  /** Better Auth's per-IP rate limit on its endpoints (sign-in: 3 per 10 s). */
  rateLimit: boolean;
  logLevel: LogLevel;
  /** Seconds in-flight requests get to finish on SIGTERM/SIGINT. */
  shutdownTimeoutSeconds: number;
  http: HttpLimits;
  admission: AdmissionConfig;
  /**
   * DISCARD_UNREADABLE_SIGNING_KEYS: at start, delete stored signing keys the secret cannot decrypt
   * (instead of refusing to start). Tokens they signed stop verifying.
   */
  discardUnreadableKeys: boolean;
  production: boolean;
}

/** A configuration value is invalid; `key` names the environment variable. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`invalid configuration ${key}: ${message}`);
    this.name = 'ConfigError';
  }
}

/**
 * Development-only secret, used when `BETTER_AUTH_SECRET` is unset outside production. Anyone
 * can read it here, so tokens and stored keys of a service running on it protect nothing.
 */
export const devDefaultSecret = 'chompardo-identity-DEV-ONLY-insecure-secret-change-me';

/** Issuer and audience the API expects by default (README "Configuration"). */
export const defaultIssuer = 'http://127.0.0.1:4001';

const durationUnits: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * Parses `900`, `900s`, `15m`, `1h`, `30d` into seconds (a positive integer).
 * @throws ConfigError naming `key` when the text is not such a duration.
 */
export function parseDurationSeconds(key: string, text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  const amount = match ? Number(match[1]) : Number.NaN;
  const unit = durationUnits[match?.[2] || 's'] ?? Number.NaN;
  const seconds = amount * unit;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new ConfigError(key, `expected a positive duration like 900s, 15m, 1h or 30d, got "${text}"`);
  }
  return seconds;
}

const durationMsUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Longest delay a Node timer takes. */
const maxTimerMs = 2_147_483_647;

/**
 * Parses `500ms`, `10s`, `1m`, `1h` or bare seconds (`10`) into milliseconds, at least `minMs`.
 * @throws ConfigError naming `key` when the text is not such a duration.
 */
export function parseDurationMs(key: string, text: string, minMs = 1): number {
  const match = /^(\d+)\s*(ms|s|m|h)?$/.exec(text.trim());
  const amount = match ? Number(match[1]) : Number.NaN;
  const unit = durationMsUnits[match?.[2] || 's'] ?? Number.NaN;
  const ms = amount * unit;
  if (!Number.isSafeInteger(ms) || ms < minMs || ms > maxTimerMs) {
    throw new ConfigError(key, `expected a duration like 500ms, 10s, 1m or whole seconds (${minMs}ms to ${maxTimerMs}ms), got "${text}"`);
  }
  return ms;
}

function parseUrl(key: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(key, `expected an absolute URL, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(key, `expected an http(s) URL, got "${text}"`);
  }
  // No trailing slash: issuer comparisons in verifiers are exact string matches.
  return text.replace(/\/+$/, '');
}

function parseInteger(key: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(key, `expected an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function parseBoolean(key: string, text: string): boolean {
  const normalized = text.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
  if (['false', '0', 'no', 'off'].includes(normalized)) return false;
  throw new ConfigError(key, `expected true or false, got "${text}"`);
}

function parseDatabaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError('DATABASE_URL', 'expected a postgres:// or postgresql:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    // The value may hold a password: name the problem, never echo it.
    throw new ConfigError('DATABASE_URL', 'expected a postgres:// or postgresql:// URL');
  }
  return text;
}

/** Settings holding secrets: each may instead be read from the file named by `<KEY>_FILE`. */
export const secretSettings = ['BETTER_AUTH_SECRET', 'DATABASE_URL'] as const;

/**
 * Reads and validates the identity service's configuration from `env` (default
 * `process.env`). Empty strings count as unset. Keys: HOST (127.0.0.1), PORT (4001), BASE_URL
 * (http://HOST:PORT), AUTH_ISSUER and AUTH_AUDIENCE (http://127.0.0.1:4001; audience may be a
 * comma-separated list), DATABASE_URL (unset: PGlite at DATA_DIR/identity), DATA_DIR (./.data),
 * DB_POOL_MAX (10), DB_POOL_WAIT (5s), BETTER_AUTH_SECRET (required when NODE_ENV=production,
 * ≥ 32 characters), TOKEN_EXPIRES_IN (15m), KEY_ROTATION_INTERVAL (30d), KEY_GRACE_PERIOD (30d,
 * ≥ token lifetime), RATE_LIMIT (true in production), LOG_LEVEL (info), SHUTDOWN_TIMEOUT (10s),
 * HEADERS_TIMEOUT (10s, ≤ REQUEST_TIMEOUT), REQUEST_TIMEOUT (30s), KEEP_ALIVE_TIMEOUT (5s),
 * MAX_CONCURRENT_REQUESTS (DB_POOL_MAX), MAX_CONCURRENT_PASSWORD_REQUESTS (cores, at most
 * DB_POOL_MAX), MAX_QUEUED_REQUESTS (100 per lane), REQUEST_QUEUE_TIMEOUT (5s),
 * DISCARD_UNREADABLE_SIGNING_KEYS (false). Each of {@link secretSettings} may instead come from
 * the file named by `<KEY>_FILE` (surrounding white space dropped); setting both is an error.
 * BETTER_AUTH_SECRETS (Better Auth's own versioned secrets) is refused: this service reads only
 * BETTER_AUTH_SECRET.
 * @throws ConfigError naming the first invalid key (never echoing a secret value).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): IdentityConfig {
  const read = (key: string): string | undefined => {
    const value = env[key];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const readSecret = (key: (typeof secretSettings)[number]): string | undefined => {
    const fileKey = `${key}_FILE`;
    const file = read(fileKey);
    if (file === undefined) return read(key);
    if (read(key) !== undefined) throw new ConfigError(key, `set either ${key} or ${fileKey}, not both`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(fileKey, `cannot read the file ${file} (${code})`);
    }
    // Secret files usually end with a newline; it is not part of the secret.
    const value = text.trim();
    if (value === '') throw new ConfigError(fileKey, `the file ${file} is empty`);
    return value;
  };
  const production = read('NODE_ENV') === 'production';

  const host = read('HOST') ?? '127.0.0.1';
  const portText = read('PORT');
  const port = portText === undefined ? 4001 : parseInteger('PORT', portText, 1, 65_535);
  const baseUrlText = read('BASE_URL');
  const baseUrl = baseUrlText === undefined ? undefined : parseUrl('BASE_URL', baseUrlText);

  const issuerText = read('AUTH_ISSUER');
  const issuer = issuerText === undefined ? defaultIssuer : parseUrl('AUTH_ISSUER', issuerText);
  const audienceText = read('AUTH_AUDIENCE') ?? defaultIssuer;
  const audience = audienceText
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (audience.length === 0) throw new ConfigError('AUTH_AUDIENCE', 'expected at least one audience');

  const databaseUrlText = readSecret('DATABASE_URL');
  const poolMaxText = read('DB_POOL_MAX');
  const poolMax = poolMaxText === undefined ? 10 : parseInteger('DB_POOL_MAX', poolMaxText, 1, 1000);
  const poolWaitMs = parseDurationMs('DB_POOL_WAIT', read('DB_POOL_WAIT') ?? '5s', 10);
  const dataDir = read('DATA_DIR') ?? './.data';
  const storage: StorageConfig =
    databaseUrlText === undefined
      ? { kind: 'pglite', dataDir: path.resolve(dataDir, 'identity') }
      : { kind: 'postgres', url: parseDatabaseUrl(databaseUrlText), poolMax, poolWaitMs };

  if (read('BETTER_AUTH_SECRETS') !== undefined) {
    // Better Auth would read it behind this service's back and use it instead of BETTER_AUTH_SECRET.
    throw new ConfigError(
      'BETTER_AUTH_SECRETS',
      'not supported by the identity service: set BETTER_AUTH_SECRET (or BETTER_AUTH_SECRET_FILE)',
    );
  }
  const secretText = readSecret('BETTER_AUTH_SECRET');
  if (secretText === undefined && production) {
    throw new ConfigError('BETTER_AUTH_SECRET', 'required when NODE_ENV=production (at least 32 random characters)');
  }
  if (secretText !== undefined && secretText.length < 32) {
    throw new ConfigError('BETTER_AUTH_SECRET', 'must be at least 32 characters long');
  }
  if (secretText === devDefaultSecret && production) {
    throw new ConfigError('BETTER_AUTH_SECRET', 'the development default cannot be used in production');
  }
  const secret = secretText ?? devDefaultSecret;

  const tokenTtlSeconds = parseDurationSeconds('TOKEN_EXPIRES_IN', read('TOKEN_EXPIRES_IN') ?? '15m');
  const keyRotationSeconds = parseDurationSeconds('KEY_ROTATION_INTERVAL', read('KEY_ROTATION_INTERVAL') ?? '30d');
  const keyGraceSeconds = parseDurationSeconds('KEY_GRACE_PERIOD', read('KEY_GRACE_PERIOD') ?? '30d');
  if (keyGraceSeconds < tokenTtlSeconds) {
    // A key leaving the JWKS before the last token it signed expires would reject valid tokens.
    throw new ConfigError('KEY_GRACE_PERIOD', 'must be at least TOKEN_EXPIRES_IN');
  }

  const rateLimitText = read('RATE_LIMIT');
  const rateLimit = rateLimitText === undefined ? production : parseBoolean('RATE_LIMIT', rateLimitText);

  const logLevelText = (read('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(logLevels as readonly string[]).includes(logLevelText)) {
    throw new ConfigError('LOG_LEVEL', `expected one of ${logLevels.join(', ')}, got "${logLevelText}"`);
  }
  const shutdownTimeoutSeconds = parseDurationSeconds('SHUTDOWN_TIMEOUT', read('SHUTDOWN_TIMEOUT') ?? '10s');

  const http: HttpLimits = {
    headersTimeoutMs: parseDurationMs('HEADERS_TIMEOUT', read('HEADERS_TIMEOUT') ?? '10s', 100),
    requestTimeoutMs: parseDurationMs('REQUEST_TIMEOUT', read('REQUEST_TIMEOUT') ?? '30s', 100),
    keepAliveTimeoutMs: parseDurationMs('KEEP_ALIVE_TIMEOUT', read('KEEP_ALIVE_TIMEOUT') ?? '5s', 100),
  };
  if (http.headersTimeoutMs > http.requestTimeoutMs) {
    throw new ConfigError('HEADERS_TIMEOUT', `must not be longer than REQUEST_TIMEOUT (${http.requestTimeoutMs} ms)`);
  }
  const maxConcurrentText = read('MAX_CONCURRENT_REQUESTS');
  const maxPasswordText = read('MAX_CONCURRENT_PASSWORD_REQUESTS');
  const maxQueuedText = read('MAX_QUEUED_REQUESTS');
  const queue = {
    maxQueued: maxQueuedText === undefined ? 100 : parseInteger('MAX_QUEUED_REQUESTS', maxQueuedText, 0, 100_000),
    queueTimeoutMs: parseDurationMs('REQUEST_QUEUE_TIMEOUT', read('REQUEST_QUEUE_TIMEOUT') ?? '5s', 1),
  };
  const admission: AdmissionConfig = {
    // Hashing is CPU-bound: more at once than there are cores only makes each one slower.
    password: {
      maxConcurrent:
        maxPasswordText === undefined
          ? Math.min(Math.max(2, os.availableParallelism()), poolMax)
          : parseInteger('MAX_CONCURRENT_PASSWORD_REQUESTS', maxPasswordText, 1, 10_000),
      ...queue,
    },
    // As many as the pool has connections: an admitted request then rarely waits for one.
    general: {
      maxConcurrent: maxConcurrentText === undefined ? poolMax : parseInteger('MAX_CONCURRENT_REQUESTS', maxConcurrentText, 1, 10_000),
      ...queue,
    },
  };
  const discardText = read('DISCARD_UNREADABLE_SIGNING_KEYS');
  const discardUnreadableKeys = discardText === undefined ? false : parseBoolean('DISCARD_UNREADABLE_SIGNING_KEYS', discardText);

  return {
    host,
    port,
    baseUrl,
    issuer,
    audience,
    storage,
    secret,
    secretIsDevDefault: secret === devDefaultSecret,
    tokenTtlSeconds,
    keyRotationSeconds,
    keyGraceSeconds,
    rateLimit,
    logLevel: logLevelText as LogLevel,
    shutdownTimeoutSeconds,
    http,
    admission,
    discardUnreadableKeys,
    production,
  };
}

/** `config` safe to log: the secret and the database password are masked. */
export function describeConfig(config: IdentityConfig): Record<string, unknown> {
  const storage = config.storage.kind === 'postgres' ? { ...config.storage, url: maskUrlPassword(config.storage.url) } : config.storage;
  return {
    ...config,
    storage,
    secret: config.secretIsDevDefault ? '(development default)' : '***',
  };
}

function maskUrlPassword(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = '***';
    // libpq also takes passwords as query parameters (password, sslpassword).
    for (const name of [...url.searchParams.keys()]) {
      if (name.toLowerCase().includes('password')) url.searchParams.set(name, '***');
    }
    return url.toString();
  } catch {
    return '***';
  }
}
