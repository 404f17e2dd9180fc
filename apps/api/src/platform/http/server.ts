import type { Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Logger } from 'pino';
import { AppError } from '../errors/app-error.js';
import type { LogControl } from '../logging/logger.js';
import type { RequestAuth } from '../auth/ports.js';
import { createErrorHandler } from './error-handler.js';
import { createRequestIdGenerator } from './request-id.js';
import { createCorsHandler, securityHeaders } from './security-headers.js';
import type { HttpMetricsObserver } from '../metrics/metrics.js';
import './fastify-augment.js';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives as the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Options of {@link createHttpServer}. */
export interface HttpServerOptions {
  logger: Logger;
  logControl: LogControl;
  /** Maximum request body size in bytes (413 above). */
  bodyLimit: number;
  /** Milliseconds a client has to send a whole request (408 after); default 30000. */
  requestTimeoutMs?: number;
  /** Milliseconds a client has to send the request headers (408 after); default 10000. */
  headersTimeoutMs?: number;
  /** Milliseconds an idle keep-alive connection is kept; default 5000. */
  keepAliveTimeoutMs?: number;
  /** Requests served on one connection before it is closed; 0 = unlimited; default 1000. */
  maxRequestsPerSocket?: number;
  /** Maximum size of the request line plus headers, bytes (431 above); default 16384. */
  maxHeaderBytes?: number;
  /** Proxies whose `X-Forwarded-*` headers are believed (addresses, CIDRs, `loopback`, …). */
  trustProxy?: string[];
  /** Browser origins allowed by CORS (`*` = any); empty or absent = CORS off. */
  corsOrigins?: string[];
  /** Told about every response (method, route template, status, duration). */
  metrics?: HttpMetricsObserver;
}

/** Marks a body schema whose request body may be absent (`requestBody.required: false`). */
export const optionalBodyMarker = 'x-chompardo-optional-body';

function createValidators() {
  // Bodies: strict JSON types (a string is never coerced into a number), unknown properties
  // rejected rather than silently removed, every property named in errors.
  const body = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, strict: false });
  // Path, query and headers arrive as strings: coerce to the declared types, apply defaults.
  const parts = new Ajv({ coerceTypes: 'array', removeAdditional: false, useDefaults: true, allErrors: false, strict: false });
  addFormats(body);
  addFormats(parts);
  return { body, parts };
}

/** Route label of responses that matched no route (keeps metric cardinality bounded). */
const unmatchedRoute = '(unmatched)';

/** The route template of a request: the spec's (`{extlId}`) when known, else Fastify's URL. */
function routeTemplateOf(request: FastifyRequest): string {
  const { config, url } = request.routeOptions;
  const template = (config as { routeTemplate?: unknown } | undefined)?.routeTemplate;
  if (typeof template === 'string') return template;
  return url === undefined ? unmatchedRoute : url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** A contract-shaped error body for answers written straight to the socket. */
function rawErrorBody(code: string, message: string): string {
  return JSON.stringify({ error: { kind: 'invalid_request_error', code, message } });
}

/** Answers of {@link createClientErrorHandler}, by Node's error code. */
const clientErrorAnswers: Record<string, { status: string; body: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: '408 Request Timeout',
    body: rawErrorBody('request_timeout', 'the request was not received in time'),
  },
  HPE_HEADER_OVERFLOW: {
    status: '431 Request Header Fields Too Large',
    body: rawErrorBody('header_too_large', 'the request header fields are too large'),
  },
};
const badRequestAnswer = { status: '400 Bad Request', body: rawErrorBody('malformed_request', 'the request is not valid HTTP') };

/**
 * Handles what Node rejects before Fastify sees a request: headers or request not received in
 * time (408), header fields over the size limit (431), unparsable HTTP (400). Answers in the
 * contract's error shape with a fresh `Request-Id`, then closes the connection.
 */
