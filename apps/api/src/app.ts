import type { FastifyInstance } from 'fastify';
import type { Config } from './platform/config/config.js';
import type { Db } from './platform/db/db.js';
import type { AppAuthenticator, Authorizer, TokenVerifier } from './platform/auth/ports.js';
import type { Logger, LogControl } from './platform/logging/logger.js';
import { createHttpServer } from './platform/http/server.js';
import { registerOperations } from './platform/http/router.js';
import type { ApiModule } from './platform/http/module.js';
import type { RuntimeHandlers } from './platform/http/operation.js';
import { bundledSpec, bundledSpecYaml } from './generated/openapi-spec.gen.js';
import { createOpsModule } from './modules/ops/index.js';
import { createRecipeModule } from './modules/recipe/index.js';

/** Everything the application is built from; main.ts and each test build their own. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  logControl: LogControl;
  db: Db;
  verifier: TokenVerifier;
  appAuthenticator?: AppAuthenticator;
  authorizer?: Authorizer;
  /** True once graceful shutdown has begun (readiness turns 503). */
  shuttingDown?: () => boolean;
}

/**
 * Builds the HTTP application: the platform (request ids, logging, errors, limits), then the
 * literal list of modules in order, their operations bound to the bundled spec.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = createHttpServer({
    logger: deps.logger,
    logControl: deps.logControl,
    bodyLimit: deps.config.bodyLimit,
  });

  const modules: ApiModule[] = [
    createOpsModule({
      db: deps.db,
      verifier: deps.verifier,
      spec: { json: bundledSpec, yaml: bundledSpecYaml },
      shuttingDown: deps.shuttingDown ?? (() => false),
    }),
    createRecipeModule({ db: deps.db }),
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
    security: {
      verifier: deps.verifier,
      ...(deps.appAuthenticator ? { appAuthenticator: deps.appAuthenticator } : {}),
      ...(deps.authorizer ? { authorizer: deps.authorizer } : {}),
    },
  });
  for (const module of modules) module.registerRoutes?.(app);
  app.addHook('onClose', async () => {
    for (const module of modules) await module.close?.();
  });
  return app;
}
