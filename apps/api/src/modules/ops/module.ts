import type { Db } from '../../platform/db/db.js';
import type { TokenVerifier } from '../../platform/auth/ports.js';
import { toRuntimeHandlers } from '../../platform/http/operation.js';
import type { ApiModule } from '../../platform/http/module.js';
import type { LogControl } from '../../platform/logging/logger.js';
import type { Metrics } from '../../platform/metrics/metrics.js';
import { createOpsHandlers } from './transport/ops.routes.js';
import { docsOperationId, registerDocs } from './transport/docs.routes.js';
import { registerMetricsRoute } from './transport/metrics.routes.js';

/** What the ops module needs from app.ts. */
export interface OpsModuleDeps {
  db: Db;
  verifier: TokenVerifier;
  spec: { json: unknown; yaml: string };
  logControl: LogControl;
  /** The platform's metrics registry, served at `GET /metrics`. */
  metrics: Metrics;
  /** METRICS_TOKEN: when set, every scrape must present it as a bearer token; unset = loopback only. */
  metricsToken: string | undefined;
  /** True once graceful shutdown has begun. */
  shuttingDown: () => boolean;
}

/** Wires the ops module: health, readiness, ping, the logger, the bundled spec, the API reference and the metrics. */
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
  return {
    name: 'ops',
    handlers: toRuntimeHandlers(handlers),
    operationsWithOwnRoutes: [docsOperationId],
    registerRoutes: (app) => {
      registerDocs(app, deps.spec.json);
      registerMetricsRoute(app, { metrics: deps.metrics, token: deps.metricsToken });
    },
  };
}
