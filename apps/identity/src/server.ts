import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from 'better-auth/node';
import { clientIpHeader, createAuth, ensureSigningKey, identityAuthOptions } from './auth.js';
import type { IdentityAuth } from './auth.js';
import type { IdentityConfig } from './config.js';
import { migrateIdentityDatabase, openDatabase } from './database.js';
import type { IdentityDatabase } from './database.js';
import type { Logger } from './logger.js';

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

/** Largest request body the auth endpoints accept (they take small JSON documents). */
const maxBodyBytes = 64 * 1024;

function sendJson(res: ServerResponse, status: number, body: unknown, closeConnection = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    // After refusing a body unread, the connection cannot carry another request.
    ...(closeConnection ? { connection: 'close' } : {}),
  });
  res.end(text);
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

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The request listener: `/healthz`, Better Auth under `/api/auth/*` (bounded bodies, the peer
 * address in {@link clientIpHeader}), 404 elsewhere, one access log line per request.
 */
function createRequestListener(authHandler: NodeHandler, logger: Logger) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    res.on('finish', () => {
      logger.info('request', {
        method: req.method,
        url: req.url,
        status: res.statusCode,
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
        remote_ip: req.socket.remoteAddress,
        user_agent: req.headers['user-agent'],
      });
    });
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    if (pathname === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if (pathname !== authPrefix && !pathname.startsWith(`${authPrefix}/`)) {
      sendJson(res, 404, { code: 'NOT_FOUND', message: 'not found' });
      return;
    }
    // Better Auth's node adapter reads bodies without a size limit: bound them here.
    const declaredLength = req.headers['content-length'];
    if (declaredLength === undefined && req.headers['transfer-encoding'] !== undefined) {
      sendJson(res, 411, { code: 'LENGTH_REQUIRED', message: 'a content-length header is required' }, true);
      return;
    }
    if (declaredLength !== undefined && Number(declaredLength) > maxBodyBytes) {
      sendJson(res, 413, { code: 'PAYLOAD_TOO_LARGE', message: `request bodies are limited to ${maxBodyBytes} bytes` }, true);
      return;
    }
    const peer = req.socket.remoteAddress;
    if (peer === undefined) delete req.headers[clientIpHeader];
    else req.headers[clientIpHeader] = peer;
    authHandler(req, res).catch((error: unknown) => {
      logger.error('auth request failed', { err: error, url: req.url });
      if (!res.headersSent) sendJson(res, 500, { code: 'INTERNAL_SERVER_ERROR', message: 'internal error' });
      else res.destroy();
    });
  };
}

/**
 * Starts the identity service: opens the storage, migrates schema `identity`, builds Better
 * Auth, makes sure a live signing key exists, and only then listens on config.host:config.port
 * (so the first client, e.g. the API's eager JWKS fetch, finds it ready) —
 * `GET /healthz` → `{"status":"ok"}`, Better Auth under `/api/auth/*` (JWKS at
 * `/api/auth/jwks`, JWT at `/api/auth/token`), anything else 404. Rejects, after closing what
 * it opened, when any step fails (database unreachable, data directory in use, port taken).
 */
export async function startIdentityService({ config, logger }: IdentityServiceDeps): Promise<IdentityService> {
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
    const deps = { database, config, baseUrl, logger };
    await migrateIdentityDatabase(database, identityAuthOptions(deps), logger);
    const auth = createAuth(deps);
    const kids = await ensureSigningKey(auth);
    logger.info('signing keys published', { kids });

    server = createServer(createRequestListener(toNodeHandler(auth), logger));
    // Slow or idle clients must not hold the server.
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    server.keepAliveTimeout = 5_000;
    const address = await listen(server, config.port, config.host);
    const url = `http://${hostForUrl(config.host)}:${address.port}`;
    return { url, baseUrl, auth, database, server, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
