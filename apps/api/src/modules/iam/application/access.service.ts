import type { AppAuthenticator, AppCredentials as Credentials, AuthApp, Authorizer, AuthUser } from '../../../platform/auth/ports.js';
import { unauthenticated } from '../../../platform/auth/auth-failure.js';
import { apiKeyMatches, keyIdOf } from '../domain/api-key.js';
import type { AppCredentials } from '../domain/api-key.repo.js';
import type { IamRepositories } from '../domain/iam.store.js';
import { routeKey } from '../domain/rbac.js';
import { LRUCache } from 'lru-cache';

/** Options of {@link AccessService}. */
export interface AccessServiceOptions {
  /** Safety net: cached entries expire after this even without a change notification. */
  ttlMs?: number;
  /** Entries per cache; the least recently used one goes first. */
  maxEntries?: number;
  /** The clock the expiries run on (milliseconds; tests move it). */
  now?: () => number;
}

/** What {@link AccessService} reads: users, app credentials, and the routes a user's roles allow. */
export type AccessRepositories = Pick<IamRepositories, 'users' | 'apiKeys' | 'rbac'>;

/**
 * App authentication (X-APP-ID + X-API-KEY, or the token's client id) and RBAC decisions, the
 * platform's `AppAuthenticator` and `Authorizer` ports. Lookups are cached per instance and
 * dropped whenever any instance reports an iam change (LISTEN/NOTIFY, see module.ts), so grants,
 * revocations, key revocations and role changes apply everywhere within the notification delay.
 */
export class AccessService implements AppAuthenticator, Authorizer {
  private readonly apps: LRUCache<string, AppCredentials>;
  private readonly clients: LRUCache<string, AppCredentials>;
  private readonly userIds: LRUCache<string, string>;
  private readonly routes: LRUCache<string, Set<string>>;
  /** Keys already verified against their hash, so repeat calls skip hashing; cleared on change. */
  private readonly verifiedKeys: LRUCache<string, { app: AuthApp; deactivationAt: number }>;
  /**
   * Bumped by every {@link invalidate}: a load that started before a change stores nothing, as
   * its (possibly stale) result may predate the change.
   */
  private generation = 0;
  private readonly now: () => number;

  constructor(
    private readonly repos: AccessRepositories,
    options: AccessServiceOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    // One shape for every cache: bounded (LRU), entries expire after the TTL, checked on read.
    // ttlResolution 0: read the clock on every check rather than reuse it for a millisecond.
    const cacheOptions = { max: options.maxEntries ?? 10_000, ttl: options.ttlMs ?? 30_000, ttlResolution: 0, perf: { now: this.now } };
    this.apps = new LRUCache(cacheOptions);
    this.clients = new LRUCache(cacheOptions);
    this.userIds = new LRUCache(cacheOptions);
    this.routes = new LRUCache(cacheOptions);
    this.verifiedKeys = new LRUCache(cacheOptions);
  }

  /** Drops every cached decision (called on change notifications and after local writes). */
  invalidate(): void {
    this.generation++;
    for (const cache of [this.verifiedKeys, this.apps, this.clients, this.userIds, this.routes]) cache.clear();
  }

  /** The value cached under `key`, else `load`'s (stored when defined and no change came meanwhile). */
  private async cached<V extends {}>(cache: LRUCache<string, V>, key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const generation = this.generation;
    const value = await load();
    if (value !== undefined && generation === this.generation) cache.set(key, value);
    return value;
  }

  /**
   * Authenticates the calling app; throws `unauthenticated` with code `app_credentials_invalid`
   * for an unknown app and a wrong, revoked or expired key alike (a guesser cannot tell an app id
   * exists), `app_unknown_client` when no app has the token's client id, `app_credentials_required`
   * when nothing was presented.
   */
  async authenticate(credentials: Credentials): Promise<AuthApp> {
    if (credentials.appId !== undefined) {
      const apiKey = credentials.apiKey ?? '';
      const memoKey = `${credentials.appId}\u0000${apiKey}`;
      const verified = this.verifiedKeys.get(memoKey);
      if (verified) {
        if (verified.deactivationAt > this.now()) return verified.app;
        throw unauthenticated('app_credentials_invalid');
      }
      const keyId = keyIdOf(apiKey);
      if (!keyId) throw unauthenticated('app_credentials_invalid');
      const generation = this.generation;
      const app = await this.cached(this.apps, credentials.appId, () => this.repos.apiKeys.findAppCredentials(credentials.appId!));
      const key = app?.keys.find((k) => k.keyId === keyId);
      // Hash compared in constant time; revoked keys are absent, expired ones refused here.
      if (!app || !key || !apiKeyMatches(apiKey, key.hash) || key.deactivationDate.getTime() <= this.now()) {
        throw unauthenticated('app_credentials_invalid');
      }
      const authApp = toAuthApp(app);
      // Not remembered when a change arrived meanwhile: the key may have been revoked.
      if (generation === this.generation) this.verifiedKeys.set(memoKey, { app: authApp, deactivationAt: key.deactivationDate.getTime() });
      return authApp;
    }
    if (credentials.clientId !== undefined) {
      const clientId = credentials.clientId;
      const app = await this.cached(this.clients, clientId, () => this.repos.apiKeys.findAppCredentialsByClientId(clientId));
      if (!app) throw unauthenticated('app_unknown_client');
      return toAuthApp(app);
    }
    throw unauthenticated('app_credentials_required');
  }

  /** True when this app id and key were verified before and still hold (memo lookup only: no I/O, no hashing). */
  knows(credentials: { appId: string; apiKey: string }): boolean {
    const verified = this.verifiedKeys.get(`${credentials.appId}\u0000${credentials.apiKey}`);
    return verified !== undefined && verified.deactivationAt > this.now();
  }

  /** True when the user holds, in the app's org, an active role with an active permission for (resource, method). */
  async isAuthorized(user: AuthUser, app: AuthApp, resource: string, method: string): Promise<boolean> {
    const userId = await this.findUserId(user);
    if (!userId) return false;
    const routes = await this.cached(
      this.routes,
      `${userId}\u0000${app.orgId}`,
      async () => new Set(await this.repos.rbac.findUserRoutes(userId, app.orgId)),
    );
    return routes?.has(routeKey({ operation: method, resource })) ?? false;
  }

  /** The internal id of a registered user, cached. */
  async findUserId(user: AuthUser): Promise<string | undefined> {
    return this.cached(
      this.userIds,
      `${user.issuer}\u0000${user.subject}`,
      async () => (await this.repos.users.findUserByIssuerSubject(user.issuer, user.subject))?.id,
    );
  }
}

function toAuthApp(app: AppCredentials): AuthApp {
  return { id: app.appId, externalId: app.appExternalId, orgId: app.orgId, orgExternalId: app.orgExternalId, orgKind: app.orgKind };
}
