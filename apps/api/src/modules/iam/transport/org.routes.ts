import { authenticatedCaller } from '../../../platform/auth/authenticated.js';
import { etagOf, parseIfMatch } from '../../../platform/http/etag.js';
import type { OperationHandlers } from '../../../platform/http/operation.js';
import type { OrgService } from '../application/org.service.js';
import type { operations } from './openapi.gen.js';
import { toMemberBody, toOrgBody, toOrgInput } from './org.mapping.js';
import { pageByKeyset } from './page.js';

/** The operations bound here: orgs, their members and the roles granted to members. */
export type OrgOperations = Pick<
  operations,
  'createOrg' | 'findOrgs' | 'findOrgById' | 'updateOrg' | 'deleteOrg' | 'findOrgMembers' | 'grantRole' | 'revokeRole'
>;

/** Handlers of the org operations, typed from the spec. */
export function createOrgHandlers(orgs: OrgService): OperationHandlers<OrgOperations> {
  return {
    createOrg: async ({ auth, body }) => {
      const { org, app, keys } = await orgs.createOrg(authenticatedCaller(auth), toOrgInput(body));
      return {
        status: 201,
        body: toOrgBody(org, app, keys),
        replayBody: toOrgBody(org, app),
        headers: { Location: `/api/v1/orgs/${org.externalId}`, ETag: etagOf(org.version) },
      };
    },
    findOrgs: async ({ auth, query }) => {
      const page = await pageByKeyset(query, (p) => orgs.findOrgs(authenticatedCaller(auth), p));
      return { status: 200, body: { items: page.items.map((o) => toOrgBody(o)), next_cursor: page.next } };
    },
    findOrgById: async ({ auth, params }) => {
      const org = await orgs.findOrgById(authenticatedCaller(auth), params.extlId);
      return { status: 200, body: toOrgBody(org), headers: { ETag: etagOf(org.version) } };
    },
    updateOrg: async ({ auth, params, body, headers }) => {
      const org = await orgs.updateOrg(authenticatedCaller(auth), params.extlId, body, parseIfMatch(headers['if-match']));
      return { status: 200, body: toOrgBody(org), headers: { ETag: etagOf(org.version) } };
    },
    deleteOrg: async ({ auth, params, headers }) => {
      await orgs.deleteOrg(authenticatedCaller(auth), params.extlId, parseIfMatch(headers['if-match']));
      return { status: 200, body: { external_id: params.extlId, deleted: true } };
    },
    findOrgMembers: async ({ auth, params, query }) => {
      const page = await pageByKeyset(query, async (p) =>
        (await orgs.findMembers(authenticatedCaller(auth), params.extlId, p)).map((m) => ({ ...m, externalId: m.userExternalId })),
      );
      return { status: 200, body: { items: page.items.map(toMemberBody), next_cursor: page.next } };
    },
    grantRole: async ({ auth, params }) => ({
      status: 200,
      body: toMemberBody(await orgs.grantRole(authenticatedCaller(auth), params.extlId, params.userExtlId, params.roleCode)),
    }),
    revokeRole: async ({ auth, params }) => ({
      status: 200,
      body: toMemberBody(await orgs.revokeRole(authenticatedCaller(auth), params.extlId, params.userExtlId, params.roleCode)),
    }),
  };
}
