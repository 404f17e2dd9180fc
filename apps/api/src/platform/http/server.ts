import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { Logger } from 'pino';
import { AppError } from '../errors/app-error.js';
import type { LogControl } from '../logging/logger.js';
import type { RequestAuth } from '../auth/ports.js';
import { createErrorHandler } from './error-handler.js';
import { createRequestIdGenerator } from './request-id.js';
import { registerCors, securityHeaders } from './security-headers.js';
import type { HttpMetricsObserver } from '../metrics/metrics.js';
import { createAdmission, type Admission } from './admission.js';
import { createEdgeResponder, edgeAnswers, type EdgeResponder } from './edge-answer.js';
import { createJsonBodies, type JsonBodies, type JsonTextParser } from './json-body.js';
import { createLoadMonitor, type QueueSource } from './load-monitor.js';
import { DeferredCompiles } from './deferred-compile.js';
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
  /** Requests served on one connection before it is closed; 0 = unlimited (default). */
  maxRequestsPerSocket?: number;
  /** Requests of one connection in flight before the server stops reading it (≥ 2); default 8. */
  maxInFlightPerConnection?: number;
  /** Requests of one connection already received that may wait for a slot (503 + close past it); default 64. */
  maxQueuedPerConnection?: number;
  /** Requests handled at once across all connections (503 past it); 0 = unlimited; default 1000. */
  maxInFlight?: number;
  /** Milliseconds a connection's pending output may make no progress before it is cut; 0 = never; default 30000. */
  sendTimeoutMs?: number;
  /** Event-loop delay (ms) above which new requests are shed (503); 0 = off; default 1000. */
  maxEventLoopDelayMs?: number;
  /** Wait for a database connection a standing queue may keep before new requests are shed (ms); 0 = off; default 25. */
  shedQueueDelayMs?: number;
  /** The database's connection queue, watched by the load monitor (without it, no queue shedding). */
  connectionQueue?: QueueSource;
  /** Share of V8's heap limit (percent) above which new requests are shed; 0 = off; default 90. */
  maxHeapUsedPercent?: number;
  /** Resident set size (bytes) above which new requests are shed; 0 = off (default). */
  maxRssBytes?: number;
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
  // The spec's schemas are checked when it is built (`npm run lint` validates the bundle), so
  // Ajv does not compile its meta-schema and re-check them at every start (`validateSchema`).
  // Bodies: strict JSON types (a string is never coerced into a number), unknown properties
  // rejected rather than silently removed, every property named in errors.
  const body = new Ajv({
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: false,
    allErrors: false,
    strict: false,
    validateSchema: false,
  });
  // Path, query and headers arrive as strings: coerce to the declared types, apply defaults.
  const parts = new Ajv({
    coerceTypes: 'array',
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
    validateSchema: false,
  });
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
  // `*` is the catch-all OPTIONS route of CORS preflights: it matched no route of the API.
  return url === undefined || url === '*' ? unmatchedRoute : url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * A request's logger, made only when something logs through it: Fastify makes one per request
 * (its `request_id` binding), and most requests log nothing but their access line, which the
 * server writes through its own logger with the id as a field (the same line). Until then the
 * parent's level is the request's.
 */
class RequestLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return (this.made ?? this.parent).level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  fatal(...args: [obj: unknown, msg?: string, ...rest: unknown[]]): void {
    const logger = this.logger;
    Reflect.apply(logger.fatal, logger, args);
  }

  error(...args: [obj: unknown, msg?: string, ...rest: unknown[]]): void {
    const logger = this.logger;
    Reflect.apply(logger.error, logger, args);
  }

  warn(...args: [obj: unknown, msg?: string, ...rest: unknown[]]): void {
    const logger = this.logger;
    Reflect.apply(logger.warn, logger, args);
  }

  info(...args: [obj: unknown, msg?: string, ...rest: unknown[]]): void {
    const logger = this.logger;
    Reflect.apply(logger.info, logger, args);
  }

  debug(...args: [obj: unknown, msg?: string, ...rest: unknown[]]): void {
    const logger = this.logger;
    Reflect.apply(logger.debug, logger, args);
  }

  trace(...args: [obj: unknown, msg?: string, ...rest: unknown[]]): void {
    const logger = this.logger;
    Reflect.apply(logger.trace, logger, args);
  }

  silent(...args: [obj: unknown, msg?: string, ...rest: unknown[]]): void {
    const logger = this.logger;
    Reflect.apply(logger.silent, logger, args);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
}

