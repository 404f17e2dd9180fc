import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { isConnectionString, maskConnectionString } from '../db/connection-string.js';
import { availableCpus } from './available-cpus.js';
import { logLevels, rateLimitStores, type Config, type LogLevel } from './config.js';

/**
 * A configuration problem the operator must fix: an unknown flag or file key, a bad value, a
 * missing or unreadable config file, an unknown target. `key` is the name as the operator wrote
 * it (`--port`, `PORT`, `port`, `targets[0].prot`); the message says what is wrong and never
 * contains a secret. main.ts and the CLIs print it and exit non-zero.
 */
export class ConfigError extends Error {
  readonly key: string;

  constructor(key: string, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.key = key;
  }
}

/** How a raw value (a string from a flag or env var, any JSON value from the file) becomes a typed one. */
interface ValueParser<T> {
  schema: z.ZodType<T>;
  /** What a valid value looks like, for error messages ("expected an integer 0-65535"). */
  expected: string;
  /** A bare flag (`--log-error-stack`) means true; only booleans. */
  bareFlagMeansTrue?: boolean;
}

/** One row of the settings table: where a setting comes from and how it is parsed. */
interface SettingSpec<T> {
  /** Flag name without the leading `--`. */
  flag: string;
  /** Environment variable; the config file key is its lower-case form. */
  env: string;
  parser: ValueParser<T>;
  /** Raw default, parsed like any other value; undefined = the setting is optional. */
  fallback: unknown;
  /** Secret values are never echoed in error messages. */
  secret: boolean;
}

function setting<T>(
  flag: string,
  env: string,
  parser: ValueParser<T>,
  fallback?: unknown,
  options: { secret?: boolean } = {},
): SettingSpec<T> {
  return { flag, env, parser, fallback, secret: options.secret ?? false };
}

const maxTimerMs = 2_147_483_647;

function text(options: { trim?: boolean } = {}): ValueParser<string> {
  const trim = options.trim ?? true;
  return {
    // JSON numbers are accepted so that a file may say `"db_password": 1234`.
    schema: z
      .union([z.string(), z.number()])
      .transform((value) => (trim ? String(value).trim() : String(value)))
      .pipe(z.string().min(1)),
    expected: 'expected a non-empty string',
  };
}

function integer(min: number, max = Number.MAX_SAFE_INTEGER): ValueParser<number> {
  const expected =
    max !== Number.MAX_SAFE_INTEGER
      ? `expected an integer ${min}-${max}`
      : min === 1
        ? 'expected a positive integer'
        : `expected an integer >= ${min}`;
  return {
    schema: z
      .union([z.int(), z.string().trim().regex(/^[+-]?\d+$/).transform(Number)])
      .pipe(z.int().min(min).max(max)),
    expected,
  };
}

function boolean(): ValueParser<boolean> {
  return {
    schema: z.union([
      z.boolean(),
      z.literal([0, 1]).transform((value) => value === 1),
      z
        .string()
        .trim()
        .pipe(
          z.stringbool({ truthy: ['true', '1', 'yes'], falsy: ['false', '0', 'no'], case: 'insensitive' }),
        ),
    ]),
    expected: 'expected true/false, 1/0 or yes/no',
    bareFlagMeansTrue: true,
  };
}

const durationPattern = /^(\d+)(ms|s|m|h)?$/;
const msPerUnit: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Durations in milliseconds; a bare number means seconds. Capped so any value fits setTimeout. */
function duration(minMs: number): ValueParser<number> {
  return {
    schema: z
      .union([
        z.int().nonnegative().transform((seconds) => seconds * 1000),
        z
          .string()
          .trim()
          .regex(durationPattern)
          .transform((value) => {
            const [, amount = '0', unit = 's'] = durationPattern.exec(value) ?? [];
            return Number(amount) * (msPerUnit[unit] ?? 1000);
          }),
      ])
      .pipe(z.int().min(minMs).max(maxTimerMs)),
    expected: `expected a duration like 500ms, 10s, 1m, 1h or whole seconds (${minMs}ms to ${maxTimerMs}ms)`,
  };
}

