import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Headers every response of the API carries (OWASP REST Security Cheat Sheet): no MIME sniffing,
 * no framing, no document capabilities (a JSON answer is never a page), no caching of anything
 * by browsers or shared caches (responses are per caller; routes that may be cached, such as the
 * docs assets, set their own `Cache-Control`), no referrer leaks. The docs page relaxes the
 * Content-Security-Policy for itself.
 */
export const securityHeaders: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
};

/** Request headers a browser may send cross-origin (CORS preflight answer). */
const allowedRequestHeaders = [
  'Authorization',
  'Content-Type',
  'X-APP-ID',
  'X-API-KEY',
  'Idempotency-Key',
  'If-Match',
  'Request-Id',
  'X-Request-Id',
].join(', ');

/** Response headers a browser script may read cross-origin. */
const exposedResponseHeaders = [
  'Request-Id',
  'ETag',
  'Location',
  'Retry-After',
  'RateLimit',
  'RateLimit-Policy',
  'Idempotent-Replayed',
  'WWW-Authenticate',
  'Allow',
].join(', ');

const allowedMethods = 'GET, HEAD, POST, PUT, PATCH, DELETE';

/** How long a browser may cache a preflight answer, seconds. */
const preflightMaxAgeSeconds = '600';

/**
 * CORS for an allow-list of origins (CORS_ORIGINS). Returns undefined when the list is empty
 * (CORS off: browsers on other origins cannot read responses). Otherwise a function for the
 * `onRequest` hook that, for a request whose `Origin` is allowed (or any origin with `*`):
 * answers a preflight (`OPTIONS` + `Access-Control-Request-Method`) with 204 and returns true (the
 * request is done), or adds `Access-Control-Allow-Origin` + `Access-Control-Expose-Headers` to
 * the response and returns false. Requests without `Origin` cost one header lookup. Credentials
 * mode is not enabled: the API takes bearer tokens and keys in headers, never cookies.
 */
export function createCorsHandler(origins: readonly string[]): ((request: FastifyRequest, reply: FastifyReply) => boolean) | undefined {
  if (origins.length === 0) return undefined;
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins.map((origin) => origin.toLowerCase()));
  return (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined) return false;
    if (!anyOrigin && !allowed.has(origin.toLowerCase())) {
      // Still vary: a cache must not hand this (header-less) answer to an allowed origin.
      reply.header('Vary', 'Origin');
      return false;
    }
    reply.header('Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
    reply.header('Vary', 'Origin');
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      reply.header('Access-Control-Allow-Methods', allowedMethods);
      reply.header('Access-Control-Allow-Headers', allowedRequestHeaders);
      reply.header('Access-Control-Max-Age', preflightMaxAgeSeconds);
      void reply.code(204).send();
      return true;
    }
    reply.header('Access-Control-Expose-Headers', exposedResponseHeaders);
    return false;
  };
}
