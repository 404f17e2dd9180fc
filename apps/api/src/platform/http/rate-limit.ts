import { createHash } from 'node:crypto';
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors/app-error.js';
import type { RateLimitStore } from './rate-limit-store.js';

/** Who a request is counted against. */
export type RateLimitSubject = { appId: string } | { ip: string };

/**
 * A credential as the request presented it (not yet checked): the `Authorization` header, or an
 * app id with its key. Only ever hashed, never stored or logged.
 */
export type PresentedCredential = { kind: 'token'; authorization: string } | { kind: 'app'; appId: string; apiKey: string };

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Requests per window per app (per IP when no app is authenticated); must be ≥ 1. */
  max: number;
  windowMs: number;
  /**
   * Opens the store the counters live in; called by {@link RateLimiter.start}, so the library
   * (and a Redis client) is loaded only when rate limiting is on.
   */
  openStore: () => Promise<RateLimitStore>;
  /** Failures of one credential per window before it is refused unchecked; default `ceil(max / 10)`. */
  maxCredentialFailures?: number;
  /**
   * Distinct failing credentials per address per window before that address may present only
   * credentials this instance already verified; default `max(maxCredentialFailures, ceil(max / 4))`.
   */
  maxAddressFailures?: number;
  /** Deadline of one store call, ms (default 250); past it the request is let through. */
  storeTimeoutMs?: number;
  /**
   * How many store calls may still be pending past their deadline (each may hold a database
   * connection, e.g. waiting on a locked row); while that many are, no new call is made. Default 4.
   */
  maxStalledCalls?: number;
  /** Called when the store fails or misses its deadline (the request is let through: fail open). */
  onStoreError?: (error: unknown) => void;
  /** The clock of the local block lists (tests). */
  now?: () => number;
}

/** A store call that missed its deadline; the request it served was let through. */
export class RateLimitStoreTimeout extends Error {
  constructor(
    readonly key: string,
    readonly timeoutMs: number,
  ) {
    super(`rate limit store did not answer within ${timeoutMs} ms`);
    this.name = 'RateLimitStoreTimeout';
  }
}

/** The counters of one limiter, in the store {@link RateLimiter.start} opened. */
interface Counters {
  store: RateLimitStore;
  requests: RateLimiterAbstract;
  credentialFailures: RateLimiterAbstract;
  addressFailures: RateLimiterAbstract;
}

type CounterName = 'requests' | 'credentialFailures' | 'addressFailures';

/**
 * True for the counter state the library settles with (it also *rejects* with one when a key is
 * over its budget); store failures are Errors.
 */
function isCounterState(value: unknown): value is RateLimiterRes {
  return (
    typeof value === 'object' && value !== null && !(value instanceof Error) && typeof (value as RateLimiterRes).consumedPoints === 'number'
  );
}

