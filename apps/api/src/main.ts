import { buildApp } from './app.js';
import { moduleMigrations } from './migrations.js';
import { ConfigError, describeConfig, loadConfig } from './platform/config/index.js';
import { createDb } from './platform/db/index.js';
import { migrateUp } from './platform/db/migrator.js';
import { createJwtVerifier } from './platform/auth/jwt-verifier.js';
import { createLogger, LogControl } from './platform/logging/logger.js';

/**
 * The API process: config → logger → database (+ migrations) → JWKS (eager) → buildApp → listen,
 * then graceful shutdown on SIGTERM/SIGINT (stop accepting, finish in-flight requests up to
 * SHUTDOWN_TIMEOUT, close the pool, exit 0; a second signal forces exit 1).
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig({ argv: process.argv.slice(2), env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  const logger = createLogger({ level: config.log.level });
  const logControl = new LogControl(logger, { minimumLevel: config.log.levelMin, errorStack: config.log.errorStack });
  logger.info({ config: describeConfig(config) }, 'configuration loaded');

  const db = await createDb(config, logger);
  logger.info({ database: db.kind }, 'database opened');
  if (config.migrateOnStart) {
    const applied = await migrateUp(db, moduleMigrations, { log: (line) => logger.info(line) });
    logger.info({ applied: applied.length }, 'migrations up to date');
  }

  const verifier = createJwtVerifier({
    jwksUrl: config.auth.jwksUrl,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    logger,
  });
  try {
    await verifier.start();
  } catch (error) {
    logger.fatal({ err: error, jwks_url: config.auth.jwksUrl }, 'cannot fetch the JWKS; is the identity service up?');
    await db.close();
    process.exit(1);
  }

  let shuttingDown = false;
  const app = buildApp({ config, logger, logControl, db, verifier, shuttingDown: () => shuttingDown });
  await app.listen({ host: config.host, port: config.port });

  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: forcing exit');
      process.exit(1);
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      logger.error('shutdown timeout reached: forcing exit');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    try {
      await app.close();
      verifier.stop();
      await db.close();
      logger.info('shutdown complete');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
