import type { FastifyInstance } from 'fastify';
import type { Config } from './platform/config/config.js';
import type { Db } from './platform/db/db.js';
import type { TokenVerifier } from './platform/auth/ports.js';
import { fileURLToPath } from 'node:url';
import type { Logger, LogControl } from './platform/logging/logger.js';
import { createHttpServer } from './platform/http/server.js';
import { registerOperations } from './platform/http/router.js';
import type { ApiModule } from './platform/http/module.js';
import type { RuntimeHandlers } from './platform/http/operation.js';
import { bundledSpec, bundledSpecYaml } from './generated/openapi-spec.gen.js';
import { readOperations } from './platform/http/spec.js';
import { createDbHandle, isDbHandle } from './platform/db/db-handle.js';
import { Idempotency } from './platform/http/idempotency/idempotency.js';
import { RateLimiter } from './platform/http/rate-limit.js';
import { openMemoryRateLimitStore, openPostgresRateLimitStore, openRedisRateLimitStore } from './platform/http/rate-limit-store.js';
import { EventDispatcher } from './platform/events/dispatcher.js';
import { EventOutbox } from './platform/events/outbox.js';
import { createMetrics } from './platform/metrics/metrics.js';
import { createIamModule } from './modules/iam/index.js';
import { createMovieModule } from './modules/movie/index.js';
import { createOpsModule } from './modules/ops/index.js';
import { createRecipeModule } from './modules/recipe/index.js';

/** config/genesis/request.json at the repository root (the same depth from src/ and dist/). */
const defaultGenesisRequestFile = fileURLToPath(new URL('../../../config/genesis/request.json', import.meta.url));

/** Everything the application is built from; main.ts and each test build their own. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  logControl: LogControl;
  db: Db;
  verifier: TokenVerifier;
  /** True once graceful shutdown has begun (readiness turns 503). */
  shuttingDown?: () => boolean;
}

/**
 * Builds the HTTP application: the platform (request ids, logging, errors, limits), then the
 * literal list of modules in order, their operations bound to the bundled spec.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  const { config } = deps;
  let dispatcher: EventDispatcher | undefined;
  const metrics = createMetrics({ poolStats: () => deps.db.stats(), poolMax: config.dbPoolMax, eventStats: () => dispatcher?.stats() });
  const app = createHttpServer({
    logger: deps.logger,
    logControl: deps.logControl,
    bodyLimit: config.bodyLimit,
    ...config.http,
    connectionQueue: { sample: () => deps.db.queueSample(), length: () => deps.db.queueLength() },
    metrics,
  });
  const rateLimiter = config.rateLimit.max > 0 ? createRateLimiter(deps) : undefined;

  // One database handle for everything (main.ts builds it; tests may pass the driver's Db):
  // transactions are ambient, so an idempotent POST's record and the module's own writes commit
  // together; a transaction that loses a race (serialization failure, deadlock) runs again as a whole.
  const db = isDbHandle(deps.db) ? deps.db : createDbHandle(deps.db);
  const idempotency = new Idempotency(db);
  // Modules record their events in their own transactions; the dispatcher delivers them.
  const events = new EventOutbox(db);
  const iam = createIamModule({
    db,
    events,
    rbacRoutes: readOperations(bundledSpec)
      .filter((op) => op.security.rbac)
      .map((op) => ({ resource: op.path, operation: op.method })),
    selfRegisterRoles: deps.config.selfRegisterRoles,
    genesisRequestFile: defaultGenesisRequestFile,
    verifier: deps.verifier,
  });
  const modules: ApiModule[] = [
    iam,
    createOpsModule({
      db,
      verifier: deps.verifier,
      spec: { json: bundledSpec, yaml: bundledSpecYaml },
      logControl: deps.logControl,
      metrics,
      metricsToken: config.metricsToken,
      shuttingDown: deps.shuttingDown ?? (() => false),
    }),
    createMovieModule({ db, events }),
    createRecipeModule({ db }),
  ];

  const handlers: RuntimeHandlers = {};
  for (const module of modules) {
    for (const [operationId, handler] of Object.entries(module.handlers)) {
      if (handlers[operationId]) throw new Error(`operationId ${operationId} is defined by two modules`);
      handlers[operationId] = handler;
    }
  }
  registerOperations(app, {
    spec: bundledSpec,
    handlers,
    security: { verifier: deps.verifier, appAuthenticator: iam.appAuthenticator, authorizer: iam.authorizer, rateLimiter },
    idempotency,
    operationsWithOwnRoutes: modules.flatMap((module) => module.operationsWithOwnRoutes ?? []),
  });
  for (const module of modules) module.registerRoutes?.(app);
  if (config.events.dispatch) {
    dispatcher = new EventDispatcher({
      db,
      outbox: events,
      subscriptions: modules.flatMap((m) => m.subscriptions ?? []),
      settings: config.events,
      logger: deps.logger,
    });
  }
  app.addHook('onReady', async () => {
    await rateLimiter?.start();
    for (const module of modules) await module.start?.();
    // Before the first request: subscriptions must be registered for events to fan out to them.
    await dispatcher?.start();
    idempotency.startCleanup((error) => deps.logger.warn({ err: error }, 'idempotency cleanup failed'));
  });
  app.addHook('onClose', async () => {
    idempotency.stopCleanup();
    await dispatcher?.stop();
    await rateLimiter?.close();
    for (const module of modules) await module.close?.();
  });
  return app;
}

/**
 * The rate limiter of RATE_LIMIT_MAX > 0 on the configured store. The PostgreSQL store works on
 * the application's own database handle (pool or PGlite) and may leave a quarter of the pool
 * waiting past the store deadline (a locked row), never more. Store failures are logged at most
 * once a second (with how many were not), so an outage does not flood the log.
 */
function createRateLimiter(deps: AppDeps): RateLimiter {
  const { config, logger } = deps;
  const { store: kind, redisUrl } = config.rateLimit;
  const openStore =
    kind === 'postgres'
      ? () => openPostgresRateLimitStore(deps.db, { onCleanupError: (error) => logger.warn({ err: error }, 'rate limit cleanup failed') })
      : kind === 'redis' && redisUrl !== undefined
        ? () => openRedisRateLimitStore({ url: redisUrl, logger })
        : () => openMemoryRateLimitStore();
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return new RateLimiter({
    max: config.rateLimit.max,
    windowMs: config.rateLimit.windowMs,
    openStore,
    storeTimeoutMs: config.rateLimit.storeTimeoutMs,
    maxStalledCalls: kind === 'postgres' ? Math.max(1, Math.floor(config.dbPoolMax / 4)) : 16,
    onStoreError: (error) => {
      const now = Date.now();
      if (now - lastLoggedAt < 1_000) {
        suppressed += 1;
        return;
      }
      logger.warn({ err: error, store: kind, suppressed }, 'rate limit store failed; request let through');
      lastLoggedAt = now;
      suppressed = 0;
    },
  });
}
