import { ConfigError, describeConfig, loadConfig } from './config.js';
import type { IdentityConfig } from './config.js';
import { createLogger } from './logger.js';
import { startIdentityService } from './server.js';

/**
 * The identity service process: config (env) → logger → {@link startIdentityService} → one
 * readable "listening" line → graceful shutdown on SIGTERM/SIGINT (exit 0). Invalid
 * configuration exits 1 naming the key; a failed start exits 1.
 */
async function main(): Promise<void> {
  let config: IdentityConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`identity: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  if (config.secretIsDevDefault) {
    logger.warn('BETTER_AUTH_SECRET is not set: using the insecure development default secret (refused when NODE_ENV=production)');
  }
  logger.info('starting identity service', { config: describeConfig(config) });

  const service = await startIdentityService({ config, logger });
  process.stdout.write(`identity service listening on ${service.url}\n`);

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

main().catch((error: unknown) => {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`identity: failed to start: ${detail}\n`);
  process.exit(1);
});
