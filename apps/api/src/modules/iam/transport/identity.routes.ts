import type { AuthUser, RequestAuth } from '../../../platform/auth/ports.js';
import { AppError } from '../../../platform/errors/app-error.js';
import type { OperationHandlers } from '../../../platform/http/operation.js';
import type { IdentityService } from '../application/identity.service.js';
import type { Me } from '../domain/identity.js';
import { toUserBody } from './user.mapping.js';
import type { components, operations } from './openapi.gen.js';

/** The operations bound here: the caller's user with its person, and linking another identity. */
export type IdentityOperations = Pick<operations, 'findMe' | 'linkIdentity'>;

// The security hook guarantees a user for these operations; the check guards wiring mistakes.
function userOf(auth: RequestAuth): AuthUser {
  if (!auth.user) throw new AppError('unauthenticated', 'authentication required');
  return auth.user;
}

/** The caller's user on the wire with `person_external_id` and `identities`. */
export function toMeBody(me: Me): components['schemas']['Me'] {
  return {
    ...toUserBody(me.user),
    person_external_id: me.personExternalId,
    identities: me.identities.map((i) => ({ issuer: i.issuer, subject: i.subject })),
  };
}

/** Handlers of `findMe` and `linkIdentity`, typed from the spec. */
export function createIdentityHandlers(identities: IdentityService): OperationHandlers<IdentityOperations> {
  return {
    findMe: async ({ auth }) => ({ status: 200, body: toMeBody(await identities.findMe(userOf(auth))) }),
    linkIdentity: async ({ auth, body }) => {
      const { created, me } = await identities.linkIdentity(userOf(auth), body.token);
      return created ? { status: 201, body: toMeBody(me), headers: { Location: '/api/v1/users/me' } } : { status: 200, body: toMeBody(me) };
    },
  };
}