function createClientErrorHandler(logger: Logger, nextRequestId: () => string) {
  return function handleClientError(error: Error & { code?: string }, socket: Socket): void {
    // A reset or already destroyed socket cannot be answered.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const answer = (error.code !== undefined ? clientErrorAnswers[error.code] : undefined) ?? badRequestAnswer;
    const requestId = nextRequestId();
    // Node keeps the response being written on this connection here; once its head is out, a
    // second response would corrupt the stream (the same check as Node's own default handler).
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    const answered = socket.writable && (!inFlight || !inFlight.headersSent);
    if (answered) {
      socket.write(
        `HTTP/1.1 ${answer.status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(answer.body)}\r\n` +
          `Request-Id: ${requestId}\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${answer.body}`,
      );
    }
    socket.destroy();
    // Timeouts and oversized headers are worth seeing; garbage and half-sent requests of clients
    // that went away are routine noise.
    const fields = { request_id: requestId, code: error.code, remote_ip: socket.remoteAddress, status: answered ? Number(answer.status.slice(0, 3)) : undefined };
    if (answer === badRequestAnswer) logger.debug(fields, 'client error');
    else logger.info(fields, 'client error');
  };
}

/**
 * Creates the Fastify root with the platform's cross-cutting behaviour: request ids (reusing a
 * safe incoming `Request-Id`/`X-Request-Id`), `Request-Id` and the security headers on every
 * response, CORS for the configured origins, one access log line per request (and one metrics
 * observation), JSON-only bodies (415 otherwise), the body limit (413), limits for slow and
 * abusive clients (header and request timeouts → 408, header size → 431, keep-alive idle time
 * and requests per connection), JSON 404s and the one error handler. During shutdown requests
 * still reaching the server on open connections are served and their connections closed
 * (`Connection: close`), never cut off. Routes are added by `registerOperations` and by modules.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const genReqId = createRequestIdGenerator();
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const headersTimeoutMs = options.headersTimeoutMs ?? 10_000;
  const trustProxy = options.trustProxy ?? [];
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId,
    bodyLimit: options.bodyLimit,
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
    maxRequestsPerSocket: options.maxRequestsPerSocket ?? 0,
    // Fastify's own 503 has neither the contract's body nor a Request-Id; a request that still
    // arrives on an open connection during shutdown is served instead (with Connection: close).
    return503OnClosing: false,
    trustProxy: trustProxy.length > 0 ? trustProxy : false,
    http: {
      maxHeaderSize: options.maxHeaderBytes ?? 16_384,
      headersTimeout: headersTimeoutMs,
      // Node checks the header/request timeouts only this often (default 30 s): a slow client
      // would otherwise hold its connection up to 30 s past the timeout.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeoutMs / 4))),
    },
    // No request was parsed: an empty header set always yields a fresh id.
    clientErrorHandler: createClientErrorHandler(options.logger, () => genReqId({ headers: {} } as IncomingMessage)),
    routerOptions: { maxParamLength: 200 },
  }) as unknown as FastifyInstance;

  const validators = createValidators();
  app.setValidatorCompiler(({ schema, httpPart }) => {
    if (httpPart !== 'body') return validators.parts.compile(schema);
    const validate = validators.body.compile(schema);
    if (!(schema as Record<string, unknown>)[optionalBodyMarker]) return validate;
    // An optional body may be absent (Fastify then passes null; an explicit JSON null is refused
    // by the security hook, which can see whether a body was sent); when present it must match.
    const optional = (data: unknown) => data === undefined || data === null || validate(data);
    return Object.defineProperty(optional, 'errors', { get: () => validate.errors });
  });

  // Only JSON bodies are accepted; Fastify's JSON parser rejects empty and malformed bodies and
  // prototype poisoning with 400s.
  app.removeContentTypeParser(['text/plain']);

  // null, not an object: Fastify forbids shared reference values; the security hook sets a fresh one per request.
  app.decorateRequest('auth', null as unknown as RequestAuth);
  const cors = createCorsHandler(options.corsOrigins ?? []);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('Request-Id', request.id);
    reply.headers(securityHeaders);
    // A CORS preflight is answered here (204); nothing after this hook runs for it.
    if (cors !== undefined && cors(request, reply)) return reply;
  });
  const metrics = options.metrics;
  app.addHook('onResponse', async (request, reply) => {
    metrics?.observeResponse(request.method, routeTemplateOf(request), reply.statusCode, reply.elapsedTime);
    const size = reply.getHeader('content-length');
    request.log.info(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        size: typeof size === 'number' ? size : Number(size ?? 0),
        duration: reply.elapsedTime,
        remote_ip: request.ip,
        user_agent: request.headers['user-agent'],
        referer: request.headers.referer,
      },
      'request logged',
    );
  });

  const handleError = createErrorHandler(options.logControl);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    handleError(new AppError('not_found_error', 'route not found'), request, reply);
  });
  return app;
}
