import type { User } from '../domain/user.js';
import type { components } from './openapi.gen.js';

/** A user on the wire. */
export function toUserBody(u: User): components['schemas']['User'] {
  return {
    external_id: u.externalId,
    subject: u.subject,
    issuer: u.issuer,
    email: u.email,
    name: u.name,
    given_name: u.givenName,
    family_name: u.familyName,
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
  };
}
