import { symmetricDecrypt } from 'better-auth/crypto';
import type { IdentityAuth } from './auth.js';
import { identitySchema } from './database.js';
import type { IdentityDatabase } from './database.js';
import type { Logger } from './logger.js';

/** The setting that lets a start discard stored signing keys it cannot decrypt. */
export const discardUnreadableKeysSetting = 'DISCARD_UNREADABLE_SIGNING_KEYS';

/**
 * Stored signing keys cannot be decrypted with the configured secret (BETTER_AUTH_SECRET changed,
 * or another instance with a different secret shares the database). The message names the cause
 * and both remedies; `kids` are the affected key ids (public values).
 */
export class UnreadableSigningKeysError extends Error {
  constructor(readonly kids: string[]) {
    super(
      `the stored JWKS signing keys (${kids.join(', ')}) cannot be decrypted with the configured BETTER_AUTH_SECRET: ` +
        'it is not the secret they were encrypted with. ' +
        'Remedy: restore the original BETTER_AUTH_SECRET; or, to discard those keys and let the service generate new ones, ' +
        `start once with ${discardUnreadableKeysSetting}=true (tokens signed with the discarded keys then stop verifying).`,
    );
    this.name = 'UnreadableSigningKeysError';
  }
}

interface StoredKey {
  id: string;
  privateKey: string;
}

/** Ids of the stored keys whose private key `secret` does not decrypt. */
async function findUnreadableKeys(database: IdentityDatabase, secret: string): Promise<string[]> {
  const rows = (await database.kysely.withSchema(identitySchema).selectFrom('jwks').select(['id', 'privateKey']).execute()) as StoredKey[];
  const unreadable: string[] = [];
  for (const row of rows) {
    try {
      // Better Auth stores the private JWK encrypted with the secret, JSON-encoded.
      await symmetricDecrypt({ key: secret, data: JSON.parse(row.privateKey) as string });
    } catch {
      unreadable.push(row.id);
    }
  }
  return unreadable;
}

/** What {@link ensureSigningKey} needs. */
export interface SigningKeyDeps {
  auth: IdentityAuth;
  database: IdentityDatabase;
  secret: string;
  /** {@link discardUnreadableKeysSetting}: delete undecryptable keys instead of refusing to start. */
  discardUnreadableKeys: boolean;
  logger: Logger;
}

/**
 * Makes sure a live signing key exists, is published, and can be used. First every stored key
 * must decrypt with the configured secret: if one does not, the start is refused with
 * {@link UnreadableSigningKeysError} — or, with `discardUnreadableKeys`, those keys are deleted
 * (logged at warn). Better Auth mints keys lazily (first JWKS or token request; after rotation,
 * the first token request), but the API fetches the JWKS eagerly at startup and refuses an empty
 * one — which it would be after downtime longer than rotation interval + grace period — so a
 * throwaway token is signed, minting a key when none is live. Returns the published key ids.
 * @throws UnreadableSigningKeysError as above; whatever the database throws.
 */
export async function ensureSigningKey({ auth, database, secret, discardUnreadableKeys, logger }: SigningKeyDeps): Promise<string[]> {
  const unreadable = await findUnreadableKeys(database, secret);
  if (unreadable.length > 0) {
    if (!discardUnreadableKeys) throw new UnreadableSigningKeysError(unreadable);
    await database.kysely.withSchema(identitySchema).deleteFrom('jwks').where('id', 'in', unreadable).execute();
    logger.warn('discarded signing keys that the configured secret cannot decrypt; tokens they signed no longer verify', {
      kids: unreadable,
      setting: discardUnreadableKeysSetting,
    });
  }
  // Never leaves the process: only proves the signing path works end to end.
  await auth.api.signJWT({ body: { payload: { sub: 'identity-startup-check' } } });
  const jwks = await auth.api.getJwks();
  return jwks.keys.flatMap((key) => (key.kid === undefined ? [] : [key.kid]));
}
