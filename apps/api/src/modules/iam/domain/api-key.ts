import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { invalidField } from '../../../platform/errors/app-error.js';
import type { AuditParty } from './audit.js';
import type { OrgKind } from './org.js';

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

const yearMs = 365 * 24 * 3600 * 1000;

/** The default deactivation date of a new key: one year from now. */
export function defaultKeyDeactivation(now: () => number): Date {
  return new Date(now() + yearMs);
}

/**
 * Parses a key deactivation date (`YYYY-MM-DD` = end of that day UTC, or RFC 3339); it must lie
 * in the future. Undefined when not given. Throws `input_validation_error` on `param`.
 */
export function parseDeactivationDate(value: string | undefined, param: string, now: () => number): Date | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  let date: Date | undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    date = new Date(`${v}T23:59:59.999Z`);
    if (date.toISOString().slice(0, 10) !== v) date = undefined;
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(v)) {
    date = new Date(v);
  }
  if (!date || Number.isNaN(date.getTime())) {
    throw invalidField(param, `${param} must be a date (YYYY-MM-DD) or an RFC 3339 timestamp`, 'invalid_date_format');
  }
  if (date.getTime() <= now()) throw invalidField(param, `${param} must be in the future`);
  return date;
}

/** An API key as stored and shown (never the key itself). */
export interface ApiKeyInfo {
  keyId: string;
  prefix: string;
  deactivationDate: Date;
  createdAt: Date;
}

/** An API key as an operator lists it: its state and who created / last changed it (never the key). */
export interface ApiKeyRecord extends ApiKeyInfo {
  revokedAt: Date | null;
  updatedAt: Date;
  createdBy: AuditParty;
  updatedBy: AuditParty;
}

/** An app with its org and keys, as an operator lists it. */
export interface AppKeys {
  appId: string;
  appExternalId: string;
  appName: string;
  orgExternalId: string;
  orgName: string;
  orgKind: OrgKind;
  keys: ApiKeyRecord[];
}
