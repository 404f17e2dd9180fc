import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseBearer } from '../../../platform/auth/bearer.js';
import { unauthenticated } from '../../../platform/auth/auth-failure.js';
import { AppError } from '../../../platform/errors/app-error.js';
import type { Metrics } from '../../../platform/metrics/metrics.js';

/** Options of {@link registerMetricsRoute}. */
export interface MetricsRouteOptions {
  metrics: Metrics;
  /** METRICS_TOKEN: when set, every scrape must send `Authorization: Bearer <token>`. */
  token: string | undefined;
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped IPv6 forms. */
function isLoopbackAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1';
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Who may scrape: with a token configured, exactly the bearers of that token
 * (compared in constant time; anything else → 401 with a Bearer challenge); without one, only
 * clients on a loopback address (`request.ip`, which honours TRUST_PROXY, so a trusted local
 * proxy does not make every client look local) — others get 403.
 */
function createAccessCheck(token: string | undefined): (request: FastifyRequest) => void {
  if (token === undefined) {
    return (request) => {
      if (!isLoopbackAddress(request.ip)) throw new AppError('forbidden', 'metrics are served on loopback only (set METRICS_TOKEN)');
    };
  }
  const expected = digest(token);
  return (request) => {
    const presented = parseBearer(request.headers.authorization);
    if (typeof presented !== 'string' || presented === 'malformed') {
      throw presented === undefined ? unauthenticated('credentials_missing') : unauthenticated('token_malformed');
    }
    // Hashing first makes both sides the same length, so the comparison leaks nothing.
    if (!timingSafeEqual(digest(presented), expected)) {
      throw unauthenticated('token_invalid');
    }
  };
}

/**
 * Registers `GET /metrics` (Prometheus text format of the platform's registry) outside the API
 * spec: it is an operator endpoint, protected as {@link createAccessCheck} says, never rate limited. Other methods on the
 * path answer 405 with `Allow`.
 */
export function registerMetricsRoute(app: FastifyInstance, options: MetricsRouteOptions): void {
  const checkAccess = createAccessCheck(options.token);
  app.route({
    method: ['GET', 'HEAD'],
    url: '/metrics',
    handler: async (request, reply) => {
      checkAccess(request);
      reply.type(options.metrics.contentType);
      return options.metrics.render();
    },
  });
  app.route({
    method: ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/metrics',
    onRequest: async () => {
      throw new AppError('method_not_allowed_error', 'method not allowed', { headers: { Allow: 'GET, HEAD' } });
    },
    handler: async () => undefined,
  });
}
