import type { AuthenticatedCaller } from '../../../platform/auth/authenticated.js';
import { AppError } from '../../../platform/errors/app-error.js';
import type { Actor } from '../domain/audit.js';

/** The authenticated caller of an app-authenticated operation. */
export type Caller = AuthenticatedCaller;

/** Resolves the audit actor (internal app and user ids) of a caller. */
export type ActorResolver = (caller: Caller) => Promise<Actor>;

/** True when the caller's app belongs to the Principal org (may address every org). */
export function isPrincipal(caller: Caller): boolean {
  return caller.app.orgKind === 'principal';
}

/** Platform-wide definitions (permissions, roles) are written only through a Principal-org app. */
export function requirePrincipal(caller: Caller): void {
  if (!isPrincipal(caller)) throw new AppError('forbidden', 'only apps of the Principal org may change platform-wide definitions');
}
