import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../errors/app-error.js';
import type { AppAuthenticator, Authorizer, RequestAuth, TokenVerifier } from '../auth/ports.js';
import { parseBearer } from '../auth/bearer.js';
import { authFailures, isAuthFailureReason, unauthenticated } from '../auth/auth-failure.js';
import type { PresentedCredential, RateLimiter } from './rate-limit.js';
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

/**
 * The credentials of `request` that `op` will check: the `Authorization` header when the
 * operation takes a JWT, the app id with its key when it takes app credentials (one header
 * alone carries no secret and is not a credential). Built only when rate limiting is on.
 */
function presentedCredentials(request: FastifyRequest, op: SpecOperation): PresentedCredential[] {
  const presented: PresentedCredential[] = [];
  const authorization = op.security.user === 'none' ? undefined : request.headers.authorization;
  if (authorization !== undefined) presented.push({ kind: 'token', authorization });
  if (op.security.app) {
    const appId = singleHeader(request.headers['x-app-id']);
    const apiKey = singleHeader(request.headers['x-api-key']);
    if (appId !== undefined && apiKey !== undefined) presented.push({ kind: 'app', appId, apiKey });
  }
  return presented;
}

/** True when every credential in `presented` was verified before (cache lookups only). */
function allKnown(deps: SecurityDeps, presented: readonly PresentedCredential[]): boolean {
  for (const credential of presented) {
    if (credential.kind === 'token') {
      const token = parseBearer(credential.authorization);
      if (token === undefined || token === 'malformed' || !deps.verifier.knows(token)) return false;
    } else if (!deps.appAuthenticator?.knows(credential)) {
      return false;
    }
  }
  return true;
}

/**
 * Builds the one security hook of the platform. For each operation it applies what the spec
 * declares — JWT required or optional, app credentials, rate limit, RBAC — in the required
 * order (401, then 429, then 403), and leaves the caller in `request.auth`. Runs as a
 * preValidation hook, so media type and size (415/413) are checked before it and body
 * validation (400) after it.
 *
 * Rate limiting (when `rateLimiter` is set): the request counts against its app once one is
 * authenticated, else against its IP (`request.ip`, see TRUST_PROXY), and carries the
 * `RateLimit`/`RateLimit-Policy` headers. A 401 whose reason condemns a presented credential
 * (a bad token, a wrong app key; not a missing one) counts against that credential and, once per
 * credential, against the address; a blocked credential, or a credential not seen before from a
 * blocked address, gets 429 before it is checked (see {@link RateLimiter}).
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
        const presented = presentedCredentials(request, op);
        if (presented.length > 0) rateLimiter.assertMayAuthenticate(request.ip, presented, () => allKnown(deps, presented));
        try {
          await authenticate(request, auth);
        } catch (error) {
          if (isAppError(error) && error.kind === 'unauthenticated' && isAuthFailureReason(error.code)) {
            const condemned = authFailures[error.code].credential;
            const credential = presented.find((c) => c.kind === condemned);
            if (credential !== undefined) await rateLimiter.recordFailure(request.ip, credential);
          }
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
        if (optionalBody && sent && request.body === null)
          throw new AppError('invalid_request_error', 'request body must be a JSON object');
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
      auth.app = await deps.appAuthenticator.authenticate(appId !== undefined ? { appId, apiKey } : { clientId });
    }
  };
}
