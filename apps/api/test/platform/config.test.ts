import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { settingsOf } from '../../src/platform/config/declaration.js';
import { json } from '../../src/platform/config/parsers.js';
import { ConfigError, describeConfig, loadConfig } from '../../src/platform/config/index.js';
import { settings } from '../../src/platform/config/settings.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'chompardo-config-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let dirCount = 0;

/** A fresh working directory, optionally with `config/config.json` holding `document`. */
function workDir(document?: unknown): string {
  const dir = path.join(scratch, `case-${++dirCount}`);
  mkdirSync(path.join(dir, 'config'), { recursive: true });
  if (document !== undefined) {
    const text = typeof document === 'string' ? document : JSON.stringify(document);
    writeFileSync(path.join(dir, 'config', 'config.json'), text);
  }
  return dir;
}

function load(options: { argv?: string[]; env?: Record<string, string | undefined>; cwd?: string } = {}) {
  return loadConfig({ argv: options.argv ?? [], env: options.env ?? {}, cwd: options.cwd ?? workDir() });
}

/** Asserts that loading fails with a ConfigError for `key` whose message matches `message`. */
function assertConfigError(run: () => unknown, key: string, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    assert.equal(error.key, key);
    assert.match(error.message, message);
    return true;
  });
}

const twoTargets = {
  default_target: 'local',
  targets: [
    { target: 'local', port: 5001, host: '0.0.0.0', log_level: 'debug', db_pool_max: '7' },
    { target: 'prod', port: 6001, log_level: 'warn', rate_limit_window: '2m' },
  ],
};

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is given', () => {
    const cwd = workDir();
    const config = load({ cwd });
    assert.deepEqual(config, {
      host: '127.0.0.1',
      port: 4000,
      configFile: path.join(cwd, 'config', 'config.json'),
      target: undefined,
      databaseUrl: undefined,
      databaseDirectUrl: undefined,
      databaseReadUrl: undefined,
      dbPooler: 'none',
      dbPoolMax: 10,
      workers: 1,
      dbStatementTimeoutMs: 15_000,
      dbLockTimeoutMs: 1_000,
      dbIdleInTransactionTimeoutMs: 10_000,
      dbConnectionTimeoutMs: 2_000,
      dbPoolWaitTimeoutMs: 1_000,
      dbPoolQueueMax: 200,
      dataDir: path.join(cwd, '.data'),
      auth: {
        jwksUrl: 'http://127.0.0.1:4001/api/auth/jwks',
        issuer: 'http://127.0.0.1:4001',
        audience: ['http://127.0.0.1:4001'],
        issuers: [{ issuer: 'http://127.0.0.1:4001', audience: ['http://127.0.0.1:4001'], jwksUrl: 'http://127.0.0.1:4001/api/auth/jwks' }],
      },
      log: { level: 'info', levelMin: 'trace', errorStack: false },
      migrateOnStart: true,
      bodyLimit: 1_048_576,
      events: {
        dispatch: true,
        maxAttempts: 10,
        retryBaseMs: 1_000,
        retryMaxMs: 300_000,
        pollIntervalMs: 10_000,
        retentionMs: 604_800_000,
      },
      rateLimit: { max: 0, windowMs: 60_000, store: 'memory', storeTimeoutMs: 250, redisUrl: undefined },
      http: {
        requestTimeoutMs: 30_000,
        headersTimeoutMs: 10_000,
        keepAliveTimeoutMs: 5_000,
        maxRequestsPerSocket: 0,
        maxInFlightPerConnection: 8,
        maxQueuedPerConnection: 64,
        maxInFlight: 1000,
        sendTimeoutMs: 30_000,
        maxEventLoopDelayMs: 1_000,
        shedQueueDelayMs: 25,
        maxHeapUsedPercent: 90,
        maxRssBytes: 0,
        trustProxy: [],
        corsOrigins: [],
      },
      metricsToken: undefined,
      shutdownTimeoutMs: 10_000,
      selfRegisterRoles: ['movieAdmin'],
    });
  });

  describe('precedence', () => {
    it('takes a flag over env over the file target over the default', () => {
      const cwd = workDir(twoTargets);
      const env = { PORT: '5002', HOST: '10.0.0.1' };
      const config = load({ cwd, env, argv: ['--port', '5003'] });
      assert.equal(config.port, 5003, 'flag beats env and file');
      assert.equal(config.host, '10.0.0.1', 'env beats file');
      assert.equal(config.log.level, 'debug', 'file beats default');
      assert.equal(config.dbPoolMax, 7, 'file strings are parsed like env');
      assert.equal(config.bodyLimit, 1_048_576, 'default when nobody sets it');
    });

    it('takes the env over the file target when no flag is given', () => {
      const cwd = workDir(twoTargets);
      const config = load({ cwd, env: { PORT: '5002', LOG_LEVEL: 'error' } });
      assert.equal(config.port, 5002);
      assert.equal(config.log.level, 'error');
      assert.equal(config.host, '0.0.0.0');
    });

    it('accepts --flag=value and --flag value alike', () => {
      const config = load({ argv: ['--port=4100', '--host', '::1', '--body-limit=2048'] });
      assert.equal(config.port, 4100);
      assert.equal(config.host, '::1');
      assert.equal(config.bodyLimit, 2048);
    });

    it('treats an empty environment variable as unset', () => {
      const config = load({ env: { PORT: '', DATABASE_URL: '' } });
      assert.equal(config.port, 4000);
      assert.equal(config.databaseUrl, undefined);
    });

    it('resolves the data dir against cwd', () => {
      const cwd = workDir();
      assert.equal(load({ cwd, argv: ['--data-dir', 'var/db'] }).dataDir, path.join(cwd, 'var', 'db'));
      assert.equal(load({ cwd, env: { DATA_DIR: '/srv/data' } }).dataDir, '/srv/data');
    });
  });

  describe('config file and targets', () => {
    it('uses default_target when no target is named', () => {
      const config = load({ cwd: workDir(twoTargets) });
      assert.equal(config.target, 'local');
      assert.equal(config.port, 5001);
    });

    it('selects the target named by TARGET', () => {
      const config = load({ cwd: workDir(twoTargets), env: { TARGET: 'prod' } });
      assert.equal(config.target, 'prod');
      assert.equal(config.port, 6001);
      assert.equal(config.rateLimit.windowMs, 120_000);
      assert.equal(config.host, '127.0.0.1', 'keys missing from the target fall back to defaults');
    });

    it('selects the target named by --target over TARGET', () => {
      const config = load({ cwd: workDir(twoTargets), env: { TARGET: 'local' }, argv: ['--target=prod'] });
      assert.equal(config.target, 'prod');
      assert.equal(config.log.level, 'warn');
    });

    it('reads the file named by --config-file, relative to cwd', () => {
      const cwd = workDir();
      writeFileSync(path.join(cwd, 'other.json'), JSON.stringify({ targets: [{ target: 'x', port: 4555 }] }));
      const config = load({ cwd, argv: ['--config-file', 'other.json', '--target', 'x'] });
      assert.equal(config.configFile, path.join(cwd, 'other.json'));
      assert.equal(config.port, 4555);
    });

    it('reads the file named by CONFIG_FILE', () => {
      const cwd = workDir();
      const file = path.join(cwd, 'env.json');
      writeFileSync(file, JSON.stringify({ default_target: 'e', targets: [{ target: 'e', port: 4556 }] }));
      assert.equal(load({ cwd, env: { CONFIG_FILE: file } }).port, 4556);
    });

    it('ignores values of a file without a chosen target', () => {
      const config = load({ cwd: workDir({ targets: [{ target: 'a', port: 4999 }] }) });
      assert.equal(config.target, undefined);
      assert.equal(config.port, 4000);
    });

    it('is fine when the default config file does not exist', () => {
      const cwd = workDir();
      assert.equal(load({ cwd }).configFile, path.join(cwd, 'config', 'config.json'));
    });

    it('rejects an explicitly named config file that does not exist', () => {
      const cwd = workDir();
      assertConfigError(() => load({ cwd, argv: ['--config-file', 'missing.json'] }), '--config-file', /missing\.json.*does not exist/);
      assertConfigError(() => load({ cwd, env: { CONFIG_FILE: 'gone.json' } }), 'CONFIG_FILE', /gone\.json/);
    });

    it('rejects invalid JSON, naming the file', () => {
      const cwd = workDir('{ "targets": [ ');
      assertConfigError(() => load({ cwd }), 'CONFIG_FILE', /config\.json is not valid JSON/);
    });

    it('rejects an unknown target from flag, env or default_target', () => {
      const cwd = workDir(twoTargets);
      assertConfigError(() => load({ cwd, argv: ['--target', 'staging'] }), '--target', /unknown target "staging".*"local", "prod"/);
      assertConfigError(() => load({ cwd, env: { TARGET: 'qa' } }), 'TARGET', /unknown target "qa"/);
      const broken = workDir({ default_target: 'nope', targets: [{ target: 'local' }] });
      assertConfigError(() => load({ cwd: broken }), 'default_target', /unknown target "nope"/);
    });

    it('rejects a named target when there is no config file at all', () => {
      assertConfigError(() => load({ env: { TARGET: 'prod' } }), 'TARGET', /does not exist/);
    });

    it('rejects an unknown key inside a target, naming its path', () => {
      const cwd = workDir({ targets: [{ target: 'a', prot: 1 }] });
      assertConfigError(() => load({ cwd }), 'targets[0].prot', /unknown key targets\[0\]\.prot/);
    });

    it('rejects an unknown key at the top level', () => {
      assertConfigError(() => load({ cwd: workDir({ targets: [], colour: 'blue' }) }), 'colour', /unknown key "colour"/);
      assertConfigError(() => load({ cwd: workDir({ port: 4000 }) }), 'port', /belong inside an entry of "targets"/);
    });

    it('rejects duplicate target names', () => {
      const cwd = workDir({ targets: [{ target: 'a' }, { target: 'a' }] });
      assertConfigError(() => load({ cwd }), 'targets[1].target', /duplicate target "a"/);
    });

    it('accepts JSON booleans, numbers and arrays in the file', () => {
      const cwd = workDir({
        default_target: 't',
        targets: [
          {
            target: 't',
            migrate_on_start: false,
            log_error_stack: 'yes',
            shutdown_timeout: 3,
            auth_audience: ['https://a.example', 'https://b.example'],
            self_register_roles: 'movieAdmin, recipeAdmin',
          },
        ],
      });
      const config = load({ cwd });
      assert.equal(config.migrateOnStart, false);
      assert.equal(config.log.errorStack, true);
      assert.equal(config.shutdownTimeoutMs, 3000);
      assert.deepEqual(config.auth.audience, ['https://a.example', 'https://b.example']);
      assert.deepEqual(config.selfRegisterRoles, ['movieAdmin', 'recipeAdmin']);
    });

    it('names the file key, file and target of a bad file value', () => {
      const cwd = workDir({ default_target: 't', targets: [{ target: 't', port: 'abc' }] });
      assertConfigError(
        () => load({ cwd }),
        'port',
        /^invalid port \(config file .*config\.json, target "t"\): expected an integer 0-65535, got "abc"$/,
      );
    });
  });

  describe('flags', () => {
    it('rejects an unknown flag, naming it', () => {
      assertConfigError(() => load({ argv: ['--prot', '4000'] }), '--prot', /unknown flag --prot/);
    });

    it('rejects positional arguments', () => {
      assertConfigError(() => load({ argv: ['serve'] }), 'serve', /Unexpected argument 'serve'/);
    });

    it('rejects a value flag without a value', () => {
      assertConfigError(() => load({ argv: ['--port'] }), '--port', /argument missing/);
    });

    it('reads a bare boolean flag as true and --flag=false as false', () => {
      const config = load({ argv: ['--log-error-stack', '--migrate-on-start=false'] });
      assert.equal(config.log.errorStack, true);
      assert.equal(config.migrateOnStart, false);
    });
  });

  describe('values', () => {
    it('names the key as written and says why', () => {
      assertConfigError(() => load({ env: { PORT: 'abc' } }), 'PORT', /^invalid PORT: expected an integer 0-65535, got "abc"$/);
      assertConfigError(() => load({ argv: ['--port', '70000'] }), '--port', /^invalid --port: expected an integer 0-65535/);
      assertConfigError(() => load({ env: { DB_POOL_MAX: '0' } }), 'DB_POOL_MAX', /expected an integer 1-1000/);
      assertConfigError(() => load({ env: { DB_POOL_MAX: '1001' } }), 'DB_POOL_MAX', /1-1000/);
      assertConfigError(() => load({ env: { LOG_LEVEL: 'verbose' } }), 'LOG_LEVEL', /expected one of trace, debug/);
      assertConfigError(() => load({ env: { AUTH_JWKS_URL: 'ftp://x/jwks' } }), 'AUTH_JWKS_URL', /http:\/\/ or https:\/\//);
      assertConfigError(() => load({ argv: ['--auth-issuer='] }), '--auth-issuer', /non-empty/);
      assertConfigError(() => load({ env: { AUTH_AUDIENCE: ' , ' } }), 'AUTH_AUDIENCE', /non-empty/);
      assertConfigError(() => load({ env: { BODY_LIMIT: '0' } }), 'BODY_LIMIT', /positive integer/);
      assertConfigError(() => load({ env: { BODY_LIMIT: '1.5' } }), 'BODY_LIMIT', /positive integer/);
      assertConfigError(() => load({ env: { RATE_LIMIT_MAX: '-1' } }), 'RATE_LIMIT_MAX', />= 0/);
      assertConfigError(() => load({ env: { MIGRATE_ON_START: 'maybe' } }), 'MIGRATE_ON_START', /true\/false/);
    });

    it('reads the database session timeouts and pool bounds, refusing zero timeouts', () => {
      const config = load({
        env: { DB_LOCK_TIMEOUT: '500ms', DB_STATEMENT_TIMEOUT: '30s', DB_IDLE_IN_TRANSACTION_TIMEOUT: '1m', DB_POOL_QUEUE_MAX: '0' },
        argv: ['--db-connection-timeout', '750ms', '--db-pool-wait-timeout=250ms'],
      });
      assert.deepEqual(
        [
          config.dbLockTimeoutMs,
          config.dbStatementTimeoutMs,
          config.dbIdleInTransactionTimeoutMs,
          config.dbConnectionTimeoutMs,
          config.dbPoolWaitTimeoutMs,
          config.dbPoolQueueMax,
        ],
        [500, 30_000, 60_000, 750, 250, 0],
      );
      // 0 would switch the server-side timeout off: a lock held elsewhere could stall forever again.
      assertConfigError(() => load({ env: { DB_LOCK_TIMEOUT: '0' } }), 'DB_LOCK_TIMEOUT', /duration/);
      assertConfigError(() => load({ env: { DB_STATEMENT_TIMEOUT: '0ms' } }), 'DB_STATEMENT_TIMEOUT', /duration/);
      assertConfigError(() => load({ env: { DB_POOL_QUEUE_MAX: '-1' } }), 'DB_POOL_QUEUE_MAX', /0-100000/);
    });

    it('reports every bad value, keyed by the first', () => {
      assertConfigError(() => load({ env: { PORT: 'x', DB_POOL_MAX: 'y' } }), 'PORT', /invalid PORT: .*; invalid DB_POOL_MAX: /);
    });

    it('rejects a log level below the minimum level', () => {
      assertConfigError(
        () => load({ env: { LOG_LEVEL: 'debug', LOG_LEVEL_MIN: 'info' } }),
        'LOG_LEVEL',
        /"debug" is below the minimum level "info" set by LOG_LEVEL_MIN/,
      );
      assert.equal(load({ env: { LOG_LEVEL: 'WARN', LOG_LEVEL_MIN: 'info' } }).log.level, 'warn');
    });

    it('parses durations into milliseconds', () => {
      const cases: [string, number][] = [
        ['500ms', 500],
        ['10s', 10_000],
        ['1m', 60_000],
        ['1h', 3_600_000],
        ['15', 15_000],
      ];
      for (const [text, ms] of cases) {
        assert.equal(load({ env: { RATE_LIMIT_WINDOW: text } }).rateLimit.windowMs, ms, text);
        assert.equal(load({ argv: [`--shutdown-timeout=${text}`] }).shutdownTimeoutMs, ms, text);
      }
      assert.equal(load({ env: { SHUTDOWN_TIMEOUT: '0' } }).shutdownTimeoutMs, 0);
      for (const bad of ['1.5s', '10 sec', '-1s', '1d', '']) {
        assertConfigError(() => load({ argv: [`--rate-limit-window=${bad}`] }), '--rate-limit-window', /expected a duration/);
      }
      assertConfigError(() => load({ env: { RATE_LIMIT_WINDOW: '0s' } }), 'RATE_LIMIT_WINDOW', /expected a duration/);
    });

    it('takes the rate-limit store deadline and refuses the redis store without REDIS_URL', () => {
      assert.equal(load({ env: { RATE_LIMIT_STORE_TIMEOUT: '100ms' } }).rateLimit.storeTimeoutMs, 100);
      assertConfigError(() => load({ env: { RATE_LIMIT_STORE_TIMEOUT: '0ms' } }), 'RATE_LIMIT_STORE_TIMEOUT', /expected a duration/);
      const redis = load({ env: { RATE_LIMIT_STORE: 'redis', REDIS_URL: 'redis://:pw@127.0.0.1:6380/2' } }).rateLimit;
      assert.equal(redis.store, 'redis');
      assert.equal(redis.redisUrl, 'redis://:pw@127.0.0.1:6380/2');
      assertConfigError(() => load({ env: { RATE_LIMIT_STORE: 'redis' } }), 'RATE_LIMIT_STORE', /needs REDIS_URL/);
      assertConfigError(() => load({ env: { REDIS_URL: 'http://127.0.0.1:6379' } }), 'REDIS_URL', /redis:\/\/ or rediss:\/\//);
    });

    it('parses booleans from true/false, 1/0 and yes/no in any case', () => {
      for (const yes of ['true', 'TRUE', '1', 'yes', 'Yes']) {
        assert.equal(load({ env: { LOG_ERROR_STACK: yes } }).log.errorStack, true, yes);
      }
      for (const no of ['false', 'False', '0', 'no', 'NO']) {
        assert.equal(load({ env: { MIGRATE_ON_START: no } }).migrateOnStart, false, no);
      }
    });

    it('splits a comma-separated audience list', () => {
      const config = load({ env: { AUTH_AUDIENCE: 'https://a.example, https://b.example,,' } });
      assert.deepEqual(config.auth.audience, ['https://a.example', 'https://b.example']);
    });

    it('accepts only postgres URLs and never echoes them', () => {
      assert.equal(load({ env: { DATABASE_URL: 'postgres://u:p@db:5432/app' } }).databaseUrl, 'postgres://u:p@db:5432/app');
      assert.equal(load({ argv: ['--db-url', 'postgresql://db/app'] }).databaseUrl, 'postgresql://db/app');
      const multiHost = 'postgres://u:p@10.0.0.1:5432,10.0.0.2:5433/app?target_session_attrs=read-write';
      assert.equal(load({ env: { DATABASE_URL: multiHost } }).databaseUrl, multiHost);
      assertConfigError(
        () => load({ env: { DATABASE_URL: 'mysql://u:hunter2@db/app' } }),
        'DATABASE_URL',
        /^invalid DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL$/,
      );
    });
  });

  describe('database URL', () => {
    it('builds the URL from parts, encoding user and password', () => {
      const config = load({
        env: { DB_HOST: 'db.internal', DB_PORT: '6543', DB_NAME: 'chompardo', DB_USER: 'app@corp', DB_PASSWORD: 'p@ss:w/rd#?%' },
      });
      assert.equal(config.databaseUrl, 'postgresql://app%40corp:p%40ss%3Aw%2Frd%23%3F%25@db.internal:6543/chompardo');
      const url = new URL(config.databaseUrl ?? '');
      assert.equal(decodeURIComponent(url.username), 'app@corp');
      assert.equal(decodeURIComponent(url.password), 'p@ss:w/rd#?%');
      assert.equal(url.hostname, 'db.internal');
      assert.equal(url.port, '6543');
    });

    it('defaults the host and port of built URLs', () => {
      assert.equal(load({ argv: ['--db-name', 'app'] }).databaseUrl, 'postgresql://localhost:5432/app');
    });

    it('prefers an explicit URL over the parts', () => {
      const config = load({ env: { DATABASE_URL: 'postgres://x@h/url', DB_NAME: 'parts' } });
      assert.equal(config.databaseUrl, 'postgres://x@h/url');
    });

    it('leaves the URL unset without DB_NAME (embedded PGlite)', () => {
      assert.equal(load({ env: { DB_HOST: 'db', DB_USER: 'u' } }).databaseUrl, undefined);
    });
  });

  describe('workers', () => {
    const server = 'postgres://app@db/chompardo';
    const withCpus = (cpus: number, env: Record<string, string>, argv: string[] = []) =>
      loadConfig({ argv, env, cwd: workDir(), cpuCount: () => cpus });

    it('runs one process per usable CPU by default in production on a PostgreSQL server', () => {
      assert.equal(withCpus(4, { NODE_ENV: 'production', DATABASE_URL: server }).workers, 4);
      assert.equal(withCpus(4, { NODE_ENV: 'production', DB_NAME: 'chompardo' }).workers, 4);
      assert.equal(withCpus(4, { NODE_ENV: 'production', DATABASE_URL: server, WORKERS: 'AUTO' }).workers, 4);
    });

    it('caps the automatic count so that every worker gets a connection of DB_POOL_MAX', () => {
      assert.equal(withCpus(16, { NODE_ENV: 'production', DATABASE_URL: server, DB_POOL_MAX: '6' }).workers, 6);
    });

    it('runs one process by default outside production and on the embedded database', () => {
      assert.equal(withCpus(8, { DATABASE_URL: server }).workers, 1);
      assert.equal(withCpus(8, { NODE_ENV: 'development', DATABASE_URL: server }).workers, 1);
      assert.equal(withCpus(8, { NODE_ENV: 'production' }).workers, 1);
    });

    it('takes an explicit count from flag, env or file as it is', () => {
      assert.equal(withCpus(1, { DATABASE_URL: server, WORKERS: '3' }).workers, 3);
      assert.equal(withCpus(8, { NODE_ENV: 'production', DATABASE_URL: server }, ['--workers', '1']).workers, 1);
      const cwd = workDir({ default_target: 'local', targets: [{ target: 'local', workers: 2, database_url: server }] });
      assert.equal(loadConfig({ argv: [], env: {}, cwd, cpuCount: () => 1 }).workers, 2);
    });

    it('refuses several workers on the embedded PGlite database', () => {
      assertConfigError(
        () => load({ env: { WORKERS: '2' } }),
        'WORKERS',
        /^invalid WORKERS: the embedded PGlite database serves one process only/,
      );
    });

    it('refuses more workers than database connections in the pool budget', () => {
      assertConfigError(
        () => load({ env: { DATABASE_URL: server, WORKERS: '12' } }),
        'WORKERS',
        /^invalid WORKERS: 12 workers cannot share 10 database connections \(DB_POOL_MAX \(default\)\); each needs at least one$/,
      );
      assert.equal(load({ env: { DATABASE_URL: server, WORKERS: '12', DB_POOL_MAX: '12' } }).workers, 12);
    });

    it('rejects a count that is neither auto nor a positive integer', () => {
      for (const value of ['0', '-1', 'many', '2.5', '257']) {
        assertConfigError(() => load({ env: { DATABASE_URL: server, WORKERS: value } }), 'WORKERS', /expected auto or an integer 1-256/);
      }
    });
  });
});

