import type { ExpectedVersion } from '../../../platform/errors/precondition.js';
import type { Actor } from './audit.js';
import type { Member, Org, OrgKind } from './org.js';
import type { After } from './page.js';

/** Storage of orgs, their members and the roles granted to members (port). */
export interface OrgRepository {
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
}
