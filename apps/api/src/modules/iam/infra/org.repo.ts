import type { Queryable } from '../../../platform/db/db.js';
import type { ExpectedVersion } from '../../../platform/errors/precondition.js';
import { queriesAbout } from '../../../platform/db/typed-query.js';
import type { Actor } from '../domain/audit.js';
import type { OrgRepository } from '../domain/org.repo.js';
import type { Member, Org, OrgKind } from '../domain/org.js';
import type { After } from '../domain/page.js';
import { actorParams, afterParams, expectedParams, toAudit } from './columns.js';
import * as orgQueries from './org.queries.js';

// What each query's rows are, for the messages of its unique violations and still-referenced rows.
const orgs = queriesAbout(orgQueries, 'org', {
  insertOrg: (p) => `an org named "${p.name}"`,
  updateOrg: (p) => `an org named "${p.name}"`,
});

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

/** Orgs, members and role grants on PostgreSQL (or PGlite) through the typed queries of org.sql. */
export class PgOrgRepository implements OrgRepository {
  constructor(private readonly db: Queryable) {}

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
}