describe('secrets from files (_FILE)', () => {
  /** Writes `text` to a fresh file in the scratch folder and returns its path. */
  function secretFile(text: string): string {
    const file = path.join(workDir(), 'secret');
    writeFileSync(file, text);
    return file;
  }

  it('reads a secret from the file named by its _FILE key, without the trailing newline', () => {
    const password = 'pa ss\nword-from-file';
    const config = load({ env: { DB_NAME: 'app', DB_USER: 'svc', DB_PASSWORD_FILE: secretFile(`${password}\n`) } });
    assert.equal(config.databaseUrl, `postgresql://svc:${encodeURIComponent(password)}@localhost:5432/app`);
    assert.equal(load({ env: { METRICS_TOKEN_FILE: secretFile('tok-123\r\n') } }).metricsToken, 'tok-123');
  });

  it('takes the _FILE form from a flag, the environment and a config file target, at the level of the setting itself', () => {
    const url = 'postgres://svc:pw@db:5432/app';
    const urlFile = secretFile(url);
    assert.equal(load({ argv: [`--db-url-file=${urlFile}`] }).databaseUrl, url);
    assert.equal(load({ env: { DATABASE_URL_FILE: urlFile } }).databaseUrl, url);
    const cwd = workDir({ default_target: 'prod', targets: [{ target: 'prod', database_url_file: urlFile }] });
    assert.equal(load({ cwd }).databaseUrl, url);
    // An env var beats the file key of the target, as for any setting.
    assert.equal(load({ cwd, env: { DATABASE_URL: 'postgres://other/db' } }).databaseUrl, 'postgres://other/db');
    // A relative path is read against the working directory.
    writeFileSync(path.join(cwd, 'db-url'), url);
    assert.equal(load({ cwd, env: { DATABASE_URL_FILE: 'db-url' } }).databaseUrl, url);
  });

  it('refuses a setting given together with its _FILE', () => {
    assertConfigError(
      () => load({ env: { METRICS_TOKEN: 'a', METRICS_TOKEN_FILE: secretFile('b') } }),
      'METRICS_TOKEN',
      /^set either METRICS_TOKEN or METRICS_TOKEN_FILE, not both$/,
    );
  });

  it('names the _FILE key and the path of a missing file, and never echoes a secret read from a file', () => {
    const missing = path.join(scratch, 'no-such-secret');
    assertConfigError(
      () => load({ env: { DATABASE_URL_FILE: missing } }),
      'DATABASE_URL_FILE',
      /cannot read the file .*no-such-secret named by DATABASE_URL_FILE \(ENOENT\)/,
    );
    assert.throws(
      () => load({ env: { DATABASE_URL_FILE: secretFile('mysql://root:hunter2@db/app') } }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.key, 'DATABASE_URL_FILE');
        assert.match(error.message, /expected a postgres:\/\/ or postgresql:\/\/ URL$/);
        assert.ok(!error.message.includes('hunter2'), error.message);
        return true;
      },
    );
  });

  it('has no _FILE form for settings that are not secrets', () => {
    assertConfigError(() => load({ env: {}, argv: ['--port-file=x'] }), '--port-file', /unknown flag --port-file/);
    const cwd = workDir({ default_target: 'a', targets: [{ target: 'a', port_file: 'x' }] });
    assertConfigError(() => load({ cwd }), 'targets[0].port_file', /unknown key targets\[0\]\.port_file/);
  });
});