/** Seconds until `ms` from now, at least 1 (a `Retry-After: 0` invites a tight retry loop). */
function secondsFrom(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** Upper bound of entries in each local block list; beyond it the oldest entries are dropped. */
const maxBlocked = 100_000;

/** SHA-256 of the credential, base64url: the only form in which a credential is counted. */
function fingerprintOf(credential: PresentedCredential): string {
  const hash = createHash('sha256');
  if (credential.kind === 'token') hash.update(`token\u0000${credential.authorization}`);
  else hash.update(`app\u0000${credential.appId}\u0000${credential.apiKey}`);
  return hash.digest('base64url');
}

/**
 * A cheap, bounded pre-filter for the blocked-credential lookup: the tail of the secret part. Only
 * a request whose hint matches a blocked credential's is hashed, so valid callers pay no hashing
 * even while some other credential is blocked.
 */
function hintOf(credential: PresentedCredential): string {
  return credential.kind === 'token'
    ? `t${credential.authorization.slice(-24)}`
    : `a${credential.apiKey.slice(-24)}\u0000${credential.appId.slice(0, 24)}`;
}

/** Sets `key` in a bounded block list (the oldest entry goes when it is full). */
function block(list: Map<string, number>, key: string, until: number): void {
  if (!list.has(key) && list.size >= maxBlocked) {
    const oldest = list.keys().next();
    if (!oldest.done) list.delete(oldest.value);
  }
  list.set(key, Math.max(until, list.get(key) ?? 0));
}

/**
 * The API's rate limiting, used by the security hook. Counters are rate-limiter-flexible limiters
 * in one {@link RateLimitStore}; the policy on top is ours:
 *
 * - **Requests**: a fixed window of `max` per app once one is authenticated, per IP before.
 *   Every counted response carries the IETF headers of draft-ietf-httpapi-ratelimit-headers
 *   (`RateLimit-Policy: "app";q=100;w=60`, `RateLimit: "app";r=42;t=18`); a refusal is
 *   `rate_limit_error` (429) with `Retry-After`.
 * - **Failed credentials, per credential**: a 401 for a presented credential counts against that
 *   credential (its SHA-256). After `maxCredentialFailures` in a window, that exact credential is
 *   refused (429, policy `credential`) before it is checked, until its window ends. Nobody else
 *   is affected: a client stuck on an expired token slows only itself.
 * - **Failed credentials, per address**: the first failure of each credential in its window also
 *   counts against the client address, so the address counter counts *distinct* failing
 *   credentials. After `maxAddressFailures` of them (a guesser rotating keys or tokens), the
 *   address may present only credentials this instance has already verified (`allKnown`) until
 *   the window ends; anything new from it is refused (429, policy `address`) before it is
 *   checked. Callers behind the same NAT who were verified before keep working; requests without
 *   credentials are never affected.
 *
 * Blocks live in this process (a Map lookup per request, no I/O); with a shared store every
 * instance blocks as soon as it sees one failure over the shared budget.
 *
 * Store calls are given `storeTimeoutMs`: past it the request is let through and `onStoreError`
 * is told; the late call is left to finish, and until it does no other call for the same key is
 * made (one locked row holds at most one connection), nor any call while `maxStalledCalls` are
 * late. A failing store also lets requests through (fail open).
 */
export class RateLimiter {
  readonly max: number;
  readonly windowMs: number;
  readonly maxCredentialFailures: number;
  readonly maxAddressFailures: number;
  private readonly openStore: () => Promise<RateLimitStore>;
  private opening: Promise<Counters> | undefined;
  private counters: Counters | undefined;
  private readonly storeTimeoutMs: number;
  private readonly maxStalledCalls: number;
  private readonly onStoreError: (error: unknown) => void;
  private readonly now: () => number;
  private readonly windowSeconds: number;
  private readonly policyHeaders: { app: string; ip: string };
  /** Store keys whose call missed its deadline and has not settled yet. */
  private readonly stalled = new Set<string>();
  /** Credential fingerprint → end of its block (ms since the epoch). */
  private readonly blockedCredentials = new Map<string, number>();
  /** {@link hintOf} of blocked credentials → latest end of their blocks. */
  private readonly blockedHints = new Map<string, number>();
  /** Address → end of its block. */
  private readonly blockedAddresses = new Map<string, number>();

  constructor(options: RateLimiterOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new Error('rate limit max must be a positive integer');
    this.max = options.max;
    this.windowMs = options.windowMs;
    this.maxCredentialFailures = options.maxCredentialFailures ?? Math.max(1, Math.ceil(options.max / 10));
    this.maxAddressFailures = options.maxAddressFailures ?? Math.max(this.maxCredentialFailures, Math.ceil(options.max / 4));
    this.openStore = options.openStore;
    this.storeTimeoutMs = options.storeTimeoutMs ?? 250;
    this.maxStalledCalls = options.maxStalledCalls ?? 4;
    this.onStoreError = options.onStoreError ?? (() => undefined);
    this.now = options.now ?? Date.now;
    this.windowSeconds = Math.max(1, Math.round(options.windowMs / 1000));
    this.policyHeaders = { app: this.policy('app', this.max), ip: this.policy('ip', this.max) };
  }

  /**
   * Counts one request of `subject`. Returns the response headers to send (on success and on
   * refusal alike); throws `rate_limit_error` (429, with `Retry-After` and the same headers) when
   * the subject is over its budget. Never throws for a store failure or timeout.
   */
  async consume(subject: RateLimitSubject): Promise<Record<string, string>> {
    const [policy, key] = 'appId' in subject ? (['app', `app:${subject.appId}`] as const) : (['ip', `ip:${subject.ip}`] as const);
    const res = await this.call('requests', key, 'consume');
    if (res === undefined) return {};
    const reset = secondsFrom(res.msBeforeNext);
    const headers: Record<string, string> = {
      'RateLimit-Policy': this.policyHeaders[policy],
      RateLimit: `"${policy}";r=${res.remainingPoints};t=${reset}`,
    };
    if (res.consumedPoints > this.max) throw this.refusal(reset, headers);
    return headers;
  }

  /**
   * Throws `rate_limit_error` when one of `credentials` is blocked, or when `ip` is blocked and
   * `allKnown()` (asked only then) says not every credential was verified before. Call before
   * checking the credentials. Local lookups only, no I/O; hashes a credential only when its
   * hint matches a blocked one.
   */
  assertMayAuthenticate(ip: string, credentials: readonly PresentedCredential[], allKnown: () => boolean): void {
    if (this.blockedHints.size > 0) {
      for (const credential of credentials) {
        const hint = hintOf(credential);
        const hintUntil = this.blockedHints.get(hint);
        if (hintUntil === undefined) continue;
        const now = this.now();
        if (hintUntil <= now) {
          this.blockedHints.delete(hint);
          continue;
        }
        const fingerprint = fingerprintOf(credential);
        const until = this.blockedCredentials.get(fingerprint);
        if (until === undefined) continue;
        if (until <= now) this.blockedCredentials.delete(fingerprint);
        else throw this.blockRefusal('credential', this.maxCredentialFailures, until - now);
      }
    }
    if (this.blockedAddresses.size > 0) {
      const until = this.blockedAddresses.get(ip);
      if (until === undefined) return;
      const now = this.now();
      if (until <= now) this.blockedAddresses.delete(ip);
      else if (!allKnown()) throw this.blockRefusal('address', this.maxAddressFailures, until - now);
    }
  }

  /**
   * Records that `credential`, presented from `ip`, was refused (401): counts it against the
   * credential, and its first failure in the window against the address; blocks either once it
   * is over its budget. Never throws.
   */
  async recordFailure(ip: string, credential: PresentedCredential): Promise<void> {
    const fingerprint = fingerprintOf(credential);
    const failures = await this.call('credentialFailures', fingerprint, 'penalty');
    if (failures === undefined) return;
    if (failures.consumedPoints >= this.maxCredentialFailures) {
      // The store's answer says how long the window still runs; translate it to our clock.
      const until = this.now() + failures.msBeforeNext;
      block(this.blockedCredentials, fingerprint, until);
      block(this.blockedHints, hintOf(credential), until);
    }
    // A credential failing again is the same client retrying; only a new one counts at the address.
    if (failures.consumedPoints !== 1) return;
    const distinct = await this.call('addressFailures', ip, 'penalty');
    if (distinct !== undefined && distinct.consumedPoints >= this.maxAddressFailures) {
      block(this.blockedAddresses, ip, this.now() + distinct.msBeforeNext);
    }
  }

  /**
   * Opens the store and builds the counters; call once before serving (app.ts does, on ready).
   * Throws when the store cannot be set up at all (a bad option); a store that is merely
   * unreachable opens anyway and its calls fail open until it answers.
   */
  async start(): Promise<void> {
    this.opening ??= this.openStore().then((store) => {
      const windowMs = this.windowMs;
      this.counters = {
        store,
        requests: store.limiter('request', this.max, windowMs),
        credentialFailures: store.limiter('credential', this.maxCredentialFailures, windowMs),
        addressFailures: store.limiter('address', this.maxAddressFailures, windowMs),
      };
      return this.counters;
    });
    await this.opening;
  }

  /** Stops the store's background work and closes what it owns. */
  async close(): Promise<void> {
    const counters = await this.opening?.catch(() => undefined);
    await counters?.store.close();
  }

  /**
   * One counter operation with the store deadline; `undefined` when the store failed, timed out
   * or is still busy with a late call for the same key (fail open). `consume` resolves with the
   * counter state also when it is over the budget (the library rejects with it then).
   */
  private async call(counter: CounterName, key: string, operation: 'consume' | 'penalty'): Promise<RateLimiterRes | undefined> {
    const counters = this.counters;
    if (counters === undefined) {
      this.onStoreError(new Error('rate limiter used before start()'));
      return undefined;
    }
    const limiter = counters[counter];
    const storeKey = limiter.getKey(key);
    if (this.stalled.size > 0 && (this.stalled.has(storeKey) || this.stalled.size >= this.maxStalledCalls)) return undefined;
    const pending = (operation === 'consume' ? limiter.consume(key) : limiter.penalty(key)).catch((reason: unknown) => {
      if (isCounterState(reason)) return reason;
      throw reason;
    });
    if (!counters.store.remote) {
      try {
        return await pending;
      } catch (error) {
        this.onStoreError(error);
        return undefined;
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, this.storeTimeoutMs, undefined);
    });
    try {
      const res = await Promise.race([pending, deadline]);
      if (res !== undefined) return res;
    } catch (error) {
      this.onStoreError(error);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
    // Late: let this request through, and keep the key out of the store until the call settles.
    this.stalled.add(storeKey);
    this.onStoreError(new RateLimitStoreTimeout(storeKey, this.storeTimeoutMs));
    void pending.then(
      () => this.stalled.delete(storeKey),
      () => this.stalled.delete(storeKey),
    );
    return undefined;
  }

  private policy(name: string, quota: number): string {
    return `"${name}";q=${quota};w=${this.windowSeconds}`;
  }

  private blockRefusal(name: 'credential' | 'address', quota: number, remainingMs: number): AppError {
    const reset = secondsFrom(remainingMs);
    return this.refusal(reset, { 'RateLimit-Policy': this.policy(name, quota), RateLimit: `"${name}";r=0;t=${reset}` });
  }

  private refusal(retryAfterSeconds: number, headers: Record<string, string>): AppError {
    return new AppError('rate_limit_error', 'too many requests, retry later', {
      code: 'rate_limited',
      headers: { ...headers, 'Retry-After': String(retryAfterSeconds) },
    });
  }
}
