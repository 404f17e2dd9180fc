import { expectedVersionsParam, type ExpectedVersion } from '../../../platform/errors/precondition.js';
import type { Queryable } from '../../../platform/db/db.js';
import type { After, AppCredentials, GenesisRecord, IamRepository } from '../domain/iam.repo.js';
import type { Actor, Audit, AuditParty } from '../domain/audit.js';
import type { ApiKeyInfo, AppKeys, GeneratedApiKey } from '../domain/api-key.js';
import type { App } from '../domain/app.js';
import type { Member, Org, OrgKind } from '../domain/org.js';
import type { Operation, Permission, Role, Route } from '../domain/rbac.js';
import type { User, UserProfile } from '../domain/user.js';
import { routeKey } from '../domain/rbac.js';
import { queriesAbout } from '../../../platform/db/typed-query.js';
import * as appQueries from './app.queries.js';
import * as genesisQueries from './genesis.queries.js';
import * as orgQueries from './org.queries.js';
import * as rbacQueries from './rbac.queries.js';
import * as userQueries from './user.queries.js';

// What each query's rows are, for the messages of its unique violations and still-referenced rows.
const apps = queriesAbout(appQueries, 'app', {
  insertApp: (p) => `an app named "${p.name}" in this org, or one with this OAuth2 client id,`,
  updateApp: (p) => `an app named "${p.name}" in this org, or one with this OAuth2 client id,`,
});
const genesis = queriesAbout(genesisQueries, 'genesis');
const orgs = queriesAbout(orgQueries, 'org', {
  insertOrg: (p) => `an org named "${p.name}"`,
  updateOrg: (p) => `an org named "${p.name}"`,
});
const rbac = queriesAbout(rbacQueries, 'role', {
  insertPermission: (p) => `a permission for ${p.operation} ${p.resource}`,
  insertRole: (p) => `a role with code "${p.code}"`,
});
const users = queriesAbout(userQueries, 'user');

interface AuditRow {
  create_app_extl_id: string | null;
  create_user_first_name: string | null;
  create_user_last_name: string | null;
  create_at: Date;
  update_app_extl_id: string | null;
  update_user_first_name: string | null;
  update_user_last_name: string | null;
  update_at: Date;
}

function toAudit(row: AuditRow): Audit {
  return {
    createAppExtlId: row.create_app_extl_id,
    createUserFirstName: row.create_user_first_name,
    createUserLastName: row.create_user_last_name,
    createdAt: row.create_at,
    updateAppExtlId: row.update_app_extl_id,
    updateUserFirstName: row.update_user_first_name,
    updateUserLastName: row.update_user_last_name,
    updatedAt: row.update_at,
  };
}

function actorParams(actor: Actor) {
  return { actorAppId: actor.appId, actorUserId: actor.userId };
}

function toUser(row: userQueries.ISelectUserByExtlIdResult): User {
  return {
    id: row.user_id,
    externalId: row.extl_id,
    issuer: row.issuer,
    subject: row.subject,
    email: row.email,
    name: row.name,
    givenName: row.given_name,
    familyName: row.family_name,
    createdAt: row.create_at,
    updatedAt: row.update_at,
  };
}

function toOrg(row: orgQueries.ISelectOrgByExtlIdResult): Org {
  return {
    id: row.org_id,
    externalId: row.extl_id,
    name: row.name,
    description: row.description,
    kind: row.kind as OrgKind,
    version: row.version,
    audit: toAudit(row),
    sortKey: row.sort_key,
  };
}

function expectedParams(expected: ExpectedVersion | undefined) {
  return { expectedVersions: expectedVersionsParam(expected) };
}

function afterParams(after: After | undefined) {
  return { afterCreateAt: after?.sortKey ?? null, afterExtlId: after?.externalId ?? null };
}

/** The iam repository on PostgreSQL (or PGlite) through the typed queries of infra/*.sql. */
export class PgIamRepository implements IamRepository {
  constructor(private readonly db: Queryable) {}

  async findUserByIssuerSubject(issuer: string, subject: string): Promise<User | undefined> {
    const [row] = await users.selectUserByIssuerSubject.run({ issuer, subject }, this.db);
    return row ? toUser(row) : undefined;
  }

  async findUserByExternalId(externalId: string): Promise<User | undefined> {
    const [row] = await users.selectUserByExtlId.run({ extlId: externalId }, this.db);
    return row ? toUser(row) : undefined;
  }

