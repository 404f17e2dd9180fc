import type { RequestAuth } from '../auth/ports.js';
export {};

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, set by the security hook of spec-registered operations. */
    auth: RequestAuth;
  }
}
