import { importJWK, jwtVerify, errors as joseErrors } from 'jose';
import type { CompactJWSHeaderParameters, CryptoKey, JWK, JWTPayload, JWTVerifyOptions } from 'jose';
import type { AppError } from '../errors/app-error.js';
import { unauthenticated, type AuthFailureReason } from './auth-failure.js';
import type { AuthUser, TokenVerifier } from './ports.js';

/** The logger the verifier reports JWKS trouble to (a pino logger fits). */
export interface JwtVerifierLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of {@link createJwtVerifier}. */
export interface JwtVerifierOptions {
  /** Where the identity service publishes its key set (`AUTH_JWKS_URL`). */
  jwksUrl: string;
  /** The only accepted `iss` (`AUTH_ISSUER`). */
  issuer: string;
  /** Accepted audiences; a token passes when its `aud` contains one of them (`AUTH_AUDIENCE`). */
  audience: string[];
  logger?: JwtVerifierLogger;
  /** Background refresh period of the key set; default 5 minutes. */
  refreshIntervalMs?: number;
  /** Minimum time between two refetches triggered by unknown `kid`s; default 30 s. */
  unknownKidCooldownMs?: number;
  /** Timeout of one JWKS fetch (connect + body); default 3 s. */
  fetchTimeoutMs?: number;
  /** Allowed clock skew for `nbf` and `iat`, in seconds; default 60. `exp` gets none. */
  clockToleranceSec?: number;
  /** Maximum number of verified tokens remembered; default 10 000, 0 disables the cache. */
  tokenCacheSize?: number;
  /** The clock, milliseconds since the epoch (tests move it). */
  now?: () => number;
}

/**
 * Header parameters that point at or embed key material. Trusting them would let the token pick
 * its own key, so a token carrying any of them is refused outright.
 */
const keySourceHeaders = ['jwk', 'jku', 'x5u', 'x5c'] as const;

/** The JWK members that describe a public key of the accepted types. */
const publicMembers = ['crv', 'x', 'y', 'n', 'e'] as const;

/** Tokens longer than this are refused before any parsing (ours are well under 2 KiB). */
const maxTokenLength = 8192;

/** Bodies larger than this are not a key set we want to parse. */
const maxJwksBytes = 512 * 1024;

type SigningAlgorithm = 'EdDSA' | 'Ed25519' | 'RS256' | 'ES256';

interface VerificationKey {
  kid: string | undefined;
  alg: SigningAlgorithm;
  key: CryptoKey;
}

interface KeySet {
  byKid: Map<string, VerificationKey>;
  all: VerificationKey[];
  /** The algorithm allowlist handed to jose: EdDSA always, RS256/ES256 only when offered. */
  algorithms: SigningAlgorithm[];
  /** Identifies the key material, so a refresh that changes nothing keeps the token cache. */
  fingerprint: string;
}

interface CachedToken {
  user: AuthUser;
  expiresAtMs: number;
}

const silentLogger: JwtVerifierLogger = { warn() {}, info() {}, error() {} };

