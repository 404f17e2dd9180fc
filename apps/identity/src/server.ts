import { createServer } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createAdmission, OverloadError } from './admission.js';
import type { Admission } from './admission.js';
import { clientIpHeader, createAuth, identityAuthOptions } from './auth.js';
import type { IdentityAuth } from './auth.js';
import type { AdmissionConfig, HttpLimits, IdentityConfig } from './config.js';
import { DatabaseUnavailableError, isDatabaseUnavailable, migrateIdentityDatabase, openDatabase } from './database.js';
import type { IdentityDatabase, Observed } from './database.js';
import type { Logger } from './logger.js';
import { createPasswordPolicy, loadCommonPasswords } from './password-policy.js';
import { ensureSigningKey } from './signing-keys.js';

/** A running identity service (see {@link startIdentityService}). */
export interface IdentityService {
  /** Where it listens, e.g. `http://127.0.0.1:4001`. */
  readonly url: string;
  /** Better Auth's public base URL and trusted origin: config.baseUrl, else `http://HOST:PORT`. */
  readonly baseUrl: string;
  readonly auth: IdentityAuth;
  readonly database: IdentityDatabase;
  readonly server: Server;
  /**
   * Stops accepting connections, lets in-flight requests finish (up to the configured shutdown
   * timeout, then drops the rest), closes the database. Idempotent.
   */
  close(): Promise<void>;
}

/** What {@link startIdentityService} needs. */
export interface IdentityServiceDeps {
  config: IdentityConfig;
  logger: Logger;
}

const authPrefix = '/api/auth';
const jwksPath = `${authPrefix}/jwks`;

/** Endpoints that hash or verify a password: they take the password lane of admission. */
const passwordPaths = new Set(
  ['/sign-up/email', '/sign-in/email', '/change-password', '/reset-password', '/set-password', '/delete-user'].map(
    (route) => `${authPrefix}${route}`,
  ),
);

/** Largest request body the auth endpoints accept (they take small JSON documents). */
const maxBodyBytes = 64 * 1024;

/** Seconds a client is told to wait after a 503: shed by admission, or the database failing. */
const retryAfterOverloadSeconds = 1;
const retryAfterDatabaseSeconds = 5;

/** Set on every response: no sniffing; no caching except for the public JWKS. */
const commonHeaders: OutgoingHttpHeaders = { 'x-content-type-options': 'nosniff' };
const noStoreHeaders: OutgoingHttpHeaders = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** Status → error code for error answers Better Auth (or the router under it) sent without a JSON body. */
const codeByStatus: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
};

/** A finished answer: status, headers and body. */
interface Answer {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

function jsonAnswer(status: number, code: string, message: string, headers: OutgoingHttpHeaders = {}): Answer {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: Buffer.from(JSON.stringify({ code, message })),
  };
}

const internalErrorAnswer = (): Answer => jsonAnswer(500, 'INTERNAL_SERVER_ERROR', 'internal server error');

function unavailableAnswer(retryAfterSeconds: number): Answer {
  return jsonAnswer(503, 'SERVICE_UNAVAILABLE', `the identity service is busy; retry in ${retryAfterSeconds} s`, {
    'retry-after': String(retryAfterSeconds),
  });
}

