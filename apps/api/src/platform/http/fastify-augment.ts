import type { RequestAuth } from '../auth/ports.js';
export {};

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Compiles every validator and response serializer not compiled yet (they compile on first
     * use otherwise, see deferred-compile.ts), a slice at a time between requests.
     */
    compileSchemas(): Promise<void>;
  }

  interface FastifyRequest {
    /** The caller, set by the security hook of spec-registered operations. */
    auth: RequestAuth;
  }

  interface FastifyContextConfig {
    /** The spec's operationId of a route registered from the spec. */
    operationId?: string;
    /** The spec's path template (`/api/v1/movies/{extlId}`), the route label of logs, metrics and traces. */
    routeTemplate?: string;
  }
}
