import type { IncomingMessage, ServerResponse } from 'node:http';
import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The security headers of every answer (OWASP REST Security Cheat Sheet), in helmet's terms: no
 * MIME sniffing, no framing, no document capabilities (a JSON answer is never a page), no referrer
 * leaks. What helmet adds for HTML sites (HSTS — TLS ends at the proxy —, COOP/COEP/CORP, DNS
 * prefetch, the legacy IE and XSS headers) is off.
 */
const helmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  xContentTypeOptions: true,
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginEmbedderPolicy: false,
  crossOriginOpenerPolicy: false,
  crossOriginResourcePolicy: false,
  originAgentCluster: false,
  strictTransportSecurity: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xPoweredBy: false,
  xXssProtection: false,
} as const satisfies HelmetOptions;

/**
 * The policy of the one HTML page, the API reference: same-origin scripts, styles and images
 * (Swagger UI sets inline styles and uses data: images), still never framed.
 */
const docsHelmetOptions = {
  ...helmetOptions,
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      styleSrc: ["'self'", "'unsafe-inline'"],
      frameAncestors: ["'none'"],
    },
  },
} as const satisfies HelmetOptions;

/** The headers helmet writes for `options`, computed once by running it against a recorder. */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name] = String(value);
    },
    removeHeader: () => undefined,
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined) throw error;
  });
  return headers;
}

/**
 * The headers every answer carries: helmet's for {@link helmetOptions}, computed once (helmet
 * rebuilds its middleware on every request through @fastify/helmet, which costs more than the
 * whole rest of a small request; see docs/adr/0023-security-headers-and-cors.md), plus
 * `Cache-Control: no-store` (responses are per caller; routes that may be cached, such as the
 * docs assets, set their own). The server's first hook sets them on every routed answer; the
 * answers written below Fastify (edge-answer.ts) write the same map.
 */
export const securityHeaders: Readonly<Record<string, string>> = { ...helmetHeaders(helmetOptions), 'Cache-Control': 'no-store' };

/** The headers of the API reference page: {@link securityHeaders} with the page's own policy. */
export const docsSecurityHeaders: Readonly<Record<string, string>> = { ...securityHeaders, ...helmetHeaders(docsHelmetOptions) };

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
];

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
];

/**
 * What @fastify/cors does for one request, given the allow-list: nothing but `Vary: Origin`
 * without an allowed `Origin`; for an allowed one `Access-Control-Allow-Origin` (the origin, or
 * `*` with `*` listed) and, for a preflight (`OPTIONS` with `Access-Control-Request-Method`), a
 * 204 saying what may be sent, cached 10 minutes; other requests also get
 * `Access-Control-Expose-Headers` and go on to their route (an `OPTIONS` without
 * `Access-Control-Request-Method` is not a preflight: its route answers, 405 on API paths).
 * Credentials mode is off: the API takes bearer tokens and keys in headers, never cookies.
 */
function createCorsDelegator(
  origins: readonly string[],
): (request: FastifyRequest, callback: (error: Error | null, options: FastifyCorsOptions) => void) => void {
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins.map((origin) => origin.toLowerCase()));
  // `true` reflects the request's Origin; `*` answers any origin without naming it.
  const allow = anyOrigin ? '*' : true;
  const refuse: FastifyCorsOptions = { origin: false };
  const preflight: FastifyCorsOptions = {
    origin: allow,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: allowedRequestHeaders,
    maxAge: 600,
    preflight: true,
    strictPreflight: false,
  };
  const simple: FastifyCorsOptions = { origin: allow, exposedHeaders: exposedResponseHeaders, preflight: false };
  return (request, callback) => {
    const origin = request.headers.origin;
    if (origin === undefined || (!anyOrigin && !allowed.has(origin.toLowerCase()))) return callback(null, refuse);
    const isPreflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    callback(null, isPreflight ? preflight : simple);
  };
}

/**
 * Registers CORS (@fastify/cors) for an allow-list of origins (CORS_ORIGINS), as
 * {@link createCorsDelegator} says; an empty list registers nothing (CORS off: browsers on other
 * origins cannot read responses). Call on the root before any route, after the hook that sets
 * `Request-Id` and the security headers, so that a preflight answered here carries them.
 */
export function registerCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  void app.register(fastifyCors, { delegator: createCorsDelegator(origins) });
}