  async createUser(
    profile: UserProfile,
    ids: { personExternalId: string; userExternalId: string },
    actor: Actor,
  ): Promise<{ created: boolean }> {
    const [person] = await users.insertPerson.run({ extlId: ids.personExternalId, ...actorParams(actor) }, this.db);
    const inserted = await users.insertUser.run(
      {
        extlId: ids.userExternalId,
        personId: person!.person_id,
        issuer: profile.issuer,
        subject: profile.subject,
        email: profile.email,
        name: profile.name,
        givenName: profile.givenName,
        familyName: profile.familyName,
        ...actorParams(actor),
      },
      this.db,
    );
    return { created: inserted.length > 0 };
  }

  async updateUserProfile(userId: string, profile: UserProfile, actor: Actor): Promise<void> {
    await users.updateUserProfile.run(
      {
        userId,
        email: profile.email,
        name: profile.name,
        givenName: profile.givenName,
        familyName: profile.familyName,
        ...actorParams(actor),
      },
      this.db,
    );
  }

  async createOrg(org: { externalId: string; name: string; description: string; kind: OrgKind }, actor: Actor): Promise<Org> {
    const [row] = await orgs.insertOrg.run(
      { extlId: org.externalId, name: org.name, description: org.description, kind: org.kind, ...actorParams(actor) },
      this.db,
    );
    return toOrg(row!);
  }

  async findOrgByExternalId(externalId: string): Promise<Org | undefined> {
    const [row] = await orgs.selectOrgByExtlId.run({ extlId: externalId }, this.db);
    return row ? toOrg(row) : undefined;
  }

  async findOrgById(id: string): Promise<Org | undefined> {
    const [row] = await orgs.selectOrgById.run({ orgId: id }, this.db);
    return row ? toOrg(row) : undefined;
  }

  async findOrgs(filter: { onlyOrgId?: string; after?: After; limit: number }): Promise<Org[]> {
    const rows = await orgs.selectOrgs.run(
      { onlyOrgId: filter.onlyOrgId ?? null, ...afterParams(filter.after), limit: filter.limit },
      this.db,
    );
    return rows.map(toOrg);
  }

  async updateOrg(
    orgId: string,
    fields: { name: string; description: string },
    actor: Actor,
    expected?: ExpectedVersion,
  ): Promise<boolean> {
    return (await orgs.updateOrg.run({ orgId, ...fields, ...actorParams(actor), ...expectedParams(expected) }, this.db)).length > 0;
  }

  async deleteOrg(orgId: string, expected?: ExpectedVersion): Promise<boolean> {
    return (await orgs.deleteOrg.run({ orgId, ...expectedParams(expected) }, this.db)).length > 0;
  }

  async addMember(orgId: string, userId: string, actor: Actor): Promise<void> {
    await orgs.insertOrgUser.run({ orgId, userId, ...actorParams(actor) }, this.db);
  }

  async grantRole(orgId: string, userId: string, roleId: string, actor: Actor): Promise<void> {
    await orgs.insertUserRole.run({ orgId, userId, roleId, ...actorParams(actor) }, this.db);
  }

  async revokeRole(orgId: string, userId: string, roleId: string): Promise<boolean> {
    return (await orgs.deleteUserRole.run({ orgId, userId, roleId }, this.db)).length > 0;
  }

  async findMembers(orgId: string, filter: { onlyUserId?: string; after?: After; limit: number }): Promise<Member[]> {
    const rows = await orgs.selectOrgMembers.run(
      { orgId, onlyUserId: filter.onlyUserId ?? null, ...afterParams(filter.after), limit: filter.limit },
      this.db,
    );
    return rows.map((row) => ({
      userExternalId: row.user_extl_id,
      email: row.email,
      name: row.name,
      roleCodes: row.role_codes as string[],
      sortKey: row.sort_key,
    }));
  }

  async createApp(
    app: { externalId: string; orgId: string; name: string; description: string; oauth2ClientId: string | null },
    actor: Actor,
  ): Promise<string> {
    const [row] = await apps.insertApp.run(
      {
        extlId: app.externalId,
        orgId: app.orgId,
        name: app.name,
        description: app.description,
        oauth2ClientId: app.oauth2ClientId,
        ...actorParams(actor),
      },
      this.db,
    );
    return row!.app_id;
  }

  private async withKeys(rows: appQueries.ISelectAppByExtlIdResult[]): Promise<App[]> {
    if (rows.length === 0) return [];
    const keys = await apps.selectApiKeysOfApps.run({ appIds: JSON.stringify(rows.map((r) => r.app_id)) }, this.db);
    return rows.map((row) => ({
      id: row.app_id,
      externalId: row.extl_id,
      orgId: row.org_id,
      orgExternalId: row.org_extl_id,
      orgKind: row.org_kind as OrgKind,
      name: row.name,
      description: row.description,
      oauth2ClientId: row.oauth2_client_id,
      version: row.version,
      apiKeys: keys
        .filter((k) => k.app_id === row.app_id)
        .map((k) => ({ keyId: k.key_id, prefix: k.prefix, deactivationDate: k.deactivation_date, createdAt: k.create_at })),
      audit: toAudit(row),
      sortKey: row.sort_key,
    }));
  }

