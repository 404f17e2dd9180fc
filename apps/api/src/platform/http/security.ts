import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../errors/app-error.js';
import type { AppAuthenticator, Authorizer, RequestAuth, TokenVerifier } from '../auth/ports.js';
import { parseBearer } from '../auth/bearer.js';
import { unauthenticated } from '../auth/auth-failure.js';
import type { RateLimiter } from './rate-limit.js';
import type { SpecOperation } from './spec.js';

/** What the security hook needs; app authentication and RBAC come from the iam module. */
export interface SecurityDeps {
  verifier: TokenVerifier;
  appAuthenticator?: AppAuthenticator;
  authorizer?: Authorizer;
  /** Rate limiting (RATE_LIMIT_MAX > 0); absent = off, at no cost per request. */
  rateLimiter?: RateLimiter;
  /**
   * Route templates never rate limited; default the liveness and readiness probes (a throttled
   * probe would take a healthy instance out of service).
   */
  rateLimitExempt?: readonly string[];
}

const defaultRateLimitExempt = ['/healthz', '/readyz'];

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** True when the request presents credentials of any kind (a token, an app id or key). */
function presentsCredentials(request: FastifyRequest): boolean {
  const headers = request.headers;
  return headers.authorization !== undefined || headers['x-api-key'] !== undefined || headers['x-app-id'] !== undefined;
}

/**
 * Builds the one security hook of the platform. For each operation it applies what the spec
 * declares — JWT required or optional, app credentials, rate limit, RBAC — in the contract's
 * order (401, then 429, then 403), and leaves the caller in `request.auth`. Runs as a
 * preValidation hook, so media type and size (415/413) are checked before it and body
 * validation (400) after it.
 *
 * Rate limiting (when `rateLimiter` is set): the request counts against its app once one is
 * authenticated, else against its IP (`request.ip`, see TRUST_PROXY), and carries the
 * `RateLimit`/`RateLimit-Policy` headers. A 401 on a request that presented credentials counts
 * against the IP's failed-credentials budget; an IP over that budget gets 429 for every request
 * that presents credentials, before they are checked.
 */
export function createSecurityHook(deps: SecurityDeps) {
  const exempt = new Set(deps.rateLimitExempt ?? defaultRateLimitExempt);
  return function hookFor(op: SpecOperation) {
    const rateLimiter = exempt.has(op.path) ? undefined : deps.rateLimiter;
    const authenticate = createAuthenticator(deps, op);
    const { rbac } = op.security;
    const rejectsBody = !op.hasBody;
    const optionalBody = op.hasBody && !op.bodyRequired;
    return async function securityHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const auth: RequestAuth = {};
      request.auth = auth;
      if (rateLimiter === undefined) {
        await authenticate(request, auth);
      } else {
        const credentials = presentsCredentials(request);
        if (credentials) rateLimiter.assertNotBlocked(request.ip);
        try {
          await authenticate(request, auth);
        } catch (error) {
          if (credentials && isAppError(error) && error.kind === 'unauthenticated') await rateLimiter.recordAuthFailure(request.ip);
          throw error;
        }
        reply.headers(await rateLimiter.consume(auth.app ? { appId: auth.app.id } : { ip: request.ip }));
      }
      if (rbac) {
        if (!auth.user || !auth.app || !deps.authorizer) throw new AppError('forbidden', 'access denied');
        const allowed = await deps.authorizer.isAuthorized(auth.user, auth.app, op.path, op.method);
        if (!allowed) throw new AppError('forbidden', `no permission for ${op.method} ${op.path}`);
      }
      if (rejectsBody || optionalBody) {
        const sent = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
        if (rejectsBody && sent) throw new AppError('invalid_request_error', 'this operation takes no request body');
        if (optionalBody && sent && request.body === null) throw new AppError('invalid_request_error', 'request body must be a JSON object');
      }
    };
  };
}

/**
 * The authentication steps an operation declares (JWT required or optional, app credentials),
 * filling `auth`; throws `unauthenticated` (401) whose code says why.
 */
function createAuthenticator(deps: SecurityDeps, op: SpecOperation) {
  const { user: userMode, app: appRequired } = op.security;
  return async function authenticate(request: FastifyRequest, auth: RequestAuth): Promise<void> {
    if (userMode !== 'none') {
      const header = request.headers.authorization;
      const token = parseBearer(header);
      if (token === undefined) {
        if (userMode === 'required') throw unauthenticated('credentials_missing');
      } else if (token === 'malformed') {
        throw unauthenticated('token_malformed');
      } else {
        auth.user = await deps.verifier.verify(token);
      }
    }
    if (appRequired) {
      const appId = singleHeader(request.headers['x-app-id']);
      const apiKey = singleHeader(request.headers['x-api-key']);
      if ((appId === undefined) !== (apiKey === undefined)) {
        throw unauthenticated('app_credentials_incomplete');
      }
      const clientId = auth.user?.clientId;
      if (appId === undefined && clientId === undefined) throw unauthenticated('app_credentials_required');
      if (!deps.appAuthenticator) throw unauthenticated('app_auth_unavailable');
      auth.app = await deps.appAuthenticator.authenticate(
        appId !== undefined ? { appId, apiKey } : { clientId },
      );
    }
  };
}
