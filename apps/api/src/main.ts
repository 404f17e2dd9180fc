import cluster from 'node:cluster';
import type { Config } from './platform/config/config.js';
import { ConfigError, describeConfig, loadConfig } from './platform/config/index.js';
import { createLogger, LogControl, type Logger } from './platform/logging/logger.js';
import { heapLimit } from './platform/http/load-monitor.js';
import { tracingRequested } from './platform/telemetry/tracing-switch.js';
import type { Tracing } from './platform/telemetry/tracing.js';
import type { ManagedDb } from './platform/db/managed-db.js';
import { configForThisProcess, isSupervisor, onShutdownRequest, processLogSettings, superviseWorkers } from './workers.js';

/** Delays of the startup retry loop while the database is unreachable (doubling, jittered). */
const startupRetryMinMs = 250;
const startupRetryMaxMs = 10_000;

/** How long closing the pool may take after a shutdown timeout before the process just exits. */
const closeGraceMs = 3_000;

/**
 * Migrations (MIGRATE_ON_START) or, without them, one query through the pool: what must succeed
 * before the app may use the database. Throws what the database threw, so the caller can tell a
 * server that is not there yet from one that refuses this configuration.
 */
async function prepareDatabase(db: ManagedDb, config: Config, logger: Logger): Promise<void> {
  if (config.migrateOnStart) {
    const [{ migrateUp }, { moduleMigrations }] = await Promise.all([import('./platform/db/migrator.js'), import('./migrations.js')]);
    const applied = await migrateUp(db, moduleMigrations, { log: (line) => logger.info(line) });
    logger.info({ applied: applied.length }, 'migrations up to date');
  } else {
    await db.query('SELECT 1');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * The API process: config → logger → tracing (only with OTEL_* set) → database → migrations →
 * JWKS (eager; exit 1 when unreachable) → buildApp → listen → graceful shutdown.
 *
 * Database down at start: the server listens anyway on a closed database handle (readiness 503, requests
 * needing the database 503 + Retry-After) and retries the migrations with backoff until they
 * succeed. Retried: every connection error except the permanent ones — server refused or
 * unreachable, starting up or in recovery (57P03), too many connections (53300), database not
 * accepting connections (55000). Ending the process with 1: errors no retry can fix — a failing or
 * refused migration, and the server refusing this configuration (authentication of our role
 * 28000/28P01, no such database 3D000, no CONNECT privilege), see `isPermanentConnectionError`.
 *
 * SIGTERM/SIGINT: readiness turns 503, the listener closes, idle connections close, in-flight
 * requests finish (requests still arriving on open connections are served with
 * `Connection: close`) for up to SHUTDOWN_TIMEOUT; then remaining connections are cut, the pool
 * closes and the process exits 0. A second signal exits 1 at once. With WORKERS > 1 this process
 * supervises that many workers instead (workers.ts), each of which runs all of the above.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = configForThisProcess(loadConfig({ argv: process.argv.slice(2), env: process.env }));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  const logger = createLogger({ level: config.log.level, ...processLogSettings(config) });
  const logControl = new LogControl(logger, { minimumLevel: config.log.levelMin, errorStack: config.log.errorStack });
  logger.info({ config: describeConfig(config) }, 'configuration loaded');
  // Workers inherit the supervisor's flags: it is said once, by the process that was started.
  const heap = heapLimit(process.execArgv, process.env.NODE_OPTIONS);
  if (process.env.NODE_ENV === 'production' && !heap.explicit && !cluster.isWorker) {
    logger.warn(
      { heap_limit_mb: heap.limitMb },
      'no --max-old-space-size: V8 sized the heap from the machine, and lets it grow to several times the live data before collecting; docs/operations.md, "Memory"',
    );
  }
  // WORKERS > 1: this process only supervises; each worker runs the rest of main().
  if (isSupervisor(config)) {
    superviseWorkers(config, logger);
    return;
  }

  // Tracing patches http and pg as they are first required, so everything that loads them is
  // imported only after this point.
  let tracing: Tracing | undefined;
  if (tracingRequested(process.env)) {
    const { startTracing } = await import('./platform/telemetry/tracing.js');
    tracing = startTracing(process.env, logger);
  }
  const [
    { buildApp },
    { createDb, createReadRouterFor, EmbeddedDatabaseInUseError, isConnectionError, isPermanentConnectionError },
    { createDbHandle },
    { createJwtVerifier },
  ] = await Promise.all([
    import('./app.js'),
    import('./platform/db/index.js'),
    import('./platform/db/db-handle.js'),
    import('./platform/auth/jwt-verifier.js'),
  ]);

  let db: ManagedDb;
  try {
    db = await createDb(config, logger);
  } catch (error) {
    if (error instanceof EmbeddedDatabaseInUseError) {
      logger.fatal({ data_dir: error.directory, holder_pid: error.holder.pid }, 'embedded database in use by another process');
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  logger.info({ database: db.kind }, 'database opened');
  const retryable = (error: unknown): boolean => isConnectionError(error) && !isPermanentConnectionError(error);
  // The identity providers' keys are fetched while the database is prepared.
  const verifier = createJwtVerifier({ issuers: config.auth.issuers, logger });
  const keysFetched = verifier.start();
  keysFetched.catch(() => undefined); // awaited below, after the database
  // The one handle the app runs on; closed (503 + Retry-After) until the database is prepared.
  // DATABASE_READ_URL: plain reads of the modules' data go to the hot standby (docs/database.md).
  const readRouter = createReadRouterFor(config, db, logger);
  const handle = createDbHandle(db, { startClosed: true, ...(readRouter ? { readRouter } : {}) });
  let ready = true;
  const prepared = prepareDatabase(db, config, logger).catch(async (error: unknown) => {
    if (!retryable(error)) {
      logger.fatal({ err: error }, 'database preparation failed');
      await db.close();
      process.exit(1);
    }
    logger.warn({ err: error }, 'database unreachable at start: serving as not ready and retrying');
    ready = false;
  });
  // Built while the database is prepared and the keys are fetched (its routes and plugins are
  // CPU work, they are I/O waits); it does not use the database before it listens.
  let shuttingDown = false;
  const app = buildApp({ config, logger, logControl, db: handle, verifier, shuttingDown: () => shuttingDown });
  await prepared;
  if (ready) {
    // LISTENs the app asked for while it was built are attached now.
    await handle.open().catch((error: unknown) => {
      if (!retryable(error)) throw error;
      logger.warn({ err: error }, 'database unreachable at start: serving as not ready and retrying');
      ready = false;
    });
  }

  try {
    await keysFetched;
  } catch (error) {
    // The message names each issuer that failed and where its keys were looked for.
    const reason = error instanceof Error ? error.message : String(error);
    logger.fatal(
      { err: error, issuers: config.auth.issuers.map((i) => i.issuer) },
      `${reason}; is each identity provider up and AUTH_ISSUERS (or AUTH_JWKS_URL) right?`,
    );
    await db.close();
    process.exit(1);
  }

  tracing?.nameSpansByRoute(app);
  const address = await app.listen({ host: config.host, port: config.port });
  logger.info({ url: address, heap_limit_mb: heap.limitMb }, 'listening');
  // Validators and serializers compile on first use; the rest compile a second after the start
  // (the first probes and requests are not kept waiting behind them), a slice at a time. One that
  // cannot compile is a broken build: it stops the process as it would have at start.
  setTimeout(() => {
    app.compileSchemas().then(
      () => logger.debug('every schema compiled'),
      (error: unknown) => {
        logger.fatal({ err: error }, 'a schema of the API failed to compile');
        process.exit(1);
      },
    );
  }, compileDelayMs).unref();

  if (!ready) {
    void (async () => {
      for (let attempt = 1, delay = startupRetryMinMs; !shuttingDown; attempt++, delay = Math.min(delay * 2, startupRetryMaxMs)) {
        try {
          await prepareDatabase(db, config, logger);
          await handle.open();
          logger.info({ attempts: attempt }, 'database ready');
          return;
        } catch (error) {
          if (shuttingDown) return;
          if (!retryable(error)) {
            logger.fatal({ err: error }, 'database preparation failed');
            process.exit(1);
          }
          // Jitter keeps a fleet restarted together from retrying in lock-step.
          const wait = Math.round(delay * (0.8 + Math.random() * 0.4));
          logger.warn({ err: error, attempt, retry_in_ms: wait }, 'database still unreachable');
          await sleep(wait);
        }
      }
    })();
  }

  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: forcing exit');
      process.exit(1);
    }
    shuttingDown = true;
    logger.info({ signal, timeout_ms: config.shutdownTimeoutMs }, 'shutting down: finishing in-flight requests');
    const closed = app.close().then(
      () => true,
      (error: unknown) => {
        logger.error({ err: error }, 'closing the server failed');
        return true;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), config.shutdownTimeoutMs);
    });
    if (!(await Promise.race([closed, timedOut]))) {
      logger.error('shutdown timeout reached: closing the remaining connections');
      app.server.closeAllConnections();
    }
    clearTimeout(timer);
    // Whatever still holds a connection (a query past the timeout) gets a bounded grace.
    const hardExit = setTimeout(() => {
      logger.error('closing the database took too long: exiting');
      process.exit(1);
    }, closeGraceMs);
    hardExit.unref();
    try {
      await closed;
      verifier.stop();
      await handle.close();
      await tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'flushing traces failed'));
      logger.info('shutdown complete');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  onShutdownRequest((reason) => void shutdown(reason));
}

/** How long after listening the schemas not compiled yet are compiled. */
const compileDelayMs = 1_000;

main().catch((error: unknown) => {
  process.stderr.write(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
