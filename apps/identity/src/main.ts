import { ConfigError, describeConfig, loadConfig } from './config.js';
import type { IdentityConfig } from './config.js';
import { createLogger, errorFields, routeConsoleToLogger } from './logger.js';
import type { Logger } from './logger.js';
import { startIdentityService } from './server.js';
import { UnreadableSigningKeysError } from './signing-keys.js';

/** A readable one-line reason: the message, else Better Auth's error body message, else the name. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const bodyMessage = (error as { body?: { message?: unknown } }).body?.message;
  if (error.message !== '') return error.message;
  return typeof bodyMessage === 'string' && bodyMessage !== '' ? bodyMessage : error.name;
}

/**
 * The identity service process: config (env) → logger → {@link startIdentityService} → a
 * "listening" line → graceful shutdown on SIGTERM/SIGINT (exit 0). Every line it writes is a
 * JSON log line on stdout, library console output and Node warnings included. Invalid
 * configuration exits 1 naming the key; a failed start exits 1 with a line naming the cause (and,
 * for stored keys the secret cannot decrypt, the remedy).
 */
async function main(): Promise<void> {
  // Until the configuration names a level, start-up problems are logged at the default one.
  let logger: Logger = createLogger('info');
  routeConsoleToLogger({
    debug: (msg, fields) => logger.debug(msg, fields),
    info: (msg, fields) => logger.info(msg, fields),
    warn: (msg, fields) => logger.warn(msg, fields),
    error: (msg, fields) => logger.error(msg, fields),
    fatal: (msg, fields) => logger.fatal(msg, fields),
  });
  process.on('uncaughtException', (error) => {
    logger.fatal(`uncaught exception: ${error.message}`, { err: error });
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal('unhandled promise rejection', { err: reason instanceof Error ? errorFields(reason) : String(reason) });
    process.exit(1);
  });

  let config: IdentityConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.fatal(`identity: ${error.message}`, { key: error.key });
      process.exit(1);
    }
    throw error;
  }
  logger = createLogger(config.logLevel);
  if (config.secretIsDevDefault) {
    logger.warn('BETTER_AUTH_SECRET is not set: using the insecure development default secret (refused when NODE_ENV=production)');
  }
  logger.info('starting identity service', { config: describeConfig(config) });

  let service: Awaited<ReturnType<typeof startIdentityService>>;
  try {
    service = await startIdentityService({ config, logger });
  } catch (error) {
    if (error instanceof UnreadableSigningKeysError) {
      logger.fatal(`identity: cannot start: ${error.message}`, { kids: error.kids });
    } else {
      logger.fatal(`identity: failed to start: ${describeError(error)}`, {
        err: error instanceof Error ? errorFields(error) : String(error),
      });
    }
    process.exit(1);
  }
  logger.info(`identity service listening on ${service.url}`, { url: service.url });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second signal while draining: the operator wants out now.
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal });
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { err: error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
