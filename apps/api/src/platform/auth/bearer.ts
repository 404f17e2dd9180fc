/**
 * `Bearer` + whitespace + an RFC 6750 b64token, surrounded by optional whitespace. The scheme is
 * matched case-insensitively (RFC 7235 §2.1); one or more spaces or tabs may separate it from the
 * token. Anchored with no nested quantifiers, so it runs in linear time on hostile input.
 */
const bearerPattern = /^[ \t]*bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;

/**
 * Extracts the bearer token from an `Authorization` header value.
 *
 * - `undefined` header → `undefined` (no credentials presented: the caller answers the bare
 *   challenge, without an error code, when auth is required).
 * - A well-formed `Bearer <token>` (scheme in any case, any spaces/tabs around) → the token.
 * - Anything else that was sent — another scheme, `Bearer` without a token, an empty or blank
 *   header, whitespace or illegal characters inside the token → `'malformed'` (credentials were
 *   presented but are unusable: always a 401, also on routes where authentication is optional).
 *
 * Pure and allocation-light; safe to call on every request.
 */
export function parseBearer(header: string | undefined): string | undefined | 'malformed' {
  if (header === undefined) return undefined;
  const match = bearerPattern.exec(header);
  return match?.[1] ?? 'malformed';
}