function list(options: { allowEmpty: boolean }): ValueParser<string[]> {
  return {
    schema: z
      .union([z.array(z.string()), z.string()])
      .transform((value) =>
        (typeof value === 'string' ? value.split(',') : value)
          .map((item) => item.trim())
          .filter((item) => item.length > 0),
      )
      .pipe(z.array(z.string()).min(options.allowEmpty ? 0 : 1)),
    expected: options.allowEmpty
      ? 'expected a JSON array of strings or a comma-separated string'
      : 'expected a non-empty JSON array of strings or comma-separated string',
  };
}

function httpUrl(): ValueParser<string> {
  return {
    schema: z.string().trim().pipe(z.url({ protocol: /^https?$/ })),
    expected: 'expected an http:// or https:// URL',
  };
}

/** A `postgres://` URL, also libpq's multi-host form `h1:p1,h2:p2` with `target_session_attrs` (docs/database.md). */
function postgresUrl(): ValueParser<string> {
  return {
    schema: z.string().trim().refine(isConnectionString, { message: 'expected a postgres:// or postgresql:// URL' }),
    expected: 'expected a postgres:// or postgresql:// URL',
  };
}

function redisUrl(): ValueParser<string> {
  return {
    schema: z.string().trim().pipe(z.url({ protocol: /^rediss?$/ })),
    expected: 'expected a redis:// or rediss:// URL',
  };
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T): ValueParser<T[number]> {
  return {
    schema: z.string().trim().toLowerCase().pipe(z.enum(values)),
    expected: `expected one of ${values.join(', ')}`,
  };
}