  async findAppByExternalId(externalId: string): Promise<App | undefined> {
    const [app] = await this.withKeys(await apps.selectAppByExtlId.run({ extlId: externalId }, this.db));
    return app;
  }

  async findAppById(id: string): Promise<App | undefined> {
    const [app] = await this.withKeys(await apps.selectAppById.run({ appId: id }, this.db));
    return app;
  }

  async findApps(orgId: string, filter: { after?: After; limit: number }): Promise<App[]> {
    return this.withKeys(await apps.selectAppsByOrg.run({ orgId, ...afterParams(filter.after), limit: filter.limit }, this.db));
  }

  async updateApp(
    appId: string,
    fields: { name: string; description: string; oauth2ClientId: string | null },
    actor: Actor,
    expected?: ExpectedVersion,
  ): Promise<boolean> {
    return (await apps.updateApp.run({ appId, ...fields, ...actorParams(actor), ...expectedParams(expected) }, this.db)).length > 0;
  }

  async deleteApp(appId: string, expected?: ExpectedVersion): Promise<boolean> {
    return (await apps.deleteApp.run({ appId, ...expectedParams(expected) }, this.db)).length > 0;
  }

  async addApiKey(appId: string, key: GeneratedApiKey, deactivationDate: Date, actor: Actor): Promise<ApiKeyInfo> {
    const [row] = await apps.insertApiKey.run(
      { appId, keyId: key.keyId, prefix: key.prefix, keyHash: key.hash, deactivationDate, ...actorParams(actor) },
      this.db,
    );
    return { keyId: row!.key_id, prefix: row!.prefix, deactivationDate: row!.deactivation_date, createdAt: row!.create_at };
  }

  async revokeApiKey(appId: string, keyId: string, actor: Actor): Promise<boolean> {
    return (await apps.revokeApiKey.run({ appId, keyId, ...actorParams(actor) }, this.db)).length > 0;
  }

  async findAppKeys(filter: { appId?: string; includeRevoked: boolean }): Promise<AppKeys[]> {
    const rows = await apps.selectAppKeys.run({ appId: filter.appId ?? null, includeRevoked: filter.includeRevoked }, this.db);
    const party = (appExternalId: string | null, issuer: string | null, subject: string | null, name: string | null): AuditParty => ({
      appExternalId,
      user: issuer !== null && subject !== null ? { issuer, subject, name } : null,
    });
    const byApp = new Map<string, AppKeys>();
    for (const row of rows) {
      let app = byApp.get(row.app_id);
      if (!app) {
        app = {
          appId: row.app_id,
          appExternalId: row.app_extl_id,
          appName: row.app_name,
          orgExternalId: row.org_extl_id,
          orgName: row.org_name,
          orgKind: row.org_kind as OrgKind,
          keys: [],
        };
        byApp.set(row.app_id, app);
      }
      // An app without (matching) keys comes back as one row with null key columns.
      if (row.key_id === null) continue;
      app.keys.push({
        keyId: row.key_id,
        prefix: row.prefix!,
        deactivationDate: row.deactivation_date!,
        createdAt: row.create_at!,
        updatedAt: row.update_at!,
        revokedAt: row.revoked_at,
        createdBy: party(row.create_app_extl_id, row.create_user_issuer, row.create_user_subject, row.create_user_name),
        updatedBy: party(row.update_app_extl_id, row.update_user_issuer, row.update_user_subject, row.update_user_name),
      });
    }
    return [...byApp.values()];
  }

  async findAppCredentials(appExternalId: string): Promise<AppCredentials | undefined> {
    const rows = await apps.selectAppCredentials.run({ extlId: appExternalId }, this.db);
    const first = rows[0];
    if (!first) return undefined;
    return {
      appId: first.app_id,
      appExternalId: first.extl_id,
      orgId: first.org_id,
      orgExternalId: first.org_extl_id,
      orgKind: first.org_kind as OrgKind,
      keys: rows.flatMap((r) =>
        r.key_id && r.key_hash && r.deactivation_date ? [{ keyId: r.key_id, hash: r.key_hash, deactivationDate: r.deactivation_date }] : [],
      ),
    };
  }

  async findAppCredentialsByClientId(clientId: string): Promise<AppCredentials | undefined> {
    const [row] = await apps.selectAppByClientId.run({ clientId }, this.db);
    if (!row) return undefined;
    return {
      appId: row.app_id,
      appExternalId: row.extl_id,
      orgId: row.org_id,
      orgExternalId: row.org_extl_id,
      orgKind: row.org_kind as OrgKind,
      keys: [],
    };
  }