/** Thrown inside the key lookup and claim checks with the reason of the 401; its message stays in the log only. */
class TokenRejected extends Error {
  constructor(
    readonly reason: AuthFailureReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Builds the verifier of user JWTs against the JWKS at `options.jwksUrl`.
 *
 * - `start()` loads the key set now and throws when it cannot (the server must then exit), and
 *   starts a background refresh every `refreshIntervalMs` (unref'ed timer).
 * - `verify(token)` resolves to the token's {@link AuthUser}, or throws AppError `unauthenticated`
 *   whose `code` is the reason (an {@link AuthFailureReason}: `token_expired`, `token_signature`,
 *   `token_unknown_key`, …) for any invalid token:
 *   bad signature, `alg` outside the allowlist (EdDSA, plus RS256/ES256 only when the JWKS offers
 *   such keys; never `none` or HMAC), key-source headers (`jwk`, `jku`, `x5u`, `x5c`), wrong `iss`,
 *   no accepted `aud`, missing or past `exp`, `nbf`/`iat` more than the tolerance in the future,
 *   missing or empty `sub`, unknown `kid` (after at most one rate-limited refetch).
 * - When the JWKS becomes unreachable after start, the cached keys keep working.
 * - `isReady()` is true once a key set has been loaded.
 *
 * Why not jose's `createRemoteJWKSet`: its cooldown also swallows the refetch a freshly rotated
 * `kid` needs right after a background refresh, it offers no hook to learn when the key set
 * changed (the token cache must be dropped when a key is removed), and its failure handling is
 * per request. Fetching the JWKS ourselves and importing keys once per key set gives one in-flight
 * fetch shared by everyone, a cooldown that applies to unknown-kid refetches only, "keep the old
 * keys when the fetch fails" by construction, and an O(1) kid → CryptoKey lookup on the hot path.
 * Verification itself is still jose's `jwtVerify`.
 */
export function createJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const refreshIntervalMs = options.refreshIntervalMs ?? 5 * 60_000;
  const unknownKidCooldownMs = options.unknownKidCooldownMs ?? 30_000;
  const fetchTimeoutMs = options.fetchTimeoutMs ?? 3_000;
  const clockToleranceSec = options.clockToleranceSec ?? 60;
  const tokenCacheSize = options.tokenCacheSize ?? 10_000;
  const issuer = options.issuer;
  const audience = [...options.audience];
  const jwksUrl = options.jwksUrl;

  let keySet: KeySet | undefined;
  // Bumped whenever the key material changes; a verification that straddled a change is not cached.
  let keySetGeneration = 0;
  let inFlight: Promise<void> | undefined;
  let lastUnknownKidFetchAt = Number.NEGATIVE_INFINITY;
  let refreshTimer: NodeJS.Timeout | undefined;
  // Map keeps insertion order: re-inserting on a hit makes the first key the least recently used.
  const tokenCache = new Map<string, CachedToken>();

  async function fetchKeySet(): Promise<KeySet> {
    const response = await fetch(jwksUrl, {
      signal: AbortSignal.timeout(fetchTimeoutMs),
      // A redirect could move key discovery to a host nobody configured; jose refuses them too.
      redirect: 'error',
      headers: { accept: 'application/json' },
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`JWKS endpoint answered ${response.status}`);
    }
    const text = await response.text();
    if (text.length > maxJwksBytes) throw new Error('JWKS response too large');
    return importKeySet(JSON.parse(text) as unknown, logger);
  }

  function applyKeySet(next: KeySet): void {
    if (keySet === undefined || keySet.fingerprint !== next.fingerprint) {
      // A removed key must stop its tokens at once, so nothing verified with the old set survives.
      tokenCache.clear();
      keySetGeneration += 1;
      logger.info({ jwksUrl, kids: next.all.map((k) => k.kid ?? null), algorithms: next.algorithms }, 'JWKS loaded');
    }
    keySet = next;
  }

  /** Fetches and applies the key set; concurrent callers share one fetch. */
  function refresh(): Promise<void> {
    inFlight ??= fetchKeySet()
      .then(applyKeySet)
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  }

  function refreshInBackground(reason: string): Promise<void> {
    return refresh().catch((err: unknown) => {
      logger.warn({ err, jwksUrl, reason, cachedKeys: keySet?.all.length ?? 0 }, 'JWKS refresh failed; keeping cached keys');
    });
  }

  function knows(kid: string | undefined): boolean {
    return keySet !== undefined && (kid === undefined || keySet.byKid.has(kid));
  }

  /**
   * Gives an unknown kid one chance: joins a fetch already under way, then (if that did not bring
   * the kid, e.g. a background refresh that started before the key was published) fetches unless
   * the previous unknown-kid fetch is younger than the cooldown. A flood of random kids thus costs
   * at most one fetch per window, and a failed fetch counts too (a struggling identity service is
   * not hammered).
   */
  async function refetchForUnknownKid(kid: string | undefined): Promise<void> {
    if (inFlight !== undefined) {
      await inFlight.catch(() => undefined);
      if (knows(kid)) return;
    }
    // Another caller may have started a fetch while we waited: share it rather than add one.
    if (inFlight !== undefined) {
      await inFlight.catch(() => undefined);
      return;
    }
    const at = now();
    if (at - lastUnknownKidFetchAt < unknownKidCooldownMs) return;
    lastUnknownKidFetchAt = at;
    await refreshInBackground('unknown kid');
  }

  function findKey(set: KeySet, header: CompactJWSHeaderParameters): VerificationKey | undefined {
    const kid = header.kid;
    if (kid !== undefined) {
      const found = set.byKid.get(kid);
      return found !== undefined && found.alg === header.alg ? found : undefined;
    }
    // No kid: acceptable only when exactly one key could have signed it.
    let match: VerificationKey | undefined;
    for (const candidate of set.all) {
      if (candidate.alg !== header.alg) continue;
      if (match !== undefined) throw new TokenRejected('token_unknown_key', 'token without kid and several candidate keys');
      match = candidate;
    }
    return match;
  }

  // Created once: jwtVerify calls it with the parsed protected header, so nothing is parsed twice.
  async function getKey(header: CompactJWSHeaderParameters): Promise<CryptoKey> {
    for (const name of keySourceHeaders) {
      if (Object.hasOwn(header, name)) throw new TokenRejected('token_key_header', `token carries a "${name}" header`);
    }
    if (header.kid !== undefined && (typeof header.kid !== 'string' || header.kid === '')) {
      throw new TokenRejected('token_malformed', 'invalid kid');
    }
    let found = keySet === undefined ? undefined : findKey(keySet, header);
    if (found === undefined && !knows(header.kid)) {
      await refetchForUnknownKid(header.kid);
      found = keySet === undefined ? undefined : findKey(keySet, header);
    }
    if (found === undefined) throw new TokenRejected('token_unknown_key', 'no key for this token');
    return found.key;
  }

  function toAuthUser(payload: JWTPayload, nowSec: number): AuthUser {
    // jose checked presence and type of exp; the contract wants it strictly in the future.
    const exp = payload.exp as number;
    if (exp <= nowSec) throw new TokenRejected('token_expired', 'token expired');
    if (payload.iat !== undefined && payload.iat > nowSec + clockToleranceSec) {
      throw new TokenRejected('token_not_yet_valid', 'iat in the future');
    }
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub === '') throw new TokenRejected('token_claims', 'missing sub');
    const user: AuthUser = { issuer, subject: sub, expiresAt: exp };
    const claims = payload as Record<string, unknown>;
    if (typeof claims.email === 'string') user.email = claims.email;
    if (typeof claims.name === 'string') user.name = claims.name;
    if (typeof claims.given_name === 'string') user.givenName = claims.given_name;
    if (typeof claims.family_name === 'string') user.familyName = claims.family_name;
    if (typeof claims.azp === 'string') user.clientId = claims.azp;
    else if (typeof claims.client_id === 'string') user.clientId = claims.client_id;
    // Shared by every request presenting this token (cache), so nobody may change it.
    return Object.freeze(user);
  }

  function remember(token: string, user: AuthUser, generation: number): void {
    // The key that verified it may have been removed while we awaited; the cache was cleared then.
    if (tokenCacheSize <= 0 || generation !== keySetGeneration) return;
    if (tokenCache.size >= tokenCacheSize) {
      const oldest = tokenCache.keys().next();
      if (oldest.done !== true) tokenCache.delete(oldest.value);
    }
    tokenCache.set(token, { user, expiresAtMs: user.expiresAt * 1000 });
  }

  async function verify(token: string): Promise<AuthUser> {
    const cached = tokenCache.get(token);
    if (cached !== undefined) {
      if (now() < cached.expiresAtMs) {
        tokenCache.delete(token);
        tokenCache.set(token, cached);
        return cached.user;
      }
      tokenCache.delete(token);
    }
    if (typeof token !== 'string' || token.length === 0 || token.length > maxTokenLength) {
      throw rejection(new TokenRejected('token_malformed', 'token empty or too long'));
    }
    const nowMs = now();
    const generation = keySetGeneration;
    const verifyOptions: JWTVerifyOptions = {
      issuer,
      audience,
      algorithms: keySet?.algorithms ?? ['EdDSA'],
      clockTolerance: clockToleranceSec,
      currentDate: new Date(nowMs),
      requiredClaims: ['exp', 'sub'],
    };
    let user: AuthUser;
    try {
      const { payload } = await jwtVerify(token, getKey, verifyOptions);
      user = toAuthUser(payload, Math.floor(nowMs / 1000));
    } catch (err) {
      throw rejection(err);
    }
    remember(token, user, generation);
    return user;
  }

  return {
    verify,
    knows(token: string): boolean {
      const cached = tokenCache.get(token);
      return cached !== undefined && now() < cached.expiresAtMs;
    },
    isReady: () => keySet !== undefined,
    async start(): Promise<void> {
      try {
        await refresh();
      } catch (cause) {
        throw new Error(`cannot load the JWKS from ${jwksUrl}`, { cause });
      }
      if (refreshTimer === undefined) {
        refreshTimer = setInterval(() => void refreshInBackground('scheduled'), refreshIntervalMs);
        // The refresh must never keep the process alive on its own.
        refreshTimer.unref();
      }
    },
    stop(): void {
      if (refreshTimer !== undefined) clearInterval(refreshTimer);
      refreshTimer = undefined;
    },
  };
}

/**
 * Why jose or our own checks refused a token, from the error's class and its structured `claim`
 * field (never from message text).
 */
function reasonOf(cause: unknown): AuthFailureReason {
  if (cause instanceof TokenRejected) return cause.reason;
  // JWTExpired is a JWTClaimValidationFailed: test it first.
  if (cause instanceof joseErrors.JWTExpired) return 'token_expired';
  if (cause instanceof joseErrors.JWTClaimValidationFailed) {
    switch (cause.claim) {
      case 'iss':
        return 'token_issuer';
      case 'aud':
        return 'token_audience';
      case 'nbf':
      case 'iat':
        return cause.reason === 'check_failed' ? 'token_not_yet_valid' : 'token_claims';
      default:
        return 'token_claims';
    }
  }
  if (cause instanceof joseErrors.JWSSignatureVerificationFailed) return 'token_signature';
  if (cause instanceof joseErrors.JOSEAlgNotAllowed) return 'token_algorithm';
  if (cause instanceof joseErrors.JWSInvalid || cause instanceof joseErrors.JWTInvalid || cause instanceof joseErrors.JOSENotSupported) {
    return 'token_malformed';
  }
  return 'token_invalid';
}

/** The 401 for a presented token; the reason is its code, the underlying error its `cause` (logged only). */
function rejection(cause: unknown): AppError {
  return unauthenticated(reasonOf(cause), cause);
}

/**
 * Reads the public signing keys of a JWKS document we trust to support: Ed25519 (EdDSA), RSA
 * (RS256) and P-256 (ES256). Other keys are skipped with a warning; a document without one usable
 * key is an error (start fails, a refresh keeps the previous set).
 */
async function importKeySet(document: unknown, logger: JwtVerifierLogger): Promise<KeySet> {
  if (typeof document !== 'object' || document === null || !Array.isArray((document as { keys?: unknown }).keys)) {
    throw new Error('JWKS document has no "keys" array');
  }
  const byKid = new Map<string, VerificationKey>();
  const all: VerificationKey[] = [];
  const algorithms = new Set<SigningAlgorithm>(['EdDSA']);
  const fingerprints: string[] = [];
  for (const raw of (document as { keys: unknown[] }).keys) {
    const jwk = raw as JWK;
    const alg = signingAlgorithmOf(jwk);
    if (alg === undefined) {
      logger.warn({ kid: jwk?.kid, kty: jwk?.kty, alg: jwk?.alg }, 'JWKS key skipped: not a supported signing key');
      continue;
    }
    if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || byKid.has(jwk.kid))) {
      logger.warn({ kid: jwk.kid }, 'JWKS key skipped: invalid or duplicate kid');
      continue;
    }
    let key: CryptoKey;
    try {
      // Only the public members: a JWKS that leaks a private key must still not yield one.
      const publicJwk: JWK = { kty: jwk.kty };
      for (const member of publicMembers) {
        if (jwk[member] !== undefined) publicJwk[member] = jwk[member];
      }
      const imported = await importJWK(publicJwk, alg);
      if (imported instanceof Uint8Array) throw new Error('symmetric key');
      key = imported;
    } catch (err) {
      logger.warn({ err, kid: jwk.kid }, 'JWKS key skipped: cannot import');
      continue;
    }
    const entry: VerificationKey = { kid: jwk.kid, alg, key };
    all.push(entry);
    if (entry.kid !== undefined) byKid.set(entry.kid, entry);
    algorithms.add(alg);
    fingerprints.push(`${jwk.kid ?? ''}|${alg}|${jwk.crv ?? ''}|${jwk.x ?? ''}|${jwk.y ?? ''}|${jwk.n ?? ''}|${jwk.e ?? ''}`);
  }
  if (all.length === 0) throw new Error('JWKS holds no usable signing key');
  return { byKid, all, algorithms: [...algorithms], fingerprint: fingerprints.sort().join('\n') };
}

/** The JWS algorithm a JWK may verify, or undefined when we do not accept that key. */
function signingAlgorithmOf(jwk: JWK | undefined): SigningAlgorithm | undefined {
  if (typeof jwk !== 'object' || jwk === null) return undefined;
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return undefined;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    if (jwk.alg === undefined || jwk.alg === 'EdDSA') return 'EdDSA';
    return jwk.alg === 'Ed25519' ? 'Ed25519' : undefined;
  }
  if (jwk.kty === 'RSA') return jwk.alg === undefined || jwk.alg === 'RS256' ? 'RS256' : undefined;
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return jwk.alg === undefined || jwk.alg === 'ES256' ? 'ES256' : undefined;
  return undefined;
}