/** Origins of the CORS allow-list: `scheme://host[:port]` exactly as browsers send them, or `*`. */
function originList(): ValueParser<string[]> {
  const base = list({ allowEmpty: true });
  return {
    schema: base.schema.pipe(
      z.array(z.union([z.literal('*'), z.string().regex(/^https?:\/\/[^/?#\s]+$/)])),
    ),
    expected: 'expected a comma-separated list of origins like https://app.example.com (no path), or *',
  };
}

/** A process count: a positive integer, or `auto` (decided by {@link resolveWorkers}). */
function workerCount(): ValueParser<number | 'auto'> {
  return {
    schema: z.union([
      z.string().trim().toLowerCase().pipe(z.literal('auto')),
      integer(1, maxWorkers).schema,
    ]),
    expected: `expected auto or an integer 1-${maxWorkers}`,
  };
}

const maxWorkers = 256;

function logLevel(): ValueParser<LogLevel> {
  return {
    schema: z.string().trim().toLowerCase().pipe(z.enum(logLevels)),
    expected: `expected one of ${logLevels.join(', ')}`,
  };
}

function optional<T>(parser: ValueParser<T>): ValueParser<T | undefined> {
  return { ...parser, schema: parser.schema.optional() };
}

/**
 * The settings table (CONTRACT §2). Adding a setting is one row here plus its place in
 * `toConfig`; flags, env, file keys, defaults and validation all follow from the row.
 * Immutable data, so sharing it between calls cannot leak state between tests.
 */
const settings = {
  host: setting('host', 'HOST', text(), '127.0.0.1'),
  port: setting('port', 'PORT', integer(0, 65535), 4000),
  databaseUrl: setting('db-url', 'DATABASE_URL', optional(postgresUrl()), undefined, { secret: true }),
  databaseDirectUrl: setting('db-direct-url', 'DATABASE_DIRECT_URL', optional(postgresUrl()), undefined, { secret: true }),
  databaseReadUrl: setting('db-read-url', 'DATABASE_READ_URL', optional(postgresUrl()), undefined, { secret: true }),
  dbPooler: setting('db-pooler', 'DB_POOLER', oneOf(['none', 'session', 'transaction']), 'none'),
  dbHost: setting('db-host', 'DB_HOST', text(), 'localhost'),
  dbPort: setting('db-port', 'DB_PORT', integer(1, 65535), 5432),
  dbName: setting('db-name', 'DB_NAME', optional(text())),
  dbUser: setting('db-user', 'DB_USER', optional(text())),
  dbPassword: setting('db-password', 'DB_PASSWORD', optional(text({ trim: false })), undefined, { secret: true }),
  dbPoolMax: setting('db-pool-max', 'DB_POOL_MAX', integer(1, 1000), 10),
  workers: setting('workers', 'WORKERS', workerCount(), 'auto'),
  dbStatementTimeout: setting('db-statement-timeout', 'DB_STATEMENT_TIMEOUT', duration(1), '15s'),
  dbLockTimeout: setting('db-lock-timeout', 'DB_LOCK_TIMEOUT', duration(1), '1s'),
  dbIdleInTransactionTimeout: setting('db-idle-in-transaction-timeout', 'DB_IDLE_IN_TRANSACTION_TIMEOUT', duration(1), '10s'),
  dbConnectionTimeout: setting('db-connection-timeout', 'DB_CONNECTION_TIMEOUT', duration(1), '2s'),
  dbPoolWaitTimeout: setting('db-pool-wait-timeout', 'DB_POOL_WAIT_TIMEOUT', duration(1), '1s'),
  dbPoolQueueMax: setting('db-pool-queue-max', 'DB_POOL_QUEUE_MAX', integer(0, 100_000), 200),
  dataDir: setting('data-dir', 'DATA_DIR', text(), './.data'),
  authJwksUrl: setting('auth-jwks-url', 'AUTH_JWKS_URL', httpUrl(), 'http://127.0.0.1:4001/api/auth/jwks'),
  authIssuer: setting('auth-issuer', 'AUTH_ISSUER', text(), 'http://127.0.0.1:4001'),
  authAudience: setting('auth-audience', 'AUTH_AUDIENCE', list({ allowEmpty: false }), ['http://127.0.0.1:4001']),
  logLevel: setting('log-level', 'LOG_LEVEL', logLevel(), 'info'),
  logLevelMin: setting('log-level-min', 'LOG_LEVEL_MIN', logLevel(), 'trace'),
  logErrorStack: setting('log-error-stack', 'LOG_ERROR_STACK', boolean(), false),
  migrateOnStart: setting('migrate-on-start', 'MIGRATE_ON_START', boolean(), true),
  bodyLimit: setting('body-limit', 'BODY_LIMIT', integer(1), 1_048_576),
  rateLimitMax: setting('rate-limit-max', 'RATE_LIMIT_MAX', integer(0), 0),
  rateLimitWindow: setting('rate-limit-window', 'RATE_LIMIT_WINDOW', duration(1), '60s'),
  rateLimitStore: setting('rate-limit-store', 'RATE_LIMIT_STORE', oneOf(rateLimitStores), 'memory'),
  rateLimitStoreTimeout: setting('rate-limit-store-timeout', 'RATE_LIMIT_STORE_TIMEOUT', duration(1), '250ms'),
  redisUrl: setting('redis-url', 'REDIS_URL', optional(redisUrl()), undefined, { secret: true }),
  requestTimeout: setting('request-timeout', 'REQUEST_TIMEOUT', duration(1), '30s'),
  headersTimeout: setting('headers-timeout', 'HEADERS_TIMEOUT', duration(1), '10s'),
  keepAliveTimeout: setting('keep-alive-timeout', 'KEEP_ALIVE_TIMEOUT', duration(1), '5s'),
  maxRequestsPerSocket: setting('max-requests-per-socket', 'MAX_REQUESTS_PER_SOCKET', integer(0), 0),
  maxInFlightPerConnection: setting('max-in-flight-per-connection', 'MAX_IN_FLIGHT_PER_CONNECTION', integer(2, 10_000), 8),
  maxQueuedPerConnection: setting('max-queued-per-connection', 'MAX_QUEUED_PER_CONNECTION', integer(0, 100_000), 64),
  maxInFlight: setting('max-in-flight', 'MAX_IN_FLIGHT', integer(0), 1000),
  sendTimeout: setting('send-timeout', 'SEND_TIMEOUT', duration(0), '30s'),
  maxEventLoopDelay: setting('max-event-loop-delay', 'MAX_EVENT_LOOP_DELAY', duration(0), '1s'),
  maxHeapUsedPercent: setting('max-heap-used-percent', 'MAX_HEAP_USED_PERCENT', integer(0, 100), 90),
  maxRss: setting('max-rss', 'MAX_RSS', integer(0), 0),
  trustProxy: setting('trust-proxy', 'TRUST_PROXY', list({ allowEmpty: true }), []),
  corsOrigins: setting('cors-origins', 'CORS_ORIGINS', originList(), []),
  metricsToken: setting('metrics-token', 'METRICS_TOKEN', optional(text()), undefined, { secret: true }),
  shutdownTimeout: setting('shutdown-timeout', 'SHUTDOWN_TIMEOUT', duration(0), '10s'),
  selfRegisterRoles: setting('self-register-roles', 'SELF_REGISTER_ROLES', list({ allowEmpty: true }), [
    'movieAdmin',
  ]),
};

type Settings = typeof settings;
type SettingName = keyof Settings;
type SettingValues = { [K in SettingName]: Settings[K] extends SettingSpec<infer T> ? T : never };

const settingNames = Object.keys(settings) as SettingName[];

/** Settings that choose the file and the target; they cannot themselves live in the file. */
const fileSelectors = {
  configFile: { flag: 'config-file', env: 'CONFIG_FILE' },
  target: { flag: 'target', env: 'TARGET' },
} as const;

const defaultConfigFile = './config/config.json';

function fileKeyOf(spec: SettingSpec<unknown>): string {
  return spec.env.toLowerCase();
}

/** Where a raw value came from, so an error names the key the way the operator wrote it. */
type Origin =
  | { kind: 'flag' | 'env' | 'default'; key: string }
  | { kind: 'file'; key: string; file: string; target: string };

function describeOrigin(origin: Origin): string {
  switch (origin.kind) {
    case 'file':
      return `${origin.key} (config file ${origin.file}, target "${origin.target}")`;
    case 'default':
      return `${origin.key} (default)`;
    default:
      return origin.key;
  }
}

interface RawSetting {
  value: unknown;
  origin: Origin;
}

/**
 * Builds the validated configuration from command-line flags, environment variables and the
 * JSON config file (CONTRACT §2): flag > env > config file target > default.
 *
 * `argv` are the arguments after the script (`process.argv.slice(2)`); `env` is usually
 * `process.env` (empty values count as unset); `cwd` (default `process.cwd()`) anchors the
 * config file path and the data dir; `cpuCount` (default: the CPUs this process may use) is what
 * `WORKERS=auto` counts. Reads the config file (and, for `auto` in production, the CPU limit),
 * nothing else.
 *
 * @throws {ConfigError} on an unknown flag or file key, an invalid value, an unreadable or
 *   invalid config file, or a target that does not exist. Messages never contain secrets.
 */
export function loadConfig(input: {
  argv: string[];
  env: Record<string, string | undefined>;
  cwd?: string;
  cpuCount?: () => number;
}): Config {
  const cwd = input.cwd ?? process.cwd();
  const flags = parseFlags(input.argv);
  const env = (name: string): string | undefined => {
    const value = input.env[name];
    // `FOO=` in a shell or compose file means "not set", not "set to nothing".
    return value === undefined || value === '' ? undefined : value;
  };

  const configFileChoice = pick(fileSelectors.configFile, flags, env);
  const configFile = path.resolve(cwd, configFileChoice?.value ?? defaultConfigFile);
  const document = readConfigFile(configFile, configFileChoice?.key);

  const targetChoice =
    pick(fileSelectors.target, flags, env) ??
    (document?.defaultTarget === undefined
      ? undefined
      : { value: document.defaultTarget, key: 'default_target' });
  const targetValues = selectTarget(document, configFile, targetChoice);

  const raw = {} as Record<SettingName, RawSetting>;
  for (const name of settingNames) {
    const spec: SettingSpec<unknown> = settings[name];
    const flagValue = flags[spec.flag];
    const envValue = env(spec.env);
    const fileKey = fileKeyOf(spec);
    if (flagValue !== undefined) {
      raw[name] = { value: flagValue, origin: { kind: 'flag', key: `--${spec.flag}` } };
    } else if (envValue !== undefined) {
      raw[name] = { value: envValue, origin: { kind: 'env', key: spec.env } };
    } else if (targetValues !== undefined && Object.hasOwn(targetValues.values, fileKey)) {
      raw[name] = {
        value: targetValues.values[fileKey],
        origin: { kind: 'file', key: fileKey, file: configFile, target: targetValues.name },
      };
    } else {
      raw[name] = { value: spec.fallback, origin: { kind: 'default', key: spec.env } };
    }
  }

  const values = validate(raw);
  return toConfig(values, {
    cwd,
    configFile,
    target: targetValues?.name,
    production: env('NODE_ENV') === 'production',
    cpuCount: input.cpuCount ?? availableCpus,
  });
}

/**
 * The number of HTTP processes. An explicit count is taken as it is (validation has checked it
 * against the database and the pool). `auto` means one per usable CPU, capped so every worker
 * gets at least one connection of DB_POOL_MAX — but only for a production server
 * (`NODE_ENV=production`) on a PostgreSQL server: the embedded PGlite belongs to one process, and
 * development, tests and `npm start` want one process to debug and to read the logs of.
 */
function resolveWorkers(values: SettingValues, databaseUrl: string | undefined, context: { production: boolean; cpuCount: () => number }): number {
  if (values.workers !== 'auto') return values.workers;
  if (!context.production || databaseUrl === undefined) return 1;
  return Math.max(1, Math.min(context.cpuCount(), values.dbPoolMax, maxWorkers));
}

function toConfig(
  values: SettingValues,
  context: { cwd: string; configFile: string; target: string | undefined; production: boolean; cpuCount: () => number },
): Config {
  const databaseUrl = values.databaseUrl ?? buildDatabaseUrl(values);
  return {
    host: values.host,
    port: values.port,
    configFile: context.configFile,
    target: context.target,
    databaseUrl,
    databaseDirectUrl: values.databaseDirectUrl,
    databaseReadUrl: values.databaseReadUrl,
    dbPooler: values.dbPooler,
    dbPoolMax: values.dbPoolMax,
    workers: resolveWorkers(values, databaseUrl, context),
    dbStatementTimeoutMs: values.dbStatementTimeout,
    dbLockTimeoutMs: values.dbLockTimeout,
    dbIdleInTransactionTimeoutMs: values.dbIdleInTransactionTimeout,
    dbConnectionTimeoutMs: values.dbConnectionTimeout,
    dbPoolWaitTimeoutMs: values.dbPoolWaitTimeout,
    dbPoolQueueMax: values.dbPoolQueueMax,
    dataDir: path.resolve(context.cwd, values.dataDir),
    auth: {
      jwksUrl: values.authJwksUrl,
      issuer: values.authIssuer,
      audience: values.authAudience,
    },
    log: {
      level: values.logLevel,
      levelMin: values.logLevelMin,
      errorStack: values.logErrorStack,
    },
    migrateOnStart: values.migrateOnStart,
    bodyLimit: values.bodyLimit,
    rateLimit: {
      max: values.rateLimitMax,
      windowMs: values.rateLimitWindow,
      store: values.rateLimitStore,
      storeTimeoutMs: values.rateLimitStoreTimeout,
      redisUrl: values.redisUrl,
    },
    http: {
      requestTimeoutMs: values.requestTimeout,
      headersTimeoutMs: values.headersTimeout,
      keepAliveTimeoutMs: values.keepAliveTimeout,
      maxRequestsPerSocket: values.maxRequestsPerSocket,
      maxInFlightPerConnection: values.maxInFlightPerConnection,
      maxQueuedPerConnection: values.maxQueuedPerConnection,
      maxInFlight: values.maxInFlight,
      sendTimeoutMs: values.sendTimeout,
      maxEventLoopDelayMs: values.maxEventLoopDelay,
      maxHeapUsedPercent: values.maxHeapUsedPercent,
      maxRssBytes: values.maxRss,
      trustProxy: values.trustProxy,
      corsOrigins: values.corsOrigins,
    },
    metricsToken: values.metricsToken,
    shutdownTimeoutMs: values.shutdownTimeout,
    selfRegisterRoles: values.selfRegisterRoles,
  };
}

/** A URL from the DB_* parts when DB_NAME is set; undefined means embedded PGlite. */
function buildDatabaseUrl(values: SettingValues): string | undefined {
  if (values.dbName === undefined) return undefined;
  const user = values.dbUser === undefined ? '' : encodeURIComponent(values.dbUser);
  const password = values.dbPassword === undefined ? '' : `:${encodeURIComponent(values.dbPassword)}`;
  const userInfo = user === '' && password === '' ? '' : `${user}${password}@`;
  // An IPv6 literal needs brackets inside a URL; operators write it bare in DB_HOST.
  const host = values.dbHost.includes(':') && !values.dbHost.startsWith('[') ? `[${values.dbHost}]` : values.dbHost;
  return `postgresql://${userInfo}${host}:${values.dbPort}/${encodeURIComponent(values.dbName)}`;
}

function parseFlags(argv: string[]): Record<string, string | undefined> {
  const options: Record<string, { type: 'string' }> = {};
  const booleanFlags = new Set<string>();
  for (const name of settingNames) {
    const spec: SettingSpec<unknown> = settings[name];
    options[spec.flag] = { type: 'string' };
    if (spec.parser.bareFlagMeansTrue === true) booleanFlags.add(`--${spec.flag}`);
  }
  for (const selector of Object.values(fileSelectors)) options[selector.flag] = { type: 'string' };

  // Boolean flags are string options so that `--migrate-on-start=false` works; a bare
  // `--log-error-stack` is rewritten to `=true` (only before a `--` terminator).
  const terminator = argv.indexOf('--');
  const args = argv.map((arg, index) =>
    (terminator === -1 || index < terminator) && booleanFlags.has(arg) ? `${arg}=true` : arg,
  );

  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return values as Record<string, string | undefined>;
  } catch (error) {
    // parseArgs names the offending argument in quotes; lift it out so the error carries it as `key`.
    const message = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
    const key = /'(-[^' <=]*)/.exec(message)?.[1] ?? /'([^']*)'/.exec(message)?.[1] ?? 'argv';
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new ConfigError(key, `unknown flag ${key}`);
    throw new ConfigError(key, `invalid command line: ${message}`);
  }
}

