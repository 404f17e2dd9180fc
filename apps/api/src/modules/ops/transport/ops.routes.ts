import type { OperationHandlers } from '../../../platform/http/operation.js';
import { docsSecurityHeaders } from '../../../platform/http/security-headers.js';
import type { LogControl } from '../../../platform/logging/logger.js';
import { checkReadiness, type ReadinessProbes } from '../application/readiness.service.js';
import { docsPage } from './docs.routes.js';
import type { operations } from './openapi.gen.js';

/** What the ops handlers need. */
export interface OpsHandlerDeps {
  probes: ReadinessProbes;
  spec: { json: unknown; yaml: string };
  logControl: LogControl;
}

/** Handlers of the ops spec: liveness, readiness, ping, logger, the bundled spec and the docs page. */
export function createOpsHandlers(deps: OpsHandlerDeps): OperationHandlers<operations> {
  const specJson = JSON.stringify(deps.spec.json);
  const loggerState = () => ({
    logger_minimum_level: deps.logControl.minimumLevel,
    global_log_level: deps.logControl.level,
    log_error_stack: deps.logControl.logErrorStack,
  });
  return {
    findLogger: async () => ({ status: 200, body: loggerState() }),
    updateLogger: async ({ body }) => {
      // Validate everything before changing anything, so a bad request changes nothing.
      if (body.global_log_level !== undefined) deps.logControl.assertLevel(body.global_log_level);
      if (body.global_log_level !== undefined) deps.logControl.setLevel(body.global_log_level);
      if (body.log_error_stack !== undefined) {
        deps.logControl.setErrorStack(body.log_error_stack === true || body.log_error_stack === 'true');
      }
      return { status: 200, body: loggerState() };
    },
    getHealth: async () => ({ status: 200, body: { status: 'ok' } }),
    getReadiness: async () => {
      const readiness = await checkReadiness(deps.probes);
      return readiness.ready
        ? { status: 200, body: { status: 'ready', checks: readiness.checks } }
        : { status: 503, body: { status: 'not_ready', checks: readiness.checks } };
    },
    getPing: async () => ({ status: 200, body: { db_up: await deps.probes.databaseUp() } }),
    getOpenapiJson: async () => ({
      status: 200,
      body: specJson as never,
      contentType: 'application/json; charset=utf-8',
    }),
    getOpenapiYaml: async () => ({ status: 200, body: deps.spec.yaml, contentType: 'application/yaml; charset=utf-8' }),
    getDocs: async () => ({
      status: 200,
      body: docsPage,
      contentType: 'text/html; charset=utf-8',
      // The one HTML page: it may load its own scripts and styles; the API's default policy allows nothing.
      headers: docsSecurityHeaders,
    }),
  };
}
