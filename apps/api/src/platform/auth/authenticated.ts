import { AppError } from '../errors/app-error.js';
import type { AuthApp, AuthUser, RequestAuth } from './ports.js';

/**
 * What a handler of an operation that declares a JWT (and app credentials) receives. The
 * platform's security hook never lets such a request through without them; these guards catch
 * wiring mistakes only (an operation whose spec lost its security), as a 401.
 */

/** The token user of a JWT-secured operation; `unauthenticated` when there is none. */
export function authenticatedUser(auth: RequestAuth): AuthUser {
  if (!auth.user) throw new AppError('unauthenticated', 'authentication required');
  return auth.user;
}

/** The token user and the app of a request secured by JWT and app credentials. */
export interface AuthenticatedCaller {
  user: AuthUser;
  app: AuthApp;
}

/** The caller of an operation secured by JWT and app credentials; `unauthenticated` when either is missing. */
export function authenticatedCaller(auth: RequestAuth): AuthenticatedCaller {
  const user = authenticatedUser(auth);
  if (!auth.app) throw new AppError('unauthenticated', 'authentication required');
  return { user, app: auth.app };
}

/** A person's name as audit fields record it: first and last, each trimmed, null when unknown. */
export interface PersonName {
  firstName: string | null;
  lastName: string | null;
}

/**
 * The person's name taken from a token user's claims, the one rule every module records it by.
 * `given_name` / `family_name` win when either is non-blank (the other may stay null); otherwise
 * `name` is split at its first run of whitespace ("Otto Maddox" → Otto / Maddox, "Jean Claude Van
 * Damme" → Jean / Claude Van Damme, "Cher" → Cher / null). Values are trimmed; blank claims count
 * as absent, so `given_name: "  "` with `name: "Cher"` is Cher / null. No usable claim → both null.
 */
export function personNameOf(claims: Pick<AuthUser, 'givenName' | 'familyName' | 'name'>): PersonName {
  const given = claims.givenName?.trim() || null;
  const family = claims.familyName?.trim() || null;
  if (given !== null || family !== null) return { firstName: given, lastName: family };
  const full = claims.name?.trim() ?? '';
  if (full === '') return { firstName: null, lastName: null };
  const split = /^(\S+)\s+(.+)$/s.exec(full);
  return split ? { firstName: split[1]!, lastName: split[2]! } : { firstName: full, lastName: null };
}
