import type { OperationHandlers } from '../../../platform/http/operation.js';
import { checkReadiness, type ReadinessProbes } from '../application/readiness.service.js';
import { docsPage } from './docs.routes.js';
import type { operations } from './openapi.gen.js';

/** What the ops handlers need. */
export interface OpsHandlerDeps {
  probes: ReadinessProbes;
  spec: { json: unknown; yaml: string };
}

/** Handlers of the ops spec: liveness, readiness, ping, the bundled spec and the docs page. */
export function createOpsHandlers(deps: OpsHandlerDeps): OperationHandlers<operations> {
  const specJson = JSON.stringify(deps.spec.json);
  return {
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
    getDocs: async () => ({ status: 200, body: docsPage, contentType: 'text/html; charset=utf-8' }),
  };
}
