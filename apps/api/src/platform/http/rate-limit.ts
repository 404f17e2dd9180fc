import { AppError } from '../errors/app-error.js';

/** One counted hit: the count in the current window after this hit, and when that window ends. */
export interface RateLimitHit {
  count: number;
  /** End of the window, ms since the epoch (on the store's clock). */
  resetAt: number;
  /** The store's current time, ms since the epoch (so `resetAt - now` needs no shared clock). */
  now: number;
}

/**
 * Where fixed-window counters live. Windows are aligned to the epoch (`floor(now / windowMs)`),
 * so every instance sharing a store counts in the same window. Implementations: in-process
 * ({@link MemoryRateLimitStore}, the default) and PostgreSQL (`rate-limit-pg.ts`); a Redis store
 * would implement the same two methods (`INCR` + `PEXPIREAT` on `key:windowStart`).
 */
export interface RateLimitStore {
  /** Adds one hit to `key` in the current window of length `windowMs`. May reject (store down). */
  hit(key: string, windowMs: number): Promise<RateLimitHit>;
  /** Stops background work (cleanup timers). */
  close(): Promise<void>;
}

/**
 * The in-process store: counters of the current window in one Map that is replaced when the
 * window ends, so memory never outgrows one window's keys and no cleanup timer is needed.
 * Correct for a single instance; with several instances each counts on its own (use the
 * PostgreSQL store to share).
 */
export class MemoryRateLimitStore implements RateLimitStore {
  private windowStart = -1;
  private counts = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, windowMs: number): Promise<RateLimitHit> {
    const now = this.now();
    const windowStart = Math.floor(now / windowMs) * windowMs;
    if (windowStart !== this.windowStart) {
      // A new window: every old counter is void at once.
      this.windowStart = windowStart;
      this.counts = new Map();
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return { count, resetAt: windowStart + windowMs, now };
  }

  async close(): Promise<void> {
    this.counts.clear();
  }
}

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Requests per window per app (per IP when no app is authenticated); must be ≥ 1. */
  max: number;
  windowMs: number;
  store: RateLimitStore;
  /** Failed authentications per window per IP before that IP is refused; default `ceil(max / 10)`. */
  maxAuthFailures?: number;
  /** Called when the store fails (the request is then let through: fail open). */
  onStoreError?: (error: unknown) => void;
  /** The clock of the local auth-failure block list (tests). */
  now?: () => number;
}

/** Who a request is counted against. */
export type RateLimitSubject = { appId: string } | { ip: string };

/** Seconds until `resetAt`, at least 1 (a `Retry-After: 0` invites a tight retry loop). */
function secondsUntil(resetAt: number, now: number): number {
  return Math.max(1, Math.ceil((resetAt - now) / 1000));
}

/** Upper bound of IPs in the local block list; beyond it the oldest entries are dropped. */
const maxBlockedIps = 100_000;

/**
 * Rate limiting of the API (CONTRACT §2/§3), a fixed window per app, per IP before an app is
 * known, and a stricter per-IP budget for failed credentials. Used by the security hook after
 * authentication and before RBAC. Every counted response carries the IETF headers of
 * draft-ietf-httpapi-ratelimit-headers (`RateLimit-Policy: "app";q=100;w=60`,
 * `RateLimit: "app";r=42;t=18`); a refusal is `rate_limit_error` (429) with `Retry-After`.
 *
 * Failed credentials: each 401 counts against `auth:<ip>` in the store; once the budget is used
 * up the IP is blocked locally until the window ends, and requests from it that carry
 * credentials are refused before they are checked (guessing keys or tokens gets nowhere). With a
 * shared store every instance blocks as soon as it sees one failure over the shared budget, so a
 * guesser spread over N instances gets at most `maxAuthFailures + N - 1` tries per window.
 * If the store fails, requests pass (fail open) and `onStoreError` is told.
 */
export class RateLimiter {
  readonly max: number;
  readonly windowMs: number;
  readonly maxAuthFailures: number;
  private readonly store: RateLimitStore;
  private readonly onStoreError: (error: unknown) => void;
  private readonly now: () => number;
  private readonly windowSeconds: number;
  /** IP → end of its block (ms since the epoch). */
  private readonly blockedUntil = new Map<string, number>();

  constructor(options: RateLimiterOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new Error('rate limit max must be a positive integer');
    this.max = options.max;
    this.windowMs = options.windowMs;
    this.maxAuthFailures = options.maxAuthFailures ?? Math.max(1, Math.ceil(options.max / 10));
    this.store = options.store;
    this.onStoreError = options.onStoreError ?? (() => undefined);
    this.now = options.now ?? Date.now;
    this.windowSeconds = Math.max(1, Math.round(options.windowMs / 1000));
  }

  /**
   * Counts one request of `subject`. Returns the response headers to send (on success and on
   * refusal alike); throws `rate_limit_error` (429, with `Retry-After` and the same headers) when
   * the subject is over its budget. Never throws for a store failure.
   */
  async consume(subject: RateLimitSubject): Promise<Record<string, string>> {
    const [policy, key] = 'appId' in subject ? ['app', `app:${subject.appId}`] : ['ip', `ip:${subject.ip}`];
    let hit: RateLimitHit;
    try {
      hit = await this.store.hit(key, this.windowMs);
    } catch (error) {
      this.onStoreError(error);
      return {};
    }
    const remaining = Math.max(0, this.max - hit.count);
    const reset = secondsUntil(hit.resetAt, hit.now);
    const headers: Record<string, string> = {
      'RateLimit-Policy': `"${policy}";q=${this.max};w=${this.windowSeconds}`,
      RateLimit: `"${policy}";r=${remaining};t=${reset}`,
    };
    if (hit.count > this.max) throw this.refusal(reset, headers);
    return headers;
  }

  /**
   * Throws `rate_limit_error` when `ip` has used up its failed-credentials budget in this
   * window; call before checking credentials. A local lookup, no I/O.
   */
  assertNotBlocked(ip: string): void {
    const until = this.blockedUntil.get(ip);
    if (until === undefined) return;
    const now = this.now();
    if (until <= now) {
      this.blockedUntil.delete(ip);
      return;
    }
    const reset = secondsUntil(until, now);
    throw this.refusal(reset, {
      'RateLimit-Policy': `"auth";q=${this.maxAuthFailures};w=${this.windowSeconds}`,
      RateLimit: `"auth";r=0;t=${reset}`,
    });
  }

  /** Records a failed authentication from `ip`; blocks the IP once it is over its budget. */
  async recordAuthFailure(ip: string): Promise<void> {
    let hit: RateLimitHit;
    try {
      hit = await this.store.hit(`auth:${ip}`, this.windowMs);
    } catch (error) {
      this.onStoreError(error);
      return;
    }
    if (hit.count < this.maxAuthFailures) return;
    if (this.blockedUntil.size >= maxBlockedIps) {
      // Bounded memory under an address-spraying attack: forget the oldest block.
      const oldest = this.blockedUntil.keys().next();
      if (!oldest.done) this.blockedUntil.delete(oldest.value);
    }
    // The store's clock decides the window; translate its end to ours.
    this.blockedUntil.set(ip, this.now() + (hit.resetAt - hit.now));
  }

  /** Stops the store's background work. */
  close(): Promise<void> {
    return this.store.close();
  }

  private refusal(retryAfterSeconds: number, headers: Record<string, string>): AppError {
    return new AppError('rate_limit_error', 'too many requests, retry later', {
      code: 'rate_limited',
      headers: { ...headers, 'Retry-After': String(retryAfterSeconds) },
    });
  }
}
