import { authenticatedCaller, authenticatedUser } from '../../../platform/auth/authenticated.js';
import type { OperationHandlers } from '../../../platform/http/operation.js';
import { decodeCursor, encodeCursor } from '../../../platform/http/pagination.js';
import { etagOf, parseIfMatch } from '../../../platform/http/etag.js';
import type { ApiKeyService } from '../application/api-key.service.js';
import type { AppService } from '../application/app.service.js';
import type { GenesisService } from '../application/genesis.service.js';
import type { OrgService } from '../application/org.service.js';
import type { RbacService } from '../application/rbac.service.js';
import type { UserService } from '../application/user.service.js';
import type { After } from '../domain/page.js';
import {
  toAppBody,
  toAppInput,
  toAppUpdate,
  toGenesisBody,
  toGenesisRequest,
  toOrgInput,
  toMemberBody,
  toOrgBody,
  toPermissionBody,
  toRoleBody,
  toUserBody,
} from './iam.mapping.js';
import type { operations } from './openapi.gen.js';

/** The iam services the handlers call. */
export interface IamServices {
  genesis: GenesisService;
  users: UserService;
  orgs: OrgService;
  apps: AppService;
  apiKeys: ApiKeyService;
  rbac: RbacService;
}

function afterOf(cursor: string | undefined): After | undefined {
  if (!cursor) return undefined;
  const [sortKey, externalId] = decodeCursor(cursor, 2);
  return { sortKey: sortKey!, externalId: externalId! };
}

function pageOf<T extends { sortKey: string; externalId: string }>(rows: T[], limit: number): { items: T[]; next: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next: rows.length > limit && last ? encodeCursor([last.sortKey, last.externalId]) : null };
}

/**
 * A page of a small list already ordered by `keyOf` (permissions, roles: dozens of rows): keyset
 * pagination on that key, done in memory.
 */
function pageInMemory<T>(
  rows: T[],
  keyOf: (row: T) => string,
  query: { limit?: number; cursor?: string },
): { items: T[]; next: string | null } {
  const limit = query.limit ?? 50;
  const after = query.cursor ? decodeCursor(query.cursor, 1)[0]! : undefined;
  // Sorted here (not by the database's collation) so the cursor comparison below agrees with it.
  const sorted = [...rows].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((row) => keyOf(row) > after);
  const items = rest.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next: rest.length > limit && last ? encodeCursor([keyOf(last)]) : null };
}

