/**
 * Ports of the authentication and authorization layer. The platform owns them; the JWT verifier
 * lives in platform/auth, app authentication and RBAC are implemented by the iam module and handed
 * to the platform by app.ts.
 */

/** The authenticated user of a request, taken from a verified JWT (CONTRACT §4). */
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
  /** True while the verifier holds a usable key set (readiness). */
  isReady(): boolean;
  /** Fetches the key set now; throws when it cannot (startup is eager). */
  start(): Promise<void>;
  /** Stops background refresh. */
  stop(): void;
}

/** The authenticated app of a request (CONTRACT §4, Apps). */
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

/** Authenticates apps; implemented by the iam module. Throws AppError `unauthenticated`. */
export interface AppAuthenticator {
  authenticate(credentials: AppCredentials): Promise<AuthApp>;
}

/** Decides RBAC (CONTRACT §5); implemented by the iam module. */
export interface Authorizer {
  /** True when `user` holds an active role with an active permission for (resource, method) in the app's org. */
  isAuthorized(user: AuthUser, app: AuthApp, resource: string, method: string): Promise<boolean>;
}

/** What the security hook attaches to every request. */
export interface RequestAuth {
  user?: AuthUser;
  app?: AuthApp;
}
