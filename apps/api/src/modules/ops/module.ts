import type { Db } from '../../platform/db/db.js';
import type { TokenVerifier } from '../../platform/auth/ports.js';
import { toRuntimeHandlers } from '../../platform/http/operation.js';
import type { ApiModule } from '../../platform/http/module.js';
import type { LogControl } from '../../platform/logging/logger.js';
import { createOpsHandlers } from './transport/ops.routes.js';
import { registerDocsAssets } from './transport/docs.routes.js';

/** What the ops module needs from app.ts. */
export interface OpsModuleDeps {
  db: Db;
  verifier: TokenVerifier;
  spec: { json: unknown; yaml: string };
  logControl: LogControl;
  /** True once graceful shutdown has begun. */
  shuttingDown: () => boolean;
}

/** Wires the ops module: health, readiness, ping, the bundled spec and the API reference. */
export function createOpsModule(deps: OpsModuleDeps): ApiModule {
  const handlers = createOpsHandlers({
    probes: {
      databaseUp: () => deps.db.ping(),
      jwksUp: () => deps.verifier.isReady(),
      shuttingDown: deps.shuttingDown,
    },
    spec: deps.spec,
    logControl: deps.logControl,
  });
  return { name: 'ops', handlers: toRuntimeHandlers(handlers), registerRoutes: registerDocsAssets };
}
