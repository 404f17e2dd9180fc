import type { AuthUser } from '../../../platform/auth/ports.js';
import { AppError, invalidField, notFound } from '../../../platform/errors/app-error.js';
import type { IamRepositories, IamStore } from '../domain/iam.store.js';
import { routeKey, type Operation, type Route } from '../domain/rbac.js';
import type { Actor } from '../domain/audit.js';
import type { OrgKind } from '../domain/org.js';
import type { RbacRoutes } from './rbac.service.js';
import { createOrgWithApp, type CreatedOrgWithApp } from './org-with-app.js';
import { profileOf } from './user.service.js';

/** The user-initiated org of a genesis request, with its app. */
export interface GenesisOrgInput {
  name: string;
  description?: string;
  app: { name: string; description?: string; oauth2ClientId?: string };
}

/** A permission as a genesis request declares it. */
export interface GenesisPermissionInput {
  resource: string;
  operation: Operation;
  description?: string;
}

/** A role as a genesis request declares it. */
export interface GenesisRoleInput {
  code: string;
  description?: string;
  permissions?: Route[];
}

/**
 * The genesis request as a client sends it: every part is optional, and a part left out takes
 * its value from the default request (config/genesis/request.json).
 */
export interface GenesisRequest {
  org?: GenesisOrgInput;
  permissions?: GenesisPermissionInput[];
  roles?: GenesisRoleInput[];
}

/** The default genesis request: every part present. */
export interface CompleteGenesisRequest {
  org: GenesisOrgInput;
  permissions: GenesisPermissionInput[];
  roles: GenesisRoleInput[];
}

/** An org genesis created, with its app; `keys` holds plaintext keys only in the creating response. */
export type GenesisOrg = CreatedOrgWithApp;

/** What genesis created. */
export interface GenesisResult {
  principal: GenesisOrg;
  test: GenesisOrg;
  userInitiated: GenesisOrg;
}

/** How long genesis keys stay valid. */
const genesisKeyLifetimeMs = 365 * 24 * 3600 * 1000;

/**
 * The one-time bootstrap: in ONE transaction, under a lock so concurrent calls serialise, it
 * creates the caller as the first user, the Principal, Test and user-initiated orgs with one app
 * (and key) each, the permissions and roles, and grants every role to the caller in Principal and
 * the user-initiated org. A second call (also a concurrent one) → 409, nothing changed.
 */