describe('describeConfig', () => {
  it('masks the password of the database URL', () => {
    const password = 'S3cr3t-Pa55';
    const config = load({ env: { DB_NAME: 'app', DB_USER: 'svc', DB_PASSWORD: password } });
    const described = describeConfig(config);
    const text = JSON.stringify(described);
    assert.ok(!text.includes(password), text);
    assert.equal(described['databaseUrl'], 'postgresql://svc:***@localhost:5432/app');
    assert.equal(described['port'], 4000);
  });

  it('masks the password of the Redis URL', () => {
    const described = describeConfig(load({ env: { RATE_LIMIT_STORE: 'redis', REDIS_URL: 'redis://rl:Redis-Pa55@cache:6379/1' } }));
    assert.ok(!JSON.stringify(described).includes('Redis-Pa55'));
    assert.equal((described['rateLimit'] as Record<string, unknown>)['redisUrl'], 'redis://rl:***@cache:6379/1');
  });

  it('masks passwords given as an explicit URL, in userinfo and query', () => {
    const config = load({ env: { DATABASE_URL: 'postgres://svc:hunter2@db/app?sslpassword=swordfish&sslmode=require' } });
    const text = JSON.stringify(describeConfig(config));
    assert.ok(!text.includes('hunter2'), text);
    assert.ok(!text.includes('swordfish'), text);
    assert.match(text, /sslmode=require/);
  });

  it('masks the metrics token', () => {
    const described = describeConfig(load({ env: { METRICS_TOKEN: 'metrics-s3cret' } }));
    assert.ok(!JSON.stringify(described).includes('metrics-s3cret'));
    assert.equal(described['metricsToken'], '***');
  });

  it('leaves a config without secrets readable', () => {
    const described = describeConfig(load());
    assert.equal(described['databaseUrl'], undefined);
    assert.deepEqual(described['auth'], {
      jwksUrl: 'http://127.0.0.1:4001/api/auth/jwks',
      issuer: 'http://127.0.0.1:4001',
      audience: ['http://127.0.0.1:4001'],
      issuers: [{ issuer: 'http://127.0.0.1:4001', audience: ['http://127.0.0.1:4001'], jwksUrl: 'http://127.0.0.1:4001/api/auth/jwks' }],
    });
  });
});