/**
 * Fastify's `frameworkErrors`: what its router rejects before any hook runs (a path that is not
 * validly percent-encoded → 400, a path parameter over the maximum length → 414), answered in the
 * contract's shape with `Request-Id`, the security headers and an access log line.
 */
function createFrameworkErrorHandler(responder: EdgeResponder, handleError: ReturnType<typeof createErrorHandler>) {
  return function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    const options = { requestId: request.id, remoteIp: request.ip };
    if (error.code === 'FST_ERR_BAD_URL') responder.answer(request.raw, reply.raw, edgeAnswers.malformedUrl, options);
    else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') responder.answer(request.raw, reply.raw, edgeAnswers.pathParameterTooLong, options);
    else {
      reply.header('Request-Id', request.id);
      reply.headers(securityHeaders);
      handleError(error, request, reply);
    }
  };
}

/**
 * Creates the Fastify root with the platform's cross-cutting behaviour: request ids (reusing a
 * safe incoming `Request-Id`/`X-Request-Id`), `Request-Id` and the security headers on every
 * response, CORS for the configured origins, one access log line per request (and one metrics
 * observation), JSON-only bodies (415 otherwise, and for any `Content-Encoding` but identity) in
 * valid Unicode with strings trimmed before validation, the body limit (413), limits for slow
 * and abusive clients (header and request timeouts → 408, header size → 431, keep-alive idle
 * time, requests per connection, a send timeout for clients that stop reading), backpressure per
 * connection and load shedding (see `createAdmission`), JSON 404s and the one error handler.
 * What Node and Fastify's router reject on their own is answered in the same shape. During
 * shutdown requests still reaching the server on open connections are served and their
 * connections closed (`Connection: close`), never cut off. Routes are added by
 * `registerOperations` and by modules.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const genReqId = createRequestIdGenerator();
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const headersTimeoutMs = options.headersTimeoutMs ?? 10_000;
  const trustProxy = options.trustProxy ?? [];
  const responder = createEdgeResponder({ logger: options.logger, requestIdOf: genReqId, metrics: options.metrics });
  const admission: Admission = createAdmission({
    responder,
    logger: options.logger,
    load: createLoadMonitor(
      {
        maxEventLoopDelayMs: options.maxEventLoopDelayMs ?? 1_000,
        maxHeapUsedPercent: options.maxHeapUsedPercent ?? 90,
        maxRssBytes: options.maxRssBytes ?? 0,
        shedQueueDelayMs: options.shedQueueDelayMs ?? 25,
      },
      options.logger,
      options.connectionQueue,
    ),
    maxInFlightPerConnection: options.maxInFlightPerConnection ?? 8,
    maxQueuedPerConnection: options.maxQueuedPerConnection ?? 64,
    maxInFlight: options.maxInFlight ?? 1_000,
    maxRequestsPerConnection: options.maxRequestsPerSocket ?? 0,
    sendTimeoutMs: options.sendTimeoutMs ?? 30_000,
  });
  const handleError = createErrorHandler(options.logControl);
  const compiles = new DeferredCompiles();
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId,
    childLoggerFactory: (logger, bindings, childOptions) => new RequestLogger(logger, bindings, childOptions),
    bodyLimit: options.bodyLimit,
    // The gate creates Node's server, so every request passes it before Fastify sees it.
    serverFactory: (handler) =>
      admission.createServer(handler, {
        maxHeaderSize: options.maxHeaderBytes ?? 16_384,
        headersTimeout: headersTimeoutMs,
        requestTimeout: requestTimeoutMs,
        keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
        // Node checks the header/request timeouts only this often (default 30 s): a slow client
        // would otherwise hold its connection up to 30 s past the timeout.
        connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeoutMs / 4))),
      }),
    // Fastify's own 503 has neither the contract's body nor a Request-Id; a request that still
    // arrives on an open connection during shutdown is served instead (with Connection: close).
    return503OnClosing: false,
    trustProxy: trustProxy.length > 0 ? trustProxy : false,
    clientErrorHandler: (error: Error & { code?: string }, socket) => responder.answerSocket(error, socket),
    frameworkErrors: createFrameworkErrorHandler(responder, handleError),
    routerOptions: { maxParamLength: 200 },
    // Fastify's own serializers (fast-json-stringify), compiled on first use or by compileSchemas().
    schemaController: {
      compilersFactory: {
        buildSerializer: (externalSchemas: unknown, serializerOptions: unknown) => {
          const compile = SerializerSelector()(externalSchemas, serializerOptions as never);
          return (route: Parameters<typeof compile>[0]) => compiles.defer(() => compile(route));
        },
      },
    },
  }) as unknown as FastifyInstance;
  app.decorate('compileSchemas', () => compiles.compileAll());

  const validators = createValidators();
  // Fastify's default JSON parser is the callback form; its type also admits an async one.
  const jsonBodies: JsonBodies = createJsonBodies(app.getDefaultJsonParser('error', 'error') as JsonTextParser);
  app.setValidatorCompiler(({ schema, httpPart }) => {
    if (httpPart !== 'body') return compiles.defer(() => validators.parts.compile(schema), { errors: true });
    const validate = compiles.defer(() => validators.body.compile(schema), { errors: true });
    // An optional body may be absent (Fastify then passes null; an explicit JSON null is refused
    // by the security hook, which can see whether a body was sent); when present it must match.
    const optional = Boolean((schema as Record<string, unknown>)[optionalBodyMarker]);
    const validateBody = (data: unknown) => {
      // What the body parser found (invalid Unicode, too deep) is this stage's 400.
      const fault = jsonBodies.faultOf(data);
      if (fault !== undefined) throw fault;
      return (optional && (data === undefined || data === null)) || validate(data);
    };
    return Object.defineProperty(validateBody, 'errors', { get: () => validate.errors });
  });

  // Only JSON bodies are accepted; Fastify's JSON parser rejects empty and malformed bodies and
  // prototype poisoning with 400s, the wrapper the rest (json-body.ts).
  app.removeContentTypeParser(['text/plain', 'application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, jsonBodies.parse);

  // null, not an object: Fastify forbids shared reference values; the security hook sets a fresh one per request.
  app.decorateRequest('auth', null as unknown as RequestAuth);
  // Callback hooks, not async ones: these run on every request, and an async hook costs a promise
  // and a microtask turn each.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('Request-Id', request.id);
    reply.headers(securityHeaders);
    done();
  });
  // After the hook above: a CORS preflight is answered by CORS's own hook (204), nothing after it runs.
  registerCors(app, options.corsOrigins ?? []);
  const metrics = options.metrics;
  const accessLog = app.log;
  app.addHook('onResponse', (request, reply, done) => {
    metrics?.observeResponse(request.method, routeTemplateOf(request), reply.statusCode, reply.elapsedTime);
    const size = reply.getHeader('content-length');
    // The same line as through request.log (its binding first), without making the request's logger.
    accessLog.info(
      {
        request_id: request.id,
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
    done();
  });

  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    handleError(new AppError('not_found_error', 'route not found'), request, reply);
  });
  return app;
}
