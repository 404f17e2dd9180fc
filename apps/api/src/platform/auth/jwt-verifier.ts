import { decodeJwt, importJWK, jwtVerify, errors as joseErrors } from 'jose';
import type { CompactJWSHeaderParameters, CryptoKey, JWK, JWTPayload, JWTVerifyOptions } from 'jose';
import { get as httpGet } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { AppError } from '../errors/app-error.js';
import { unauthenticated, type AuthFailureReason } from './auth-failure.js';
import type { AuthUser, TokenVerifier } from './ports.js';

/** The logger the verifier reports JWKS trouble to (a pino logger fits). */
export interface JwtVerifierLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Where one issuer puts the profile claims, when its tokens do not use OpenID Connect's standard
 * names (`email`, `name`, `given_name`, `family_name`). Each value is a claim name of that
 * issuer's tokens, e.g. `{ email: 'preferred_username' }` for Entra ID.
 */
export interface IssuerClaimNames {
  email?: string;
  name?: string;
  givenName?: string;
  familyName?: string;
}

/** One trusted token issuer: an entry of `AUTH_ISSUERS`, or the single-issuer settings. */
export interface TrustedIssuer {
  /** The exact `iss` its tokens carry. */
  issuer: string;
  /** Accepted audiences of this issuer's tokens; a token passes when its `aud` contains one. */
  audience: string[];
  /**
   * Its key set. Absent: found by OpenID Connect discovery (`jwks_uri` of
   * `{issuer}/.well-known/openid-configuration`, whose `issuer` must equal this one).
   */
  jwksUrl?: string;
  claims?: IssuerClaimNames;
}

/**
 * Options of {@link createJwtVerifier}: either `issuers` (several trusted issuers, each with its
 * own keys and audience), or the single issuer as `jwksUrl` + `issuer` + `audience` (the
 * `AUTH_JWKS_URL`/`AUTH_ISSUER`/`AUTH_AUDIENCE` settings) — exactly one of the two forms.
 */
