import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every API key starts with this, so leaked keys can be found by secret scanners. */
export const apiKeyPrefix = 'chk_';

const keyIdLength = 16; // 12 random bytes, base64url
const secretLength = 32; // 24 random bytes (192 bits), base64url
const keyLength = apiKeyPrefix.length + keyIdLength + secretLength;

/** A freshly generated key: the plaintext (shown once) and what is stored. */
export interface GeneratedApiKey {
  key: string;
  keyId: string;
  /** The displayable start of the key, e.g. `chk_Ab12Cd`. */
  prefix: string;
  hash: Buffer;
}

/** SHA-256 of a key. Keys carry 192 random bits, so a fast hash is safe (no password stretching needed). */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** Generates a key `chk_<keyId><secret>`; the key id is public (shown in app responses), the secret never stored. */
export function generateApiKey(): GeneratedApiKey {
  const keyId = randomBytes(12).toString('base64url');
  const key = `${apiKeyPrefix}${keyId}${randomBytes(24).toString('base64url')}`;
  return { key, keyId, prefix: `${apiKeyPrefix}${keyId.slice(0, 6)}`, hash: hashApiKey(key) };
}

/** The key id inside a presented key, or undefined when it cannot be one of ours. */
export function keyIdOf(key: string): string | undefined {
  if (key.length !== keyLength || !key.startsWith(apiKeyPrefix) || !/^[A-Za-z0-9_-]+$/.test(key.slice(apiKeyPrefix.length))) {
    return undefined;
  }
  return key.slice(apiKeyPrefix.length, apiKeyPrefix.length + keyIdLength);
}

/** Compares a presented key with a stored hash in constant time. */
export function apiKeyMatches(key: string, storedHash: Buffer): boolean {
  const presented = hashApiKey(key);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}