function send(res: ServerResponse, answer: Answer, cacheable = false): void {
  // The client went away (or a timeout answered for us): nothing left to write to.
  if (res.headersSent || res.destroyed) return;
  res.writeHead(answer.status, {
    ...answer.headers,
    ...commonHeaders,
    ...(cacheable ? {} : noStoreHeaders),
    'content-length': answer.body.length,
  });
  res.end(answer.body);
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Reads the request body, at most `limit` bytes (chunked bodies included). Resolves `undefined`
 * once it is over the limit (the rest is left unread: answer and close the connection); rejects
 * when the client goes away mid-body.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanUp = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanUp();
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanUp();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      cleanUp();
      reject(error);
    };
    const onClose = (): void => {
      cleanUp();
      reject(new Error('the client closed the connection before sending the whole body'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Headers that describe this hop's framing, not the request: the body is handed over whole. */
const hopHeaders = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/**
 * The Fetch API request Better Auth handles: the client's method, path and headers against the
 * service's own origin (a client's Host header never chooses it), the body already read.
 */
function toFetchRequest(req: IncomingMessage, body: Buffer, origin: string): Request {
  const target = new URL(req.url ?? '/', 'http://target.invalid');
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || hopHeaders.has(name)) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const method = req.method ?? 'GET';
  const withBody = method !== 'GET' && method !== 'HEAD' && body.length > 0;
  return new Request(`${origin}${target.pathname}${target.search}`, { method, headers, ...(withBody ? { body } : {}) });
}

function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** What {@link answerFromAuth} needs to explain and log a request. */
interface AnswerContext {
  logger: Logger;
  method: string | undefined;
  url: string | undefined;
}

/**
 * Turns Better Auth's outcome into the answer the client gets. Never a 500 for an outage: an
 * error answer to a request during which a query failed for the database's sake (even one Better
 * Auth swallowed and reported as 401, 422 or 500) becomes 503 + Retry-After. Other 5xx become a
 * generic 500 with nothing internal in it (the original goes to the log). 429 gets a standard
 * Retry-After; error answers without a JSON body get one.
 */
async function answerFromAuth(outcome: Observed<Response>, { logger, method, url }: AnswerContext): Promise<Answer> {
  const unavailable =
    outcome.unavailable ??
    (!outcome.ok && isDatabaseUnavailable(outcome.error)
      ? new DatabaseUnavailableError('database failure', { cause: outcome.error })
      : undefined);
  const shed = (failure: DatabaseUnavailableError): Answer => {
    logger.warn('request shed', {
      reason: 'database_unavailable',
      method,
      url,
      err: failure.cause instanceof Error ? failure.cause : failure,
    });
    return unavailableAnswer(retryAfterDatabaseSeconds);
  };
  if (!outcome.ok) {
    if (unavailable) return shed(unavailable);
    logger.error('auth request failed', { method, url, err: outcome.error });
    return internalErrorAnswer();
  }

  const response = outcome.value;
  const body = Buffer.from(await response.arrayBuffer());
  const status = response.status;
  // With a query failed underneath, an error answer says nothing true about the request: Better
  // Auth reports a failed session lookup as 401, a failed insert as 422, others as 500.
  if (unavailable && status >= 400) return shed(unavailable);
  const json = status >= 400 ? parseJsonObject(body) : undefined;
  if (status >= 500) {
    logger.error('auth request answered with a server error', { method, url, status, body: body.toString('utf8').slice(0, 500) });
    return internalErrorAnswer();
  }

  const headers: OutgoingHttpHeaders = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie' && name !== 'content-length' && name !== 'transfer-encoding') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;

  if (status === 429) {
    const retryAfter = /^\d+$/.test(response.headers.get('x-retry-after') ?? '') ? (response.headers.get('x-retry-after') as string) : '1';
    return jsonAnswer(429, 'TOO_MANY_REQUESTS', `too many requests; retry in ${retryAfter} s`, { ...headers, 'retry-after': retryAfter });
  }
  if (status >= 400 && json === undefined) {
    const code = codeByStatus[status] ?? 'BAD_REQUEST';
    return jsonAnswer(status, code, code.toLowerCase().replaceAll('_', ' '), {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
    });
  }
  return { status, headers, body };
}

/** The admission lanes (see {@link AdmissionConfig}). */
interface AdmissionLanes {
  password: Admission;
  general: Admission;
}

/** What {@link createRequestListener} serves with. */
interface ListenerDeps {
  auth: IdentityAuth;
  database: IdentityDatabase;
  admission: AdmissionLanes;
  logger: Logger;
  /** Origin of Better Auth's base URL. */
  origin: string;
}

/**
 * The request listener: `/healthz`, Better Auth under `/api/auth/*` (bounded bodies, the peer
 * address in {@link clientIpHeader}, admission control in two lanes, outage → 503), JSON 404 elsewhere,
 * `Cache-Control: no-store` on everything but the JWKS (session tokens and JWTs must never sit
 * in a cache), one access log line per request.
 */
function createRequestListener({ auth, database, admission, logger, origin }: ListenerDeps) {
  const serveAuth = async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    const cacheable = pathname === jwksPath && req.method === 'GET';
    const lane = passwordPaths.has(pathname) ? 'password' : 'general';
    const declaredLength = req.headers['content-length'];
    if (declaredLength !== undefined && Number(declaredLength) > maxBodyBytes) {
      send(res, jsonAnswer(413, 'PAYLOAD_TOO_LARGE', `request bodies are limited to ${maxBodyBytes} bytes`, { connection: 'close' }));
      return;
    }
    const body = await readBody(req, maxBodyBytes);
    if (body === undefined) {
      // The rest of the body is unread: the connection cannot carry another request.
      send(res, jsonAnswer(413, 'PAYLOAD_TOO_LARGE', `request bodies are limited to ${maxBodyBytes} bytes`, { connection: 'close' }));
      return;
    }

    // A client that hangs up while queued frees its place.
    const gone = new AbortController();
    res.once('close', () => gone.abort(new Error('the client closed the connection')));
    let release: () => void;
    try {
      release = await admission[lane].enter(gone.signal);
    } catch (error) {
      if (!(error instanceof OverloadError)) return;
      const { running, waiting } = admission[lane];
      logger.warn('request shed', { reason: error.reason, lane, method: req.method, url: req.url, running, waiting });
      send(res, unavailableAnswer(retryAfterOverloadSeconds));
      return;
    }
    try {
      const peer = req.socket.remoteAddress;
      if (peer === undefined) delete req.headers[clientIpHeader];
      else req.headers[clientIpHeader] = peer;
      const outcome = await database.observe(() => auth.handler(toFetchRequest(req, body, origin)));
      send(res, await answerFromAuth(outcome, { logger, method: req.method, url: req.url }), cacheable);
    } finally {
      release();
    }
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    res.once('close', () => {
      logger.info('request', {
        method: req.method,
        url: req.url,
        status: res.statusCode,
        // False: the connection closed before the whole answer was written.
        completed: res.writableFinished,
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
        remote_ip: req.socket.remoteAddress,
        user_agent: req.headers['user-agent'],
      });
    });
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    if (pathname === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      send(res, { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: Buffer.from('{"status":"ok"}') });
      return;
    }
    if (pathname !== authPrefix && !pathname.startsWith(`${authPrefix}/`)) {
      send(res, jsonAnswer(404, 'NOT_FOUND', 'not found'));
      return;
    }
    serveAuth(req, res, pathname).catch((error: unknown) => {
      // Only a client that vanished mid-body ends here; anything else is a bug worth seeing.
      if (res.destroyed || req.destroyed) {
        logger.debug('client went away', { url: req.url, err: error });
        return;
      }
      logger.error('request failed', { url: req.url, err: error });
      send(res, internalErrorAnswer());
    });
  };
}

/** Answers of {@link createClientErrorHandler}, by Node's error code. */
const clientErrorAnswers: Record<string, { status: number; reason: string; code: string; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    reason: 'Request Timeout',
    code: 'REQUEST_TIMEOUT',
    message: 'the request was not received in time',
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: 'Request Header Fields Too Large',
    code: 'HEADER_TOO_LARGE',
    message: 'the request header fields are too large',
  },
};
const badRequestAnswer = { status: 400, reason: 'Bad Request', code: 'MALFORMED_REQUEST', message: 'the request is not valid HTTP' };