/** Handlers of the iam spec's operations, but those of transport/identity.routes.ts. */
export function createIamHandlers(s: IamServices): OperationHandlers<Omit<operations, 'findMe' | 'linkIdentity'>> {
  return {
    createGenesis: async ({ auth, body }) => {
      const result = await s.genesis.createGenesis(authenticatedUser(auth), body === undefined ? undefined : toGenesisRequest(body));
      return {
        status: 201,
        body: toGenesisBody(result),
        replayBody: toGenesisBody({
          ...result,
          principal: { ...result.principal, keys: new Map() },
          test: { ...result.test, keys: new Map() },
          userInitiated: { ...result.userInitiated, keys: new Map() },
        }),
        headers: { Location: '/api/v1/genesis' },
      };
    },
    findGenesis: async () => ({ status: 200, body: toGenesisBody(await s.genesis.findGenesis()) }),

    createUser: async ({ auth }) => {
      const caller = authenticatedCaller(auth);
      const { user, created } = await s.users.registerUser(caller.user, caller.app);
      return created
        ? { status: 201, body: toUserBody(user), headers: { Location: '/api/v1/users/me' } }
        : { status: 200, body: toUserBody(user) };
    },

    createOrg: async ({ auth, body }) => {
      const { org, app, keys } = await s.orgs.createOrg(authenticatedCaller(auth), toOrgInput(body));
      return {
        status: 201,
        body: toOrgBody(org, app, keys),
        replayBody: toOrgBody(org, app),
        headers: { Location: `/api/v1/orgs/${org.externalId}`, ETag: etagOf(org.version) },
      };
    },
    findOrgs: async ({ auth, query }) => {
      const limit = query.limit ?? 50;
      const after = afterOf(query.cursor);
      const page = pageOf(await s.orgs.findOrgs(authenticatedCaller(auth), { limit: limit + 1, ...(after ? { after } : {}) }), limit);
      return { status: 200, body: { items: page.items.map((o) => toOrgBody(o)), next_cursor: page.next } };
    },
    findOrgById: async ({ auth, params }) => {
      const org = await s.orgs.findOrgById(authenticatedCaller(auth), params.extlId);
      return { status: 200, body: toOrgBody(org), headers: { ETag: etagOf(org.version) } };
    },
    updateOrg: async ({ auth, params, body, headers }) => {
      const org = await s.orgs.updateOrg(authenticatedCaller(auth), params.extlId, body, parseIfMatch(headers['if-match']));
      return { status: 200, body: toOrgBody(org), headers: { ETag: etagOf(org.version) } };
    },
    deleteOrg: async ({ auth, params, headers }) => {
      await s.orgs.deleteOrg(authenticatedCaller(auth), params.extlId, parseIfMatch(headers['if-match']));
      return { status: 200, body: { external_id: params.extlId, deleted: true } };
    },
    findOrgMembers: async ({ auth, params, query }) => {
      const limit = query.limit ?? 50;
      const after = afterOf(query.cursor);
      const rows = await s.orgs.findMembers(authenticatedCaller(auth), params.extlId, { limit: limit + 1, ...(after ? { after } : {}) });
      const page = pageOf(
        rows.map((m) => ({ ...m, externalId: m.userExternalId })),
        limit,
      );
      return { status: 200, body: { items: page.items.map(toMemberBody), next_cursor: page.next } };
    },
    grantRole: async ({ auth, params }) => ({
      status: 200,
      body: toMemberBody(await s.orgs.grantRole(authenticatedCaller(auth), params.extlId, params.userExtlId, params.roleCode)),
    }),
    revokeRole: async ({ auth, params }) => ({
      status: 200,
      body: toMemberBody(await s.orgs.revokeRole(authenticatedCaller(auth), params.extlId, params.userExtlId, params.roleCode)),
    }),

    createApp: async ({ auth, body }) => {
      const { app, keys } = await s.apps.createApp(authenticatedCaller(auth), toAppInput(body));
      return {
        status: 201,
        body: toAppBody(app, keys),
        replayBody: toAppBody(app),
        headers: { Location: `/api/v1/apps/${app.externalId}`, ETag: etagOf(app.version) },
      };
    },
    findApps: async ({ auth, query }) => {
      const limit = query.limit ?? 50;
      const after = afterOf(query.cursor);
      const page = pageOf(await s.apps.findApps(authenticatedCaller(auth), { limit: limit + 1, ...(after ? { after } : {}) }), limit);
      return { status: 200, body: { items: page.items.map((a) => toAppBody(a)), next_cursor: page.next } };
    },
    findAppById: async ({ auth, params }) => {
      const app = await s.apps.findAppById(authenticatedCaller(auth), params.extlId);
      return { status: 200, body: toAppBody(app), headers: { ETag: etagOf(app.version) } };
    },
    updateApp: async ({ auth, params, body, headers }) => {
      const app = await s.apps.updateApp(authenticatedCaller(auth), params.extlId, toAppUpdate(body), parseIfMatch(headers['if-match']));
      return { status: 200, body: toAppBody(app), headers: { ETag: etagOf(app.version) } };
    },
    deleteApp: async ({ auth, params, headers }) => {
      await s.apps.deleteApp(authenticatedCaller(auth), params.extlId, parseIfMatch(headers['if-match']));
      return { status: 200, body: { external_id: params.extlId, deleted: true } };
    },
    createApiKey: async ({ auth, params, body }) => {
      const { key, info } = await s.apiKeys.createApiKey(authenticatedCaller(auth), params.extlId, body?.deactivation_date);
      const shown = { key_id: info.keyId, prefix: info.prefix, deactivation_date: info.deactivationDate.toISOString() };
      return { status: 201, body: { key, ...shown }, replayBody: shown, headers: { Location: `/api/v1/apps/${params.extlId}` } };
    },
    revokeApiKey: async ({ auth, params }) => {
      await s.apiKeys.revokeApiKey(authenticatedCaller(auth), params.extlId, params.keyId);
      return { status: 200, body: { external_id: params.keyId, deleted: true } };
    },

    createPermission: async ({ auth, body }) => {
      const p = await s.rbac.createPermission(authenticatedCaller(auth), body);
      return { status: 201, body: toPermissionBody(p), headers: { Location: `/api/v1/permissions/${p.externalId}` } };
    },
    findPermissions: async ({ query }) => {
      // Listed by (resource, operation); the key joins them with a space, which neither contains.
      const page = pageInMemory(await s.rbac.findPermissions(), (p) => `${p.resource} ${p.operation}`, query);
      return { status: 200, body: { items: page.items.map(toPermissionBody), next_cursor: page.next } };
    },
    deletePermission: async ({ auth, params }) => {
      await s.rbac.deletePermission(authenticatedCaller(auth), params.extlId);
      return { status: 200, body: { external_id: params.extlId, deleted: true } };
    },
    createRole: async ({ auth, body }) => {
      const r = await s.rbac.createRole(authenticatedCaller(auth), body);
      return { status: 201, body: toRoleBody(r), headers: { Location: `/api/v1/roles/${r.code}`, ETag: etagOf(r.version) } };
    },
    findRoles: async ({ query }) => {
      const page = pageInMemory(await s.rbac.findRoles(), (r) => r.code, query);
      return { status: 200, body: { items: page.items.map(toRoleBody), next_cursor: page.next } };
    },
    findRoleByCode: async ({ params }) => {
      const role = await s.rbac.findRoleByCode(params.roleCode);
      return { status: 200, body: toRoleBody(role), headers: { ETag: etagOf(role.version) } };
    },
    updateRole: async ({ auth, params, body, headers }) => {
      const role = await s.rbac.updateRole(authenticatedCaller(auth), params.roleCode, body, parseIfMatch(headers['if-match']));
      return { status: 200, body: toRoleBody(role), headers: { ETag: etagOf(role.version) } };
    },
    deleteRole: async ({ auth, params, headers }) => {
      const externalId = await s.rbac.deleteRole(authenticatedCaller(auth), params.roleCode, parseIfMatch(headers['if-match']));
      return { status: 200, body: { external_id: externalId, deleted: true } };
    },
  };
}
