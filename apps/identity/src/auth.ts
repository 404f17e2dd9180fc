import { betterAuth } from 'better-auth';
import type { BetterAuthOptions } from 'better-auth';
import { bearer, jwt } from 'better-auth/plugins';
import type { IdentityConfig, LogLevel } from './config.js';
import { identitySchema } from './database.js';
import type { IdentityDatabase } from './database.js';
import { inputRules } from './input-rules.js';
import { errorFields } from './logger.js';
import type { Logger } from './logger.js';
import { maxPasswordLength, minPasswordLength } from './password-policy.js';
import type { PasswordPolicy } from './password-policy.js';
import { checkEmailLength, maxNameLength } from './profile-rules.js';

/**
 * Request header carrying the TCP peer address to Better Auth (rate limiting, session records).
 * The server sets it on every request, replacing whatever a client sent, so it cannot be forged
 * the way a client-supplied `x-forwarded-for` could.
 */
export const clientIpHeader = 'x-chompardo-client-ip';

/** What {@link createAuth} builds on. */
export interface AuthDeps {
  database: IdentityDatabase;
  config: IdentityConfig;
  /** Public base URL of the running service (Better Auth's `baseURL`). */
  baseUrl: string;
  logger: Logger;
  passwordPolicy: PasswordPolicy;
}

/** Claims of an issued token besides the registered ones (`iss`, `aud`, `sub`, `iat`, `exp`). */
export interface TokenProfileClaims {
  /** Absent only for a stored address over the RFC 5321 lengths (accepted before they were enforced). */
  email?: string;
  name: string;
  given_name?: string;
  family_name?: string;
}

/**
 * The profile claims of a user's token: email and name, plus given_name (first word of the name)
 * and family_name (the rest) when the name has at least two words. Nothing else of the user
 * record (no emailVerified, image, timestamps) leaves the identity service. Records older than
 * the input bounds cannot make a token too large: a longer name is cut to 200 characters and an
 * email over the RFC 5321 lengths is left out.
 */
export function tokenProfileClaims(user: { email: string; name: string }): TokenProfileClaims {
  const name = [...user.name.trim()].slice(0, maxNameLength).join('');
  const claims: TokenProfileClaims = checkEmailLength(user.email) === undefined ? { email: user.email, name } : { name };
  const words = name.split(/\s+/).filter((word) => word !== '');
  if (words.length >= 2) {
    claims.given_name = words[0] as string;
    claims.family_name = words.slice(1).join(' ');
  }
  return claims;
}

function betterAuthLogLevel(level: LogLevel): 'debug' | 'info' | 'warn' | 'error' {
  if (level === 'trace' || level === 'debug') return 'debug';
  if (level === 'info' || level === 'warn') return level;
  return 'error';
}

/** Better Auth log arguments as JSON-friendly values (an Error becomes name, message, code, stack). */
function logArgs(args: unknown[]): unknown[] {
  return args.map((arg) => (arg instanceof Error ? errorFields(arg) : arg));
}

/**
 * Better Auth options of the identity service: email + password (no email verification: a
 * development-grade IdP) under the service's input rules (password policy, email and name
 * bounds), the bearer plugin (a session token in `Authorization: Bearer` counts as the session
 * cookie) and the JWT plugin (EdDSA/Ed25519 tokens with explicit iss/aud/lifetime, trimmed
 * payload, JWKS with key rotation). Errors that are not Better Auth's own API errors are thrown
 * to the HTTP layer (which maps them to 503/500 and logs them) instead of Better Auth's empty
 * 500 and console output; its log goes through `logger`. Tables live in schema `identity`. Used
 * both to build the instance and to plan its migrations.
 */
export function identityAuthOptions({ database, config, baseUrl, logger, passwordPolicy }: AuthDeps) {
  return {
    appName: 'Chompardo Identity',
    baseURL: baseUrl,
    basePath: '/api/auth',
    secret: config.secret,
    database: {
      db: database.kysely,
      type: 'postgres',
      schemaName: identitySchema,
      // Sign-up writes a user and its credential account: both or neither.
      transaction: true,
    },
    emailAndPassword: {
      enabled: true,
      requireEmailVerification: false,
      autoSignIn: true,
      minPasswordLength,
      maxPasswordLength,
    },
    rateLimit: { enabled: config.rateLimit },
    advanced: { ipAddress: { ipAddressHeaders: [clientIpHeader] } },
    telemetry: { enabled: false },
    onAPIError: { throw: true },
    logger: {
      disabled: config.logLevel === 'silent',
      level: betterAuthLogLevel(config.logLevel),
      disableColors: true,
      log: (level, message, ...args) => {
        logger[level](`better-auth: ${message}`, args.length > 0 ? { args: logArgs(args) } : {});
      },
    },
    plugins: [
      inputRules(passwordPolicy),
      bearer(),
      jwt({
        jwt: {
          issuer: config.issuer,
          audience: config.audience.length === 1 ? config.audience[0] : config.audience,
          // A number would be taken as an absolute `exp`; a span string is relative to `iat`.
          expirationTime: `${config.tokenTtlSeconds}s`,
          // `sub` (the user id) and `iat` are added by the plugin.
          definePayload: ({ user }) => ({ ...tokenProfileClaims(user) }),
        },
        jwks: {
          keyPairConfig: { alg: 'EdDSA', crv: 'Ed25519' },
          rotationInterval: config.keyRotationSeconds,
          gracePeriod: config.keyGraceSeconds,
        },
      }),
    ],
  } satisfies BetterAuthOptions;
}

/** Builds the Better Auth instance of the identity service (see {@link identityAuthOptions}). */
export function createAuth(deps: AuthDeps) {
  return betterAuth(identityAuthOptions(deps));
}

/** The identity service's Better Auth instance. */
export type IdentityAuth = ReturnType<typeof createAuth>;
