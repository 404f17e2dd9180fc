import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Logger } from 'pino';
import { AppError } from '../errors/app-error.js';
import type { LogControl } from '../logging/logger.js';
import type { RequestAuth } from '../auth/ports.js';
import { createErrorHandler } from './error-handler.js';
import { createRequestIdGenerator } from './request-id.js';
import './fastify-augment.js';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives as the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Options of {@link createHttpServer}. */
export interface HttpServerOptions {
  logger: Logger;
  logControl: LogControl;
  /** Maximum request body size in bytes (413 above). */
  bodyLimit: number;
  /** Milliseconds a client has to send a whole request (408 after). */
  requestTimeoutMs?: number;
  /** Milliseconds a client has to send the request headers. */
  headersTimeoutMs?: number;
  /** Milliseconds an idle keep-alive connection is kept. */
  keepAliveTimeoutMs?: number;
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

/**
 * Creates the Fastify root with the platform's cross-cutting behaviour: request ids (reusing a
 * safe incoming `Request-Id`/`X-Request-Id`), `Request-Id` and `X-Content-Type-Options` on every
 * response, one access log line per request, JSON-only bodies (415 otherwise), the body limit
 * (413), timeouts for slow clients, JSON 404s and the one error handler. Routes are added by
 * `registerOperations` and by modules.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: createRequestIdGenerator(),
    bodyLimit: options.bodyLimit,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
  }) as unknown as FastifyInstance;
  app.server.headersTimeout = options.headersTimeoutMs ?? 10_000;

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
  app.addHook('onRequest', async (request, reply) => {
    reply.header('Request-Id', request.id);
    reply.header('X-Content-Type-Options', 'nosniff');
  });
  app.addHook('onResponse', async (request, reply) => {
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