/**
 * Handles what Node rejects before any request handler runs: headers or request not received in
 * time (408), header fields over the size limit (431), unparsable HTTP (400). Answers with a JSON
 * body, then closes the connection; one log line each.
 */
function createClientErrorHandler(logger: Logger) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const answer = (error.code !== undefined ? clientErrorAnswers[error.code] : undefined) ?? badRequestAnswer;
    // A response already on its way on this connection cannot be followed by another one.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    const answered = socket.writable && (!inFlight || !inFlight.headersSent);
    if (answered) {
      const body = JSON.stringify({ code: answer.code, message: answer.message });
      socket.write(
        `HTTP/1.1 ${answer.status} ${answer.reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    const fields = { code: error.code, status: answered ? answer.status : undefined, remote_ip: socket.remoteAddress };
    socket.destroy();
    if (answer === badRequestAnswer) logger.debug('client error', fields);
    else logger.info('client error', fields);
  };
}

/**
 * The HTTP server with the limits against slow and idle clients: header and request timeouts
 * (checked often enough to fire on time — Node's default check runs only every 30 s), keep-alive
 * idle timeout, JSON answers for what Node itself rejects.
 */
function createHttpServer(limits: HttpLimits, listener: ReturnType<typeof createRequestListener>, logger: Logger): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    listener,
  );
  server.on('clientError', createClientErrorHandler(logger));
  return server;
}

/**
 * Starts the identity service: opens the storage, migrates schema `identity`, builds Better
 * Auth, makes sure a live, decryptable signing key exists (see {@link ensureSigningKey}), and
 * only then listens on config.host:config.port (so the first client, e.g. the API's eager JWKS
 * fetch, finds it ready) — `GET /healthz` → `{"status":"ok"}`, Better Auth under `/api/auth/*`
 * (JWKS at `/api/auth/jwks`, JWT at `/api/auth/token`), anything else 404. Rejects, after closing
 * what it opened, when any step fails (database unreachable, data directory in use, stored keys
 * unreadable with this secret, port taken).
 */
export async function startIdentityService({ config, logger }: IdentityServiceDeps): Promise<IdentityService> {
  const passwordPolicy = createPasswordPolicy(loadCommonPasswords());
  const database = await openDatabase(config.storage, logger);
  let server: Server | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (server?.listening) {
        const stopped = new Promise<void>((resolve) => server?.close(() => resolve()));
        server.closeIdleConnections();
        const deadline = setTimeout(() => server?.closeAllConnections(), config.shutdownTimeoutSeconds * 1000);
        deadline.unref();
        await stopped;
        clearTimeout(deadline);
      }
      await database.close();
    })();
    return closing;
  };

  try {
    const baseUrl = config.baseUrl ?? `http://${hostForUrl(config.host)}:${config.port}`;
    const deps = { database, config, baseUrl, logger, passwordPolicy };
    await migrateIdentityDatabase(database, identityAuthOptions(deps), logger);
    const auth = createAuth(deps);
    const kids = await ensureSigningKey({
      auth,
      database,
      secret: config.secret,
      discardUnreadableKeys: config.discardUnreadableKeys,
      logger,
    });
    logger.info('signing keys published', { kids, common_passwords: passwordPolicy.commonPasswordCount });

    const admission = { password: createAdmission(config.admission.password), general: createAdmission(config.admission.general) };
    const listener = createRequestListener({ auth, database, admission, logger, origin: new URL(baseUrl).origin });
    server = createHttpServer(config.http, listener, logger);
    const address = await listen(server, config.port, config.host);
    const url = `http://${hostForUrl(config.host)}:${address.port}`;
    return { url, baseUrl, auth, database, server, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
