import type { OperationHandlers } from '../../../platform/http/operation.js';
import type { LogControl } from '../../../platform/logging/logger.js';
import { checkReadiness, type ReadinessProbes } from '../application/readiness.service.js';
import type { docsOperationId } from './docs.routes.js';
import type { operations } from './openapi.gen.js';

/** What the ops handlers need. */
export interface OpsHandlerDeps {
  probes: ReadinessProbes;
  spec: { json: unknown; yaml: string };
  logControl: LogControl;
}

/** Handlers of the ops spec: liveness, readiness, ping, logger and the bundled spec (the docs page has its own routes). */
export function createOpsHandlers(deps: OpsHandlerDeps): OperationHandlers<Omit<operations, typeof docsOperationId>> {
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
  };
}
