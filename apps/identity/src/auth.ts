import { betterAuth } from 'better-auth';
import type { BetterAuthOptions } from 'better-auth';
import { bearer, jwt } from 'better-auth/plugins';
import type { IdentityConfig, LogLevel } from './config.js';
import { identitySchema } from './database.js';
import type { IdentityDatabase } from './database.js';
import type { Logger } from './logger.js';

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
}

/** Claims of an issued token besides the registered ones (`iss`, `aud`, `sub`, `iat`, `exp`). */
export interface TokenProfileClaims {
  email: string;
  name: string;
  given_name?: string;
  family_name?: string;
}

/**
 * The profile claims of a user's token: email and name, plus given_name (first word of the name)
 * and family_name (the rest) when the name has at least two words. Nothing else of the user
 * record (no emailVerified, image, timestamps) leaves the identity service.
 */
export function tokenProfileClaims(user: { email: string; name: string }): TokenProfileClaims {
  const claims: TokenProfileClaims = { email: user.email, name: user.name };
  const words = user.name.trim().split(/\s+/).filter((word) => word !== '');
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

/**
 * Better Auth options of the identity service: email + password (min 8 characters, no email
 * verification: a development-grade IdP), the bearer plugin (a session token in
 * `Authorization: Bearer` counts as the session cookie) and the JWT plugin (EdDSA/Ed25519
 * tokens with explicit iss/aud/lifetime, trimmed payload, JWKS with key rotation). Tables live in
 * schema `identity`. Used both to build the instance and to plan its migrations.
 */
export function identityAuthOptions({ database, config, baseUrl, logger }: AuthDeps) {
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
      minPasswordLength: 8,
      maxPasswordLength: 128,
    },
    rateLimit: { enabled: config.rateLimit },
    advanced: { ipAddress: { ipAddressHeaders: [clientIpHeader] } },
    telemetry: { enabled: false },
    logger: {
      disabled: config.logLevel === 'silent',
      level: betterAuthLogLevel(config.logLevel),
      log: (level, message, ...args) => {
        const fields = args.length > 0 ? { args: args.map((arg) => (arg instanceof Error ? arg.message : arg)) } : {};
        logger[level](`better-auth: ${message}`, fields);
      },
    },
    plugins: [
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

/**
 * Makes sure a live signing key exists and is published, and that it can be used. Better Auth
 * mints keys lazily (first JWKS or token request; after rotation, the first token request), but
 * the API fetches the JWKS eagerly at startup and refuses an empty one — which it would be after
 * downtime longer than rotation interval + grace period. Signing a throwaway token mints a key
 * when none is live and fails fast when the private key cannot be decrypted (the secret
 * changed). Returns the published key ids.
 * @throws BetterAuthError when the stored key cannot be decrypted with the configured secret.
 */
export async function ensureSigningKey(auth: IdentityAuth): Promise<string[]> {
  // Never leaves the process: only proves the signing path works end to end.
  await auth.api.signJWT({ body: { payload: { sub: 'identity-startup-check' } } });
  const jwks = await auth.api.getJwks();
  return jwks.keys.flatMap((key) => (key.kid === undefined ? [] : [key.kid]));
}