export class GenesisService {
  constructor(
    private readonly store: IamStore,
    private readonly rbacRoutes: RbacRoutes,
    private readonly defaultRequest: () => CompleteGenesisRequest,
    private readonly newId: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Runs genesis for `user` with `request`; no request, `{}` and every part left out take the
   * default request's part (see {@link completeRequest}).
   * @throws AppError `input_validation_error` for a permission naming no RBAC route, a role naming
   *   a permission the request does not declare, or a blank org or app name; `conflict_error`
   *   when genesis has already run.
   */
  async createGenesis(user: AuthUser, request: GenesisRequest | undefined): Promise<GenesisResult> {
    const req = completeRequest(request ?? {}, this.defaultRequest());
    this.validate(req);
    return this.store.transaction(async (tx) => {
      // A concurrent genesis is the client's conflict (409), not a busy database (503).
      if (!(await tx.genesis.lockGenesis())) {
        throw new AppError('conflict_error', 'genesis is already running', { code: 'genesis_in_progress' });
      }
      if (await tx.genesis.findGenesis()) throw new AppError('conflict_error', 'genesis has already been run', { code: 'genesis_done' });

      await tx.users.createUser(
        profileOf(user),
        { personExternalId: this.newId(), userExternalId: this.newId() },
        { appId: null, userId: null },
      );
      const caller = (await tx.users.findUserByIssuerSubject(user.issuer, user.subject))!;
      let actor: Actor = { appId: null, userId: caller.id };

      const principal = await this.createOrgWithApp(tx, actor, 'principal', {
        name: 'Principal',
        description: 'The Principal org administers the platform: it creates other orgs, apps and users.',
        app: { name: 'Developer Dashboard', description: 'The administrative app of the Principal org.' },
      });
      actor = { appId: principal.app.id, userId: caller.id };
      const test = await this.createOrgWithApp(tx, actor, 'test', {
        name: 'Test Org',
        description: 'The Test org, for tests isolated from real data.',
        app: { name: 'Test App', description: 'The app of the Test org.' },
      });
      const userInitiated = await this.createOrgWithApp(tx, actor, 'standard', req.org);

      for (const p of req.permissions) {
        await tx.rbac.createPermission(
          { externalId: this.newId(), resource: p.resource, operation: p.operation, description: p.description ?? '', active: true },
          actor,
        );
      }
      const permissionIds = await tx.rbac.findPermissionIds(req.permissions);
      // The caller is a member of both orgs even when the request grants no role.
      const callerOrgs = [principal.org, userInitiated.org];
      for (const org of callerOrgs) await tx.orgs.addMember(org.id, caller.id, actor);
      for (const r of req.roles) {
        const roleId = await tx.rbac.createRole(
          { externalId: this.newId(), code: r.code, description: r.description ?? '', active: true },
          actor,
        );
        const ids = (r.permissions ?? []).map((p) => permissionIds.get(routeKey(p))!);
        await tx.rbac.setRolePermissions(roleId, ids, actor);
        for (const org of callerOrgs) await tx.orgs.grantRole(org.id, caller.id, roleId, actor);
      }
      await tx.genesis.recordGenesis(
        {
          principalOrgId: principal.org.id,
          testOrgId: test.org.id,
          userOrgId: userInitiated.org.id,
          principalAppId: principal.app.id,
          testAppId: test.app.id,
          userAppId: userInitiated.app.id,
        },
        actor,
      );
      await tx.notifyChange('genesis');
      return { principal, test, userInitiated };
    });
  }

  /** What genesis created, without any key; 404 before genesis. */
  async findGenesis(): Promise<GenesisResult> {
    const record = await this.store.genesis.findGenesis();
    if (!record) throw notFound('genesis');
    const load = async (orgId: string, appId: string): Promise<GenesisOrg> => {
      const org = await this.store.orgs.findOrgById(orgId);
      if (!org) throw notFound('org');
      // The app genesis created, even if the org holds many more now; gone when it was deleted.
      const app = await this.store.apps.findAppById(appId);
      if (!app) throw notFound('app');
      return { org, app, keys: new Map() };
    };
    return {
      principal: await load(record.principalOrgId, record.principalAppId),
      test: await load(record.testOrgId, record.testAppId),
      userInitiated: await load(record.userOrgId, record.userAppId),
    };
  }

  private validate(req: CompleteGenesisRequest): void {
    const declared = new Set<string>();
    req.permissions.forEach((p, i) => {
      if (!this.rbacRoutes.has(p)) {
        throw invalidField(`permissions[${i}]`, `permissions[${i}] names no RBAC route: ${p.operation} ${p.resource}`);
      }
      declared.add(routeKey(p));
    });
    req.roles.forEach((r, i) =>
      (r.permissions ?? []).forEach((p, j) => {
        if (!declared.has(routeKey(p))) {
          throw invalidField(`roles[${i}].permissions[${j}]`, `roles[${i}].permissions[${j}] is not among the request's permissions`);
        }
      }),
    );
    if (!req.org.name.trim()) throw invalidField('org.name', 'org.name is required');
    if (!req.org.app.name.trim()) throw invalidField('org.app.name', 'org.app.name is required');
  }

  private async createOrgWithApp(
    tx: Pick<IamRepositories, 'orgs' | 'apps' | 'apiKeys'>,
    actor: Actor,
    kind: OrgKind,
    input: GenesisOrgInput,
  ): Promise<GenesisOrg> {
    return createOrgWithApp(
      tx,
      {
        org: { externalId: this.newId(), name: input.name.trim(), description: input.description?.trim() ?? '', kind },
        app: {
          externalId: this.newId(),
          name: input.app.name.trim(),
          description: input.app.description?.trim() ?? '',
          oauth2ClientId: input.app.oauth2ClientId?.trim() || null,
        },
        keyDeactivation: new Date(this.now() + genesisKeyLifetimeMs),
      },
      actor,
    );
  }
}

/**
 * The request genesis runs: each part the client left out (`org`, `permissions`, `roles`) is the
 * default request's part. Default roles taken next to the client's own permissions keep only the
 * permissions that request declares (`sysAdmin` = every declared permission, `movieAdmin` = the
 * declared movie routes), so leaving roles out never makes a valid permission list invalid.
 * Roles the client sends are taken as written and validated against the permissions.
 */
export function completeRequest(request: GenesisRequest, defaults: CompleteGenesisRequest): CompleteGenesisRequest {
  const permissions = request.permissions ?? defaults.permissions;
  let roles = request.roles;
  if (roles === undefined) {
    const declared = new Set(permissions.map(routeKey));
    roles =
      request.permissions === undefined
        ? defaults.roles
        : defaults.roles.map((role) => ({ ...role, permissions: (role.permissions ?? []).filter((p) => declared.has(routeKey(p))) }));
  }
  return { org: request.org ?? defaults.org, permissions, roles };
}