describe('the documentation of the settings', () => {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

  it('lists every API setting in .env.example with its default', () => {
    const example = readFileSync(path.join(repoRoot, '.env.example'), 'utf8');
    // The API's section only: the identity service shares some names with other defaults.
    const section = example.slice(example.indexOf('# The API'), example.indexOf('# The identity service'));
    const documented = new Map([...section.matchAll(/^# ([A-Z][A-Z0-9_]*)=(\S*)/gm)].map((match) => [match[1], match[2]]));
    for (const row of settingsOf(settings)) {
      assert.ok(documented.has(row.env), `.env.example does not list ${row.env}`);
      if (row.fallback === undefined) continue;
      const fallback = Array.isArray(row.fallback) ? row.fallback.join(',') : String(row.fallback);
      assert.equal(documented.get(row.env), fallback, `.env.example gives ${row.env} a default other than ${fallback}`);
    }
  });

  it('names every API setting in the README', () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const parts = ['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_PASSWORD']; // one row: `DB_HOST` … `DB_PASSWORD`
    for (const row of settingsOf(settings)) {
      if (parts.includes(row.env)) continue;
      assert.ok(readme.includes(`\`${row.env}\``), `README.md does not name ${row.env}`);
      assert.ok(readme.includes(`\`--${row.flag}\``), `README.md does not name --${row.flag}`);
    }
  });
});

describe('parsers', () => {
  it('reads a structured value from JSON text or a JSON value, checked by its schema', () => {
    const issuers = json(
      z.array(z.object({ issuer: z.string(), audience: z.string() })).min(1),
      'expected a JSON array of {issuer, audience}',
    );
    const value = [{ issuer: 'https://a', audience: 'api' }];
    assert.deepEqual(issuers.schema.parse(JSON.stringify(value)), value);
    assert.deepEqual(issuers.schema.parse(value), value);
    assert.equal(issuers.schema.safeParse('[{"issuer": 1}]').success, false);
    assert.equal(issuers.schema.safeParse('not json').success, false);
    assert.equal(issuers.schema.safeParse('[]').success, false);
  });
});
