import { preconditionFailed, type ExpectedVersion } from '../../../platform/errors/precondition.js';
import { AppError, notFound } from '../../../platform/errors/app-error.js';
import { orgDeleted } from '../events.js';
import type { IamStore } from '../domain/iam.store.js';
import type { OrgRepository } from '../domain/org.repo.js';
import type { After } from '../domain/page.js';
import { requiredName } from '../domain/name.js';
import type { App } from '../domain/app.js';
import type { Member, Org } from '../domain/org.js';
import { createOrgWithApp } from './org-with-app.js';
import { isPrincipal, requirePrincipal, type ActorResolver, type Caller } from './caller.js';
import type { AppInput } from './app.service.js';
import { defaultKeyDeactivation, parseDeactivationDate } from '../domain/api-key.js';

/** An org with, on creation, its first app and that app's plaintext key. */
export interface OrgWithApp {
  org: Org;
  app?: App;
  keys?: Map<string, string>;
}

/**
 * Orgs, their members and role grants. Tenancy: a caller addresses only its app's own org,
 * except apps of the Principal org, which address every org. A foreign org is 404, never 403,
 * so its existence is not revealed.
 */
export class OrgService {
  constructor(
    private readonly store: IamStore<'orgs' | 'apps' | 'apiKeys' | 'users' | 'rbac' | 'genesis'>,
    private readonly actorOf: ActorResolver,
    private readonly newId: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a standard org (Principal apps only), optionally with its first app and key. */
  async createOrg(caller: Caller, input: { name: string; description?: string; app?: AppInput }): Promise<OrgWithApp> {
    requirePrincipal(caller);
    const actor = await this.actorOf(caller);
    const name = requiredName(input.name, 'name');
    const deactivation = input.app
      ? parseDeactivationDate(input.app.apiKeyDeactivationDate, 'app.api_key_deactivation_date', this.now)
      : undefined;
    const org = { externalId: this.newId(), name, description: input.description?.trim() ?? '', kind: 'standard' as const };
    const app = input.app;
    const appName = app ? requiredName(app.name, 'app.name') : undefined;
    return this.store.transaction(async (tx) => {
      if (!app || appName === undefined) {
        const created = await tx.orgs.createOrg(org, actor);
        await tx.notifyChange('org');
        return { org: created };
      }
      const created = await createOrgWithApp(
        tx,
        {
          org,
          app: {
            externalId: this.newId(),
            name: appName,
            description: app.description?.trim() ?? '',
            oauth2ClientId: app.oauth2ClientId?.trim() || null,
          },
          keyDeactivation: deactivation ?? defaultKeyDeactivation(this.now),
        },
        actor,
      );
      await tx.notifyChange('org');
      return created;
    });
  }

  /** One page of orgs: all for a Principal app, else only the caller's own org. */
  async findOrgs(caller: Caller, page: { limit: number; after?: After }): Promise<Org[]> {
    return this.store.orgs.findOrgs({
      ...(isPrincipal(caller) ? {} : { onlyOrgId: caller.app.orgId }),
      ...(page.after ? { after: page.after } : {}),
      limit: page.limit,
    });
  }

  /** An org the caller may address; 404 otherwise. */
  async findOrgById(caller: Caller, externalId: string, orgs: OrgRepository = this.store.orgs): Promise<Org> {
    const org = await orgs.findOrgByExternalId(externalId);
    if (!org || (!isPrincipal(caller) && org.id !== caller.app.orgId)) throw notFound('org');
    return org;
  }

  /** Renames / re-describes an org; `expected` is the If-Match precondition (412 on mismatch). */
  async updateOrg(
    caller: Caller,
    externalId: string,
    input: { name: string; description?: string },
    expected?: ExpectedVersion,
  ): Promise<Org> {
    const actor = await this.actorOf(caller);
    const name = requiredName(input.name, 'name');
    return this.store.transaction(async (tx) => {
      const org = await this.findOrgById(caller, externalId, tx.orgs);
      const updated = await tx.orgs.updateOrg(org.id, { name, description: input.description?.trim() ?? '' }, actor, expected);
      if (!updated) throw preconditionFailed('org');
      await tx.notifyChange('org');
      return (await tx.orgs.findOrgById(org.id))!;
    });
  }

  /** Deletes an org with its apps, keys, memberships and grants. The Principal and Test orgs, genesis' org and the caller's own org cannot be deleted (409). */
  async deleteOrg(caller: Caller, externalId: string, expected?: ExpectedVersion): Promise<void> {
    await this.store.transaction(async (tx) => {
      const org = await this.findOrgById(caller, externalId, tx.orgs);
      const genesis = await tx.genesis.findGenesis();
      if (org.kind !== 'standard' || org.id === genesis?.userOrgId) {
        throw new AppError('conflict_error', 'this org was created by genesis and cannot be deleted');
      }
      if (org.id === caller.app.orgId) throw new AppError('conflict_error', 'an app cannot delete its own org');
      if (!(await tx.orgs.deleteOrg(org.id, expected))) throw preconditionFailed('org');
      await tx.events.record(orgDeleted, {
        aggregateId: org.externalId,
        orgId: org.id,
        payload: { org_id: org.id, org_external_id: org.externalId, name: org.name },
      });
      await tx.notifyChange('org');
    });
  }

  /** One page of the org's members (oldest membership first) with their role codes. */
  async findMembers(caller: Caller, externalId: string, page: { limit: number; after?: After }): Promise<Member[]> {
    const org = await this.findOrgById(caller, externalId);
    return this.store.orgs.findMembers(org.id, { limit: page.limit, ...(page.after ? { after: page.after } : {}) });
  }

  /** Grants a role to a user in an org (the user becomes a member). Unknown org, user or role → 404. */
  async grantRole(caller: Caller, orgExternalId: string, userExternalId: string, roleCode: string): Promise<Member> {
    const actor = await this.actorOf(caller);
    return this.store.transaction(async (tx) => {
      const org = await this.findOrgById(caller, orgExternalId, tx.orgs);
      const user = await tx.users.findUserByExternalId(userExternalId);
      if (!user) throw notFound('user');
      const roleId = await tx.rbac.findRoleId(roleCode);
      if (!roleId) throw notFound('role');
      await tx.orgs.addMember(org.id, user.id, actor);
      await tx.orgs.grantRole(org.id, user.id, roleId, actor);
      await tx.notifyChange('grant');
      return (await tx.orgs.findMembers(org.id, { onlyUserId: user.id, limit: 1 }))[0]!;
    });
  }

  /** Revokes a role from a user in an org; 404 when there is no such grant. */
  async revokeRole(caller: Caller, orgExternalId: string, userExternalId: string, roleCode: string): Promise<Member> {
    return this.store.transaction(async (tx) => {
      const org = await this.findOrgById(caller, orgExternalId, tx.orgs);
      const user = await tx.users.findUserByExternalId(userExternalId);
      if (!user) throw notFound('user');
      const roleId = await tx.rbac.findRoleId(roleCode);
      if (!roleId) throw notFound('role');
      if (!(await tx.orgs.revokeRole(org.id, user.id, roleId))) throw notFound('role grant');
      await tx.notifyChange('grant');
      const [member] = await tx.orgs.findMembers(org.id, { onlyUserId: user.id, limit: 1 });
      return member ?? { userExternalId: user.externalId, email: user.email, name: user.name, roleCodes: [], sortKey: '' };
    });
  }
}