export interface JwtVerifierOptions {
  /** Every trusted issuer (`AUTH_ISSUERS`); issuers must be distinct. */
  issuers?: TrustedIssuer[];
  /** Where the identity service publishes its key set (`AUTH_JWKS_URL`). */
  jwksUrl?: string;
  /** The only accepted `iss` (`AUTH_ISSUER`). */
  issuer?: string;
  /** Accepted audiences; a token passes when its `aud` contains one of them (`AUTH_AUDIENCE`). */
  audience?: string[];
  logger?: JwtVerifierLogger;
  /** Background refresh period of each key set; default 5 minutes. */
  refreshIntervalMs?: number;
  /** Minimum time between two refetches of one issuer's keys triggered by unknown `kid`s; default 30 s. */
  unknownKidCooldownMs?: number;
  /** Timeout of one JWKS or discovery fetch (connect + body); default 3 s. */
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

/** Bodies larger than this are not a key set (or discovery document) we want to parse. */
const maxDocumentBytes = 512 * 1024;

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

/** What every issuer's key source shares: the verifier's tuning and its token cache hook. */
interface KeySourceContext {
  logger: JwtVerifierLogger;
  now: () => number;
  fetchTimeoutMs: number;
  unknownKidCooldownMs: number;
  /** The key material of some issuer changed: tokens verified with the old keys must not be served from the cache. */
  onKeysChanged: () => void;
}

/** The keys of one trusted issuer: fetched, refreshed and refetched on unknown `kid` on their own. */
interface IssuerKeys {
  readonly trusted: TrustedIssuer;
  /** Fetches (discovering the JWKS URL first when needed) and applies the key set; throws on failure. */
  refresh(): Promise<void>;
  /** {@link refresh}, logging a failure and keeping the cached keys. */
  refreshInBackground(reason: string): Promise<void>;
  /** jose's key lookup for a token of this issuer. */
  getKey(header: CompactJWSHeaderParameters): Promise<CryptoKey>;
  algorithms(): SigningAlgorithm[];
  isReady(): boolean;
  /** Where the keys come from, for messages: the JWKS URL or the discovery URL. */
  source(): string;
}

/** `{issuer}/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4). */
function discoveryUrlOf(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/**
 * GETs a JSON document we are about to trust: no redirects, a deadline, a size bound. On
 * node:http(s), not `fetch`: setting up undici's fetch (its pool, its parser compiled from
 * WebAssembly) cost every start tens of ms for this one request (docs/adr/0028-server-bundle.md).
 */
async function fetchJson(url: string, what: string, timeoutMs: number): Promise<unknown> {
  const target = new URL(url);
  // node:https (and TLS) only for an https URL.
  const get = target.protocol === 'https:' ? (await import('node:https')).get : httpGet;
  return new Promise((resolve, reject) => {
    const options = { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) };
    const request = get(target, options, (response) => {
      const status = response.statusCode ?? 0;
      // A redirect could move key discovery to a host nobody configured; jose refuses them too.
      if (status < 200 || status > 299) {
        response.resume();
        reject(new Error(`${what} at ${url} answered ${status}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxDocumentBytes) {
          request.destroy(new Error(`${what} at ${url} is too large`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/**
 * The `jwks_uri` of `issuer` from its discovery document. The document must name the same issuer
 * (OpenID Connect Discovery 1.0 §4.3): a document for another issuer could hand us its keys.
 */
async function discoverJwksUrl(issuer: string, timeoutMs: number): Promise<string> {
  const url = discoveryUrlOf(issuer);
  const document = (await fetchJson(url, 'discovery document', timeoutMs)) as { issuer?: unknown; jwks_uri?: unknown } | null;
  if (typeof document !== 'object' || document === null) throw new Error(`discovery document at ${url} is not an object`);
  if (document.issuer !== issuer) throw new Error(`discovery document at ${url} is for another issuer`);
  const jwksUri = document.jwks_uri;
  if (typeof jwksUri !== 'string' || !/^https?:\/\//.test(jwksUri) || !URL.canParse(jwksUri)) {
    throw new Error(`discovery document at ${url} has no http(s) jwks_uri`);
  }
  return jwksUri;
}

function createIssuerKeys(trusted: TrustedIssuer, ctx: KeySourceContext): IssuerKeys {
  const { logger, now } = ctx;
  const issuer = trusted.issuer;
  // Discovered once, then kept: providers publish a stable jwks_uri and rotate keys behind it.
  let jwksUrl = trusted.jwksUrl;
  let keySet: KeySet | undefined;
  let inFlight: Promise<void> | undefined;
  let lastUnknownKidFetchAt = Number.NEGATIVE_INFINITY;

  async function fetchKeySet(): Promise<KeySet> {
    jwksUrl ??= await discoverJwksUrl(issuer, ctx.fetchTimeoutMs);
    return importKeySet(await fetchJson(jwksUrl, 'JWKS endpoint', ctx.fetchTimeoutMs), logger);
  }

  function applyKeySet(next: KeySet): void {
    if (keySet === undefined || keySet.fingerprint !== next.fingerprint) {
      // A removed key must stop its tokens at once, so nothing verified with the old set survives.
      ctx.onKeysChanged();
      logger.info({ issuer, jwksUrl, kids: next.all.map((k) => k.kid ?? null), algorithms: next.algorithms }, 'JWKS loaded');
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
      logger.warn({ err, issuer, jwksUrl, reason, cachedKeys: keySet?.all.length ?? 0 }, 'JWKS refresh failed; keeping cached keys');
    });
  }

  function knows(kid: string | undefined): boolean {
    return keySet !== undefined && (kid === undefined || keySet.byKid.has(kid));
  }

  /**
   * Gives an unknown kid one chance: joins a fetch already under way, then (if that did not bring
   * the kid, e.g. a background refresh that started before the key was published) fetches unless
   * this issuer's previous unknown-kid fetch is younger than the cooldown. A flood of random kids
   * thus costs at most one fetch per issuer and window, and a failed fetch counts too (a
   * struggling identity provider is not hammered).
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
    if (at - lastUnknownKidFetchAt < ctx.unknownKidCooldownMs) return;
    lastUnknownKidFetchAt = at;
    await refreshInBackground('unknown kid');
  }

  // jwtVerify calls it with the parsed protected header, so nothing is parsed twice.
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

  return {
    trusted,
    refresh,
    refreshInBackground,
    getKey,
    algorithms: () => keySet?.algorithms ?? ['EdDSA'],
    isReady: () => keySet !== undefined,
    source: () => jwksUrl ?? `discovery at ${discoveryUrlOf(issuer)}`,
  };
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

/** The trusted issuers of `options`, checked: exactly one of the two forms, distinct issuers, audiences given. */
function trustedIssuersOf(options: JwtVerifierOptions): TrustedIssuer[] {
  const single = options.jwksUrl !== undefined || options.issuer !== undefined || options.audience !== undefined;
  if (options.issuers !== undefined && single) throw new Error('give either issuers or jwksUrl/issuer/audience, not both');
  const issuers =
    options.issuers ??
    (options.jwksUrl !== undefined && options.issuer !== undefined && options.audience !== undefined
      ? [{ issuer: options.issuer, audience: options.audience, jwksUrl: options.jwksUrl }]
      : []);
  if (issuers.length === 0) throw new Error('no trusted issuer: give issuers, or jwksUrl, issuer and audience');
  const seen = new Set<string>();
  for (const entry of issuers) {
    if (seen.has(entry.issuer)) throw new Error(`issuer ${entry.issuer} is listed twice`);
    if (entry.audience.length === 0) throw new Error(`issuer ${entry.issuer} has no audience`);
    seen.add(entry.issuer);
  }
  return issuers.map((entry) => ({ ...entry, audience: [...entry.audience] }));
}

/** The claim `name` of `claims` when it is a string. */
function stringClaim(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Builds the verifier of user JWTs from one or several trusted issuers.
 *
 * - `start()` loads every issuer's key set now (discovering its JWKS URL first when none is
 *   configured) and throws, naming each issuer that failed and where from, when any cannot be
 *   loaded (the server must then exit); then starts a background refresh of every issuer every
 *   `refreshIntervalMs` (unref'ed timer).
 * - `verify(token)` resolves to the token's {@link AuthUser}, or throws AppError `unauthenticated`
 *   whose `code` is the reason (an {@link AuthFailureReason}: `token_expired`, `token_signature`,
 *   `token_unknown_key`, …) for any invalid token. The token's unverified `iss` only picks the
 *   issuer: an `iss` no entry names is `token_issuer` ("untrusted issuer"), and otherwise the token
 *   is verified with that issuer's keys and audience alone, so a key of one issuer never validates
 *   a token claiming another. Refused: bad signature, `alg` outside the allowlist (EdDSA, plus
 *   RS256/ES256 only when that issuer's JWKS offers such keys; never `none` or HMAC), key-source
 *   headers (`jwk`, `jku`, `x5u`, `x5c`), no accepted `aud`, missing or past `exp`, `nbf`/`iat` more
 *   than the tolerance in the future, missing or empty `sub`, unknown `kid` (after at most one
 *   refetch of that issuer's keys, rate-limited per issuer).
 * - Profile claims are read under the issuer's `claims` names when given, else the standard ones.
 * - When a JWKS becomes unreachable after start, that issuer's cached keys keep working.
 * - `isReady()` is true once every issuer's key set has been loaded.
 *
 * Why not jose's `createRemoteJWKSet`: its cooldown also swallows the refetch a freshly rotated
 * `kid` needs right after a background refresh, it offers no hook to learn when the key set
 * changed (the token cache must be dropped when a key is removed), and its failure handling is
 * per request. Fetching the JWKS ourselves and importing keys once per key set gives one in-flight
 * fetch per issuer shared by everyone, a cooldown that applies to unknown-kid refetches only,
 * "keep the old keys when the fetch fails" by construction, and an O(1) kid → CryptoKey lookup on
 * the hot path. Verification itself is still jose's `jwtVerify`; the token cache is lru-cache
 * (docs/adr/0024-identity-federation.md).
 *
 * @throws {Error} at once when the options name no issuer, name one twice or mix the two forms.
 */
export function createJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const refreshIntervalMs = options.refreshIntervalMs ?? 5 * 60_000;
  const clockToleranceSec = options.clockToleranceSec ?? 60;
  const tokenCacheSize = options.tokenCacheSize ?? 10_000;

  // Bumped whenever some issuer's key material changes; a verification that straddled a change is not cached.
  let keySetGeneration = 0;
  let refreshTimer: NodeJS.Timeout | undefined;
  // Expiry is checked against `now` on every hit (tests move the clock); the cache bounds the count.
  const tokenCache = tokenCacheSize > 0 ? new LRUCache<string, CachedToken>({ max: tokenCacheSize }) : undefined;

  const context: KeySourceContext = {
    logger,
    now,
    fetchTimeoutMs: options.fetchTimeoutMs ?? 3_000,
    unknownKidCooldownMs: options.unknownKidCooldownMs ?? 30_000,
    onKeysChanged: () => {
      tokenCache?.clear();
      keySetGeneration += 1;
    },
  };
  const byIssuer = new Map(trustedIssuersOf(options).map((trusted) => [trusted.issuer, createIssuerKeys(trusted, context)]));
  const sources = [...byIssuer.values()];

  function toAuthUser(source: IssuerKeys, payload: JWTPayload, nowSec: number): AuthUser {
    // jose checked presence and type of exp; the contract wants it strictly in the future.
    const exp = payload.exp as number;
    if (exp <= nowSec) throw new TokenRejected('token_expired', 'token expired');
    if (payload.iat !== undefined && payload.iat > nowSec + clockToleranceSec) {
      throw new TokenRejected('token_not_yet_valid', 'iat in the future');
    }
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub === '') throw new TokenRejected('token_claims', 'missing sub');
    const user: AuthUser = { issuer: source.trusted.issuer, subject: sub, expiresAt: exp };
    const claims = payload as Record<string, unknown>;
    const names = source.trusted.claims ?? {};
    const email = stringClaim(claims, names.email ?? 'email');
    const name = stringClaim(claims, names.name ?? 'name');
    const givenName = stringClaim(claims, names.givenName ?? 'given_name');
    const familyName = stringClaim(claims, names.familyName ?? 'family_name');
    if (email !== undefined) user.email = email;
    if (name !== undefined) user.name = name;
    if (givenName !== undefined) user.givenName = givenName;
    if (familyName !== undefined) user.familyName = familyName;
    if (typeof claims.azp === 'string') user.clientId = claims.azp;
    else if (typeof claims.client_id === 'string') user.clientId = claims.client_id;
    // Shared by every request presenting this token (cache), so nobody may change it.
    return Object.freeze(user);
  }

  /** The key source of the issuer the token claims; its `iss` is read unverified, only to choose. */
  function sourceOf(token: string): IssuerKeys {
    const iss = (decodeJwt(token) as { iss?: unknown }).iss;
    const source = typeof iss === 'string' ? byIssuer.get(iss) : undefined;
    if (source === undefined) throw new TokenRejected('token_issuer', 'no trusted issuer of this name');
    return source;
  }

  function cachedUser(token: string): AuthUser | undefined {
    const cached = tokenCache?.get(token);
    if (cached === undefined) return undefined;
    if (now() < cached.expiresAtMs) return cached.user;
    tokenCache?.delete(token);
    return undefined;
  }

  async function verify(token: string): Promise<AuthUser> {
    const cached = cachedUser(token);
    if (cached !== undefined) return cached;
    if (typeof token !== 'string' || token.length === 0 || token.length > maxTokenLength) {
      throw rejection(new TokenRejected('token_malformed', 'token empty or too long'));
    }
    const nowMs = now();
    const generation = keySetGeneration;
    let user: AuthUser;
    try {
      const source = sourceOf(token);
      const verifyOptions: JWTVerifyOptions = {
        issuer: source.trusted.issuer,
        audience: source.trusted.audience,
        algorithms: source.algorithms(),
        clockTolerance: clockToleranceSec,
        currentDate: new Date(nowMs),
        requiredClaims: ['exp', 'sub'],
      };
      const { payload } = await jwtVerify(token, source.getKey, verifyOptions);
      user = toAuthUser(source, payload, Math.floor(nowMs / 1000));
    } catch (err) {
      throw rejection(err);
    }
    // The key that verified it may have been removed while we awaited; the cache was cleared then.
    if (generation === keySetGeneration) tokenCache?.set(token, { user, expiresAtMs: user.expiresAt * 1000 });
    return user;
  }

  return {
    verify,
    knows: (token: string): boolean => cachedUser(token) !== undefined,
    isReady: () => sources.every((source) => source.isReady()),
    async start(): Promise<void> {
      const results = await Promise.allSettled(sources.map((source) => source.refresh()));
      const failures = results.flatMap((result, index) => {
        if (result.status === 'fulfilled') return [];
        const source = sources[index]!;
        const cause = result.reason instanceof Error ? result.reason.message : String(result.reason);
        return [`issuer ${source.trusted.issuer} from ${source.source()}: ${cause}`];
      });
      if (failures.length > 0) {
        const cause = results.find((result) => result.status === 'rejected')?.reason as unknown;
        throw new Error(`cannot load the JWKS of ${failures.join('; ')}`, { cause });
      }
      if (refreshTimer === undefined) {
        refreshTimer = setInterval(() => {
          for (const source of sources) void source.refreshInBackground('scheduled');
        }, refreshIntervalMs);
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
