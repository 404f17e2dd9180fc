import { randomBytes } from 'node:crypto';

/**
 * A new external id: 128 random bits, base64url (22 characters, URL-safe). Resources are
 * addressed by these; internal keys never leave the server (docs/conventions.md).
 */
export function newExternalId(): string {
  return randomBytes(16).toString('base64url');
}