function pick(
  selector: { flag: string; env: string },
  flags: Record<string, string | undefined>,
  env: (name: string) => string | undefined,
): { value: string; key: string } | undefined {
  const flagValue = flags[selector.flag];
  if (flagValue !== undefined) return { value: flagValue, key: `--${selector.flag}` };
  const envValue = env(selector.env);
  if (envValue !== undefined) return { value: envValue, key: selector.env };
  return undefined;
}

interface ConfigDocument {
  defaultTarget: string | undefined;
  targets: { name: string; values: Record<string, unknown> }[];
}

/**
 * Reads and checks the shape of the config file. Returns undefined when the default file does
 * not exist; `explicitKey` is the flag/env that named the file, if any.
 */
function readConfigFile(file: string, explicitKey: string | undefined): ConfigDocument | undefined {
  const key = explicitKey ?? fileSelectors.configFile.env;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && explicitKey === undefined) return undefined;
    if (code === 'ENOENT') throw new ConfigError(key, `config file ${file} (from ${key}) does not exist`);
    throw new ConfigError(key, `cannot read config file ${file}: ${(error as Error).message}`);
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(key, `config file ${file} is not valid JSON: ${(error as Error).message}`);
  }

  if (!isPlainObject(parsed)) {
    throw new ConfigError(key, `config file ${file}: expected a JSON object with "default_target" and "targets"`);
  }
  for (const topKey of Object.keys(parsed)) {
    if (topKey === 'default_target' || topKey === 'targets') continue;
    const hint = allowedFileKeys().has(topKey) ? ' (settings belong inside an entry of "targets")' : '';
    throw new ConfigError(topKey, `unknown key "${topKey}" in config file ${file}${hint}`);
  }

  const defaultTarget = parsed['default_target'];
  if (defaultTarget !== undefined && (typeof defaultTarget !== 'string' || defaultTarget === '')) {
    throw new ConfigError('default_target', `invalid default_target in config file ${file}: expected a non-empty string`);
  }

  const rawTargets = parsed['targets'] ?? [];
  if (!Array.isArray(rawTargets)) {
    throw new ConfigError('targets', `invalid targets in config file ${file}: expected an array of objects`);
  }
  const allowed = allowedFileKeys();
  const targets = rawTargets.map((entry: unknown, index) => {
    const where = `targets[${index}]`;
    if (!isPlainObject(entry)) {
      throw new ConfigError(where, `invalid ${where} in config file ${file}: expected an object`);
    }
    const name = entry['target'];
    if (typeof name !== 'string' || name === '') {
      throw new ConfigError(`${where}.target`, `invalid ${where}.target in config file ${file}: expected a non-empty string`);
    }
    for (const entryKey of Object.keys(entry)) {
      if (entryKey !== 'target' && !allowed.has(entryKey)) {
        throw new ConfigError(`${where}.${entryKey}`, `unknown key ${where}.${entryKey} in config file ${file}`);
      }
    }
    const values = Object.fromEntries(Object.entries(entry).filter(([entryKey]) => entryKey !== 'target'));
    return { name, values };
  });

  const seen = new Set<string>();
  targets.forEach((target, index) => {
    if (seen.has(target.name)) {
      throw new ConfigError(
        `targets[${index}].target`,
        `duplicate target "${target.name}" in config file ${file}`,
      );
    }
    seen.add(target.name);
  });

  return { defaultTarget, targets };
}

