import type { TransactionEvents } from '../../../platform/events/event.js';
import type { ExpectedVersion } from '../../../platform/errors/precondition.js';
import type { GeneratedApiKey } from './api-key.js';
import type { Actor } from './audit.js';
import type { ApiKeyInfo, AppKeys } from './api-key.js';
import type { App } from './app.js';
import type { Member, Org, OrgKind } from './org.js';
import type { Operation, Permission, Role, Route } from './rbac.js';
import type { User, UserProfile } from './user.js';

/** Keyset position in a newest-first list. */
export interface After {
  sortKey: string;
  externalId: string;
}

/** What app authentication needs about an app: its org, and its active (unrevoked) keys. */
export interface AppCredentials {
  appId: string;
  appExternalId: string;
  orgId: string;
  orgExternalId: string;
  orgKind: OrgKind;
  keys: { keyId: string; hash: Buffer; deactivationDate: Date }[];
}

/** The orgs genesis created (internal ids). */
export interface GenesisRecord {
  principalOrgId: string;
  testOrgId: string;
  userOrgId: string;
  principalAppId: string;
  testAppId: string;
  userAppId: string;
}

/**
 * Storage of the iam module (port). One interface over one schema: every method is a single
 * statement (or a short fixed sequence); services compose them inside transactions.
 */
export interface IamRepository {
  // users
  findUserByIssuerSubject(issuer: string, subject: string): Promise<User | undefined>;
  findUserByExternalId(externalId: string): Promise<User | undefined>;
  /** Inserts person + user; `created` false when (issuer, subject) already existed. */
  createUser(profile: UserProfile, ids: { personExternalId: string; userExternalId: string }, actor: Actor): Promise<{ created: boolean }>;
  updateUserProfile(userId: string, profile: UserProfile, actor: Actor): Promise<void>;

  // orgs, members, grants
  createOrg(org: { externalId: string; name: string; description: string; kind: OrgKind }, actor: Actor): Promise<Org>;
  findOrgByExternalId(externalId: string): Promise<Org | undefined>;
  findOrgById(id: string): Promise<Org | undefined>;
  findOrgs(filter: { onlyOrgId?: string; after?: After; limit: number }): Promise<Org[]>;
  /** False when `expected` does not match the current version (or the org is gone). */
  updateOrg(orgId: string, fields: { name: string; description: string }, actor: Actor, expected?: ExpectedVersion): Promise<boolean>;
  deleteOrg(orgId: string, expected?: ExpectedVersion): Promise<boolean>;
  addMember(orgId: string, userId: string, actor: Actor): Promise<void>;
  grantRole(orgId: string, userId: string, roleId: string, actor: Actor): Promise<void>;
  revokeRole(orgId: string, userId: string, roleId: string): Promise<boolean>;
  findMembers(orgId: string, filter: { onlyUserId?: string; after?: After; limit: number }): Promise<Member[]>;

  // apps and keys
  createApp(
    app: { externalId: string; orgId: string; name: string; description: string; oauth2ClientId: string | null },
    actor: Actor,
  ): Promise<string>;
  findAppByExternalId(externalId: string): Promise<App | undefined>;
  findAppById(id: string): Promise<App | undefined>;
  findApps(orgId: string, filter: { after?: After; limit: number }): Promise<App[]>;
  updateApp(
    appId: string,
    fields: { name: string; description: string; oauth2ClientId: string | null },
    actor: Actor,
    expected?: ExpectedVersion,
  ): Promise<boolean>;
  deleteApp(appId: string, expected?: ExpectedVersion): Promise<boolean>;
  addApiKey(appId: string, key: GeneratedApiKey, deactivationDate: Date, actor: Actor): Promise<ApiKeyInfo>;
  revokeApiKey(appId: string, keyId: string, actor: Actor): Promise<boolean>;
  /** Every app (or only `appId`) with its keys, unrevoked only unless `includeRevoked`; by org, then app. */
  findAppKeys(filter: { appId?: string; includeRevoked: boolean }): Promise<AppKeys[]>;
  findAppCredentials(appExternalId: string): Promise<AppCredentials | undefined>;
  findAppCredentialsByClientId(clientId: string): Promise<AppCredentials | undefined>;

  // permissions and roles
  createPermission(
    p: { externalId: string; resource: string; operation: Operation; description: string; active: boolean },
    actor: Actor,
  ): Promise<string>;
  findPermissions(filter?: { onlyId?: string; onlyExternalId?: string }): Promise<Permission[]>;
  deletePermission(externalId: string): Promise<boolean>;
  /** Ids of the permissions naming these routes, keyed by `resource operation`. */
  findPermissionIds(routes: Route[]): Promise<Map<string, string>>;
  createRole(r: { externalId: string; code: string; description: string; active: boolean }, actor: Actor): Promise<string>;
  findRoles(onlyCode?: string): Promise<Role[]>;
  findRoleId(code: string): Promise<string | undefined>;
  updateRole(roleId: string, fields: { description: string; active: boolean }, actor: Actor, expected?: ExpectedVersion): Promise<boolean>;
  /** The deleted role's external id; undefined when none matched (unknown, or `expected` failed). */
  deleteRole(code: string, expected?: ExpectedVersion): Promise<string | undefined>;
  setRolePermissions(roleId: string, permissionIds: string[], actor: Actor): Promise<void>;
  /** `METHOD /template` of every active permission of every active role of the user in the org. */
  findUserRoutes(userId: string, orgId: string): Promise<string[]>;

  // genesis
  /**
   * Takes the transaction-scoped genesis lock without waiting: false when another genesis is
   * running (its caller gets 409 at once, never a wait that could end in a lock timeout).
   */
  lockGenesis(): Promise<boolean>;
  findGenesis(): Promise<GenesisRecord | undefined>;
  recordGenesis(record: GenesisRecord, actor: Actor): Promise<void>;

  /** Tells every instance (on commit) that iam data changed, so caches drop what they hold. */
  notifyChange(what: string): Promise<void>;
}

/** Runs work on the repository, optionally in one transaction. */
export interface IamStore {
  repo: IamRepository;
  /**
   * Runs `fn` in one transaction; afterwards this instance's caches are invalidated if `fn` changed
   * data. `events` records iam's events (events.ts) in that same transaction.
   */
  transaction<T>(fn: (repo: IamRepository, events: TransactionEvents) => Promise<T>): Promise<T>;
}