  async createPermission(
    p: { externalId: string; resource: string; operation: Operation; description: string; active: boolean },
    actor: Actor,
  ): Promise<string> {
    const [row] = await rbac.insertPermission.run(
      {
        extlId: p.externalId,
        resource: p.resource,
        operation: p.operation,
        description: p.description,
        active: p.active,
        ...actorParams(actor),
      },
      this.db,
    );
    return row!.permission_id;
  }

  async findPermissions(filter: { onlyId?: string; onlyExternalId?: string } = {}): Promise<Permission[]> {
    const rows = await rbac.selectPermissions.run(
      { onlyPermissionId: filter.onlyId ?? null, onlyExtlId: filter.onlyExternalId ?? null },
      this.db,
    );
    return rows.map((row) => ({
      id: row.permission_id,
      externalId: row.extl_id,
      resource: row.resource,
      operation: row.operation as Operation,
      description: row.description,
      active: row.active,
      audit: toAudit(row),
    }));
  }

  async deletePermission(externalId: string): Promise<boolean> {
    return (await rbac.deletePermission.run({ extlId: externalId }, this.db)).length > 0;
  }

  async findPermissionIds(routes: Route[]): Promise<Map<string, string>> {
    if (routes.length === 0) return new Map();
    const rows = await rbac.selectPermissionIdsByRoute.run({ routes: JSON.stringify(routes.map(routeKey)) }, this.db);
    return new Map(rows.map((row) => [routeKey(row), row.permission_id]));
  }

  async createRole(r: { externalId: string; code: string; description: string; active: boolean }, actor: Actor): Promise<string> {
    const [row] = await rbac.insertRole.run(
      { extlId: r.externalId, code: r.code, description: r.description, active: r.active, ...actorParams(actor) },
      this.db,
    );
    return row!.role_id;
  }

  async findRoles(onlyCode?: string): Promise<Role[]> {
    const rows = await rbac.selectRoles.run({ onlyCode: onlyCode ?? null }, this.db);
    return rows.map((row) => ({
      id: row.role_id,
      externalId: row.extl_id,
      code: row.code,
      description: row.description,
      active: row.active,
      version: row.version,
      permissions: row.permissions as unknown as Route[],
      audit: toAudit(row),
    }));
  }

  async findRoleId(code: string): Promise<string | undefined> {
    const [row] = await rbac.selectRoleIdByCode.run({ code }, this.db);
    return row?.role_id;
  }

  async updateRole(
    roleId: string,
    fields: { description: string; active: boolean },
    actor: Actor,
    expected?: ExpectedVersion,
  ): Promise<boolean> {
    return (await rbac.updateRole.run({ roleId, ...fields, ...actorParams(actor), ...expectedParams(expected) }, this.db)).length > 0;
  }

  async deleteRole(code: string, expected?: ExpectedVersion): Promise<string | undefined> {
    const [row] = await rbac.deleteRole.run({ code, ...expectedParams(expected) }, this.db);
    return row?.extl_id;
  }

  async setRolePermissions(roleId: string, permissionIds: string[], actor: Actor): Promise<void> {
    await rbac.deleteRolePermissions.run({ roleId }, this.db);
    if (permissionIds.length)
      await rbac.insertRolePermissions.run({ roleId, permissionIds: JSON.stringify(permissionIds), ...actorParams(actor) }, this.db);
  }

  async findUserRoutes(userId: string, orgId: string): Promise<string[]> {
    return (await rbac.selectUserPermissions.run({ userId, orgId }, this.db)).map((r) => r.route);
  }

  async lockGenesis(): Promise<boolean> {
    const [row] = await genesis.lockGenesis.run(undefined as never, this.db);
    return row?.locked === true;
  }

  async findGenesis(): Promise<GenesisRecord | undefined> {
    const [row] = await genesis.selectGenesis.run(undefined as never, this.db);
    return row
      ? {
          principalOrgId: row.principal_org_id,
          testOrgId: row.test_org_id,
          userOrgId: row.user_org_id,
          principalAppId: row.principal_app_id,
          testAppId: row.test_app_id,
          userAppId: row.user_app_id,
        }
      : undefined;
  }

  async recordGenesis(record: GenesisRecord, actor: Actor): Promise<void> {
    await genesis.insertGenesis.run({ ...record, ...actorParams(actor) }, this.db);
  }

  async notifyChange(what: string): Promise<void> {
    await genesis.notifyIamChange.run({ payload: what }, this.db);
  }
}