function allowedFileKeys(): Set<string> {
  return new Set(settingNames.map((name) => fileKeyOf(settings[name])));
}

function selectTarget(
  document: ConfigDocument | undefined,
  file: string,
  choice: { value: string; key: string } | undefined,
): { name: string; values: Record<string, unknown> } | undefined {
  if (choice === undefined) return undefined;
  const found = document?.targets.find((target) => target.name === choice.value);
  if (found !== undefined) return found;
  const available = document?.targets.map((target) => `"${target.name}"`).join(', ') || 'none';
  const why = document === undefined ? `config file ${file} does not exist` : `targets in ${file}: ${available}`;
  throw new ConfigError(choice.key, `unknown target "${choice.value}" (from ${choice.key}); ${why}`);
}

/** Validates every raw value in one zod pass and reports each problem under the operator's key. */
function validate(raw: Record<SettingName, RawSetting>): SettingValues {
  const shape: Record<string, z.ZodType> = {};
  for (const name of settingNames) shape[name] = settings[name].parser.schema;
  // The shape is built from the same table as SettingValues, so the cast only restates it.
  const schema = (z.object(shape) as unknown as z.ZodType<SettingValues>).superRefine((values, ctx) => {
    if (logLevels.indexOf(values.logLevel) < logLevels.indexOf(values.logLevelMin)) {
      ctx.addIssue({
        code: 'custom',
        path: ['logLevel'],
        message: `"${values.logLevel}" is below the minimum level "${values.logLevelMin}" set by ${describeOrigin(raw.logLevelMin.origin)}`,
      });
    }
    if (values.dbPooler === 'transaction' && values.databaseDirectUrl === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['dbPooler'],
        message: 'DB_POOLER=transaction needs DATABASE_DIRECT_URL (a direct PostgreSQL address for LISTEN, migrations and advisory locks)',
      });
    }
    if (values.workers !== 'auto' && values.workers > 1) {
      if (values.databaseUrl === undefined && values.dbName === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['workers'],
          message: 'the embedded PGlite database serves one process only; set DATABASE_URL (or DB_NAME) or WORKERS=1',
        });
      } else if (values.workers > values.dbPoolMax) {
        // The pool budget is shared by the workers, and a worker without a connection cannot serve.
        ctx.addIssue({
          code: 'custom',
          path: ['workers'],
          message: `${values.workers} workers cannot share ${values.dbPoolMax} database connections (${describeOrigin(raw.dbPoolMax.origin)}); each needs at least one`,
        });
      }
    }
    if (values.rateLimitStore === 'redis' && values.redisUrl === undefined) {
      ctx.addIssue({ code: 'custom', path: ['rateLimitStore'], message: 'the redis store needs REDIS_URL (--redis-url)' });
    }
    // Node refuses a headers timeout longer than the request timeout (the whole request).
    if (values.headersTimeout > values.requestTimeout) {
      ctx.addIssue({
        code: 'custom',
        path: ['headersTimeout'],
        message: `must not be longer than the request timeout (${values.requestTimeout} ms) set by ${describeOrigin(raw.requestTimeout.origin)}`,
      });
    }
  });

  const input = Object.fromEntries(settingNames.map((name) => [name, raw[name].value]));
  const result = schema.safeParse(input);
  if (result.success) return result.data;

  const problems: { key: string; message: string }[] = [];
  const reported = new Set<string>();
  for (const issue of result.error.issues) {
    const name = issue.path[0] as SettingName;
    if (reported.has(name) || !(name in settings)) continue;
    reported.add(name);
    const { value, origin } = raw[name];
    const spec: SettingSpec<unknown> = settings[name];
    const why =
      issue.code === 'custom'
        ? issue.message
        : `${spec.parser.expected}${spec.secret ? '' : `, got ${JSON.stringify(value) ?? String(value)}`}`;
    problems.push({ key: origin.key, message: `invalid ${describeOrigin(origin)}: ${why}` });
  }
  const first = problems[0] ?? { key: 'config', message: result.error.message };
  throw new ConfigError(first.key, problems.map((problem) => problem.message).join('; '));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const secretName = /password|secret|token|apikey|api_key|privatekey|private_key/i;

/**
 * A copy of the configuration that is safe to log at startup: the password (and any
 * password-like query parameter) in `databaseUrl` and `rateLimit.redisUrl` becomes `***`, and so does any field whose
 * name says it is a secret (password, secret, token, key). Pure; never throws.
 */
export function describeConfig(config: Config): Record<string, unknown> {
  const described = maskSecrets(config) as Record<string, unknown>;
  for (const key of ['databaseUrl', 'databaseDirectUrl', 'databaseReadUrl'] as const) {
    const url = config[key];
    described[key] = url === undefined ? undefined : maskConnectionString(url);
  }
  if (config.rateLimit.redisUrl !== undefined) {
    (described['rateLimit'] as Record<string, unknown>)['redisUrl'] = maskUrl(config.rateLimit.redisUrl);
  }
  return described;
}

function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      secretName.test(key) && item !== undefined && item !== null && item !== '' ? '***' : maskSecrets(item),
    ]),
  );
}

function maskUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Unparseable means we cannot tell where the password is, so show nothing of it.
    return '***';
  }
  if (url.password !== '') url.password = '***';
  for (const key of [...url.searchParams.keys()]) {
    if (secretName.test(key)) url.searchParams.set(key, '***');
  }
  return url.href;
}
