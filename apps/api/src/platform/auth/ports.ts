/**
 * Ports of the authentication and authorization layer. The platform owns them; the JWT verifier
 * lives in platform/auth, app authentication and RBAC are implemented by the iam module and handed
 * to the platform by app.ts.
 */

/** The authenticated user of a request, taken from a verified JWT. */
export interface AuthUser {
  issuer: string;
  subject: string;
  email?: string;
  name?: string;
  givenName?: string;
  familyName?: string;
  /** The OAuth2 client the token was issued to (`azp`, else `client_id`), used to find the app. */
  clientId?: string;
  /** Expiry of the token, seconds since the epoch. */
  expiresAt: number;
}

/** Verifies bearer tokens. */
export interface TokenVerifier {
  /**
   * Verifies `token` (without the `Bearer ` prefix) and returns its user.
   * Throws AppError `unauthenticated` for every invalid token.
   */
  verify(token: string): Promise<AuthUser>;
  /**
   * True when `token` was verified before and is still valid (a cache lookup: no I/O, no
   * crypto). Lets the failed-credentials throttle wave through callers it has already seen.
   */
  knows(token: string): boolean;
  /** True while the verifier holds a usable key set (readiness). */
  isReady(): boolean;
  /** Fetches the key set now; throws when it cannot (startup is eager). */
  start(): Promise<void>;
  /** Stops background refresh. */
  stop(): void;
}

/** The authenticated app of a request. */
export interface AuthApp {
  /** Internal id, never sent to clients. */
  id: string;
  externalId: string;
  orgId: string;
  orgExternalId: string;
  orgKind: 'principal' | 'test' | 'standard';
}

/** Credentials an app may present. Both header values, or the token's client id. */
export interface AppCredentials {
  appId?: string;
  apiKey?: string;
  clientId?: string;
}

/** Authenticates apps; implemented by the iam module. */
export interface AppAuthenticator {
  /** The app of `credentials`; throws AppError `unauthenticated` whose code says why not. */
  authenticate(credentials: AppCredentials): Promise<AuthApp>;
  /**
   * True when this app id and key were verified before and still hold (a cache lookup: no I/O,
   * no hashing). Lets the failed-credentials throttle wave through callers it has already seen.
   */
  knows(credentials: { appId: string; apiKey: string }): boolean;
}

/** Decides RBAC (per org); implemented by the iam module. */
export interface Authorizer {
  /** True when `user` holds an active role with an active permission for (resource, method) in the app's org. */
  isAuthorized(user: AuthUser, app: AuthApp, resource: string, method: string): Promise<boolean>;
}

/** What the security hook attaches to every request. */
export interface RequestAuth {
  user?: AuthUser;
  app?: AuthApp;
}
