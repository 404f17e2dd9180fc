import { AppError } from '../errors/app-error.js';

/** The realm of every Bearer challenge this API sends. */
const realm = 'chompardo';

/** Which presented credential a failure condemns (what the failed-credentials throttle counts). */
export type FailedCredential = 'token' | 'app';

interface FailureInfo {
  /**
   * The RFC 6750 `error_description`, or `undefined` when no credentials were presented (the
   * challenge then carries no error attribute). Short, fixed text: never a key, claim value or
   * anything else taken from the request, and never a distinction that tells a guesser whether
   * an app id exists.
   */
  description: string | undefined;
  /** The credential shown to be invalid, or `undefined` when nothing was (missing, not wrong). */
  credential: FailedCredential | undefined;
}

/**
 * Every reason a request can fail authentication, as error codes (`AppError.code` of kind
 * `unauthenticated`). The verifier and the app authenticator pick one; the error handler turns it
 * into the `WWW-Authenticate` challenge and a debug log line.
 */
export const authFailures = {
  /** No token where one is required (or no metrics token): a bare challenge. */
  credentials_missing: { description: undefined, credential: undefined },
  /** Not a `Bearer <b64token>` header, not a compact JWS, empty or over-long. */
  token_malformed: { description: 'malformed token', credential: 'token' },
  token_expired: { description: 'token expired', credential: 'token' },
  /** `nbf` or `iat` later than now plus the allowed skew. */
  token_not_yet_valid: { description: 'token not yet valid', credential: 'token' },
  token_signature: { description: 'invalid signature', credential: 'token' },
  /** No published key matches the token's `kid` / `alg` (after the on-demand JWKS refetch). */
  token_unknown_key: { description: 'unknown signing key', credential: 'token' },
  /** `alg` outside the allowlist (`none`, HMAC, or a family the JWKS does not offer). */
  token_algorithm: { description: 'unsupported algorithm', credential: 'token' },
  /** `jwk`, `jku`, `x5u` or `x5c` in the header: the token may not choose its own key. */
  token_key_header: { description: 'key references not accepted', credential: 'token' },
  /** `iss` names no trusted issuer (`AUTH_ISSUER`, or no entry of `AUTH_ISSUERS`). */
  token_issuer: { description: 'untrusted issuer', credential: 'token' },
  token_audience: { description: 'invalid audience', credential: 'token' },
  /** A required claim (`exp`, `sub`) missing, empty or of the wrong type. */
  token_claims: { description: 'invalid claims', credential: 'token' },
  /** Any other refusal of a presented token (also a wrong metrics token). */
  token_invalid: { description: 'invalid token', credential: 'token' },
  /** A valid token but no app: neither app headers nor a client id claim. */
  app_credentials_required: { description: 'app credentials required', credential: undefined },
  /** Only one of `X-APP-ID` and `X-API-KEY`. */
  app_credentials_incomplete: { description: 'incomplete app credentials', credential: undefined },
  /** Unknown app, wrong, revoked or expired key: deliberately one answer for all of them. */
  app_credentials_invalid: { description: 'invalid app credentials', credential: 'app' },
  /** The token's `azp` / `client_id` names no registered app. */
  app_unknown_client: { description: 'no app for this client', credential: undefined },
  /** The deployment wires no app authenticator (a configuration fault, not the client's). */
  app_auth_unavailable: { description: 'app authentication unavailable', credential: undefined },
} as const satisfies Record<string, FailureInfo>;

/** Why authentication failed: a key of {@link authFailures}. */
export type AuthFailureReason = keyof typeof authFailures;

/**
 * `value` as an RFC 7230 quoted-string: backslash and double quote escaped, and anything outside
 * printable ASCII dropped (RFC 6750 restricts `error_description` to it), so no text can break
 * out of the parameter or the header.
 */
export function quotedString(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '').replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * The `WWW-Authenticate` value for `description`: the bare `Bearer realm=…` challenge when it is
 * undefined (no credentials presented), else with `error="invalid_token"` and the quoted
 * description (RFC 6750 §3).
 */
export function formatBearerChallenge(description: string | undefined): string {
  const bare = `Bearer realm=${quotedString(realm)}`;
  return description === undefined ? bare : `${bare}, error="invalid_token", error_description=${quotedString(description)}`;
}

/** Precomputed per reason: the error handler sends one of these strings, nothing is built per request. */
const challenges = Object.fromEntries(
  Object.entries(authFailures).map(([reason, info]) => [reason, formatBearerChallenge(info.description)]),
) as Record<AuthFailureReason, string>;

/** True when `code` is one of the {@link authFailures} reasons. */
export function isAuthFailureReason(code: string | undefined): code is AuthFailureReason {
  return code !== undefined && Object.hasOwn(authFailures, code);
}

/**
 * The `WWW-Authenticate` value of a 401 whose `AppError.code` is `code`; an unknown or absent
 * code gets the bare challenge (nothing said that was not decided on purpose).
 */
export function bearerChallenge(code: string | undefined): string {
  return isAuthFailureReason(code) ? challenges[code] : challenges.credentials_missing;
}

/**
 * The 401 of `reason`: AppError `unauthenticated` with `code = reason` (the error handler derives
 * the challenge from it), the description as its log message and `cause` kept for the log.
 */
export function unauthenticated(reason: AuthFailureReason, cause?: unknown): AppError {
  return new AppError('unauthenticated', authFailures[reason].description ?? 'authentication required', {
    code: reason,
    ...(cause === undefined ? {} : { cause }),
  });
}
