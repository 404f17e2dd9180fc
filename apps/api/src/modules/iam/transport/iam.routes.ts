import type { AuthApp, AuthUser, RequestAuth } from '../../../platform/auth/ports.js';
import { AppError } from '../../../platform/errors/app-error.js';
import type { OperationHandlers } from '../../../platform/http/operation.js';
import { decodeCursor, encodeCursor } from '../../../platform/http/pagination.js';
import type { AppService } from '../application/app.service.js';
import type { Caller } from '../application/caller.js';
import type { GenesisRequest, GenesisService } from '../application/genesis.service.js';
import type { OrgService } from '../application/org.service.js';
import type { RbacService } from '../application/rbac.service.js';
import type { UserService } from '../application/user.service.js';
import type { After } from '../domain/iam.repo.js';
import { toAppBody, toGenesisBody, toMemberBody, toOrgBody, toPermissionBody, toRoleBody, toUserBody } from './iam.mapping.js';
import type { operations } from './openapi.gen.js';

/** The iam services the handlers call. */
export interface IamServices {
  genesis: GenesisService;
  users: UserService;
  orgs: OrgService;
  apps: AppService;
  rbac: RbacService;
}

// The security hook guarantees these for operations that declare them; the checks guard wiring mistakes.
function userOf(auth: RequestAuth): AuthUser {
  if (!auth.user) throw new AppError('unauthenticated', 'authentication required');
  return auth.user;
}

function callerOf(auth: RequestAuth): Caller {
  const app: AuthApp | undefined = auth.app;
  if (!app) throw new AppError('unauthenticated', 'app credentials required');
  return { user: userOf(auth), app };
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

/** Handlers of the iam spec's operations. */
export function createIamHandlers(s: IamServices): OperationHandlers<operations> {
  return {
    createGenesis: async ({ auth, body }) => {
      const result = await s.genesis.createGenesis(userOf(auth), body as GenesisRequest | undefined);
      return { status: 201, body: toGenesisBody(result) };
    },
    findGenesis: async () => ({ status: 200, body: toGenesisBody(await s.genesis.findGenesis()) }),

    createUser: async ({ auth }) => {
      const caller = callerOf(auth);
      const { user, created } = await s.users.registerUser(caller.user, caller.app);
      return created
        ? { status: 201, body: toUserBody(user), headers: { Location: '/api/v1/users/me' } }
        : { status: 200, body: toUserBody(user) };
    },
    findMe: async ({ auth }) => ({ status: 200, body: toUserBody(await s.users.findMe(userOf(auth))) }),

    createOrg: async ({ auth, body }) => {
      const { org, app, keys } = await s.orgs.createOrg(callerOf(auth), body);
      return { status: 201, body: toOrgBody(org, app, keys), headers: { Location: `/api/v1/orgs/${org.externalId}` } };
    },
    findOrgs: async ({ auth, query }) => {
      const limit = query.limit ?? 50;
      const after = afterOf(query.cursor);
      const page = pageOf(await s.orgs.findOrgs(callerOf(auth), { limit: limit + 1, ...(after ? { after } : {}) }), limit);
      return { status: 200, body: { items: page.items.map((o) => toOrgBody(o)), next_cursor: page.next } };
    },
    findOrgById: async ({ auth, params }) => ({ status: 200, body: toOrgBody(await s.orgs.findOrgById(callerOf(auth), params.extlId)) }),
    updateOrg: async ({ auth, params, body }) => ({ status: 200, body: toOrgBody(await s.orgs.updateOrg(callerOf(auth), params.extlId, body)) }),
    deleteOrg: async ({ auth, params }) => {
      await s.orgs.deleteOrg(callerOf(auth), params.extlId);
      return { status: 200, body: { external_id: params.extlId, deleted: true } };
    },
    findOrgMembers: async ({ auth, params }) => ({
      status: 200,
      body: { items: (await s.orgs.findMembers(callerOf(auth), params.extlId)).map(toMemberBody) },
    }),
    grantRole: async ({ auth, params }) => ({
      status: 200,
      body: toMemberBody(await s.orgs.grantRole(callerOf(auth), params.extlId, params.userExtlId, params.roleCode)),
    }),
    revokeRole: async ({ auth, params }) => ({
      status: 200,
      body: toMemberBody(await s.orgs.revokeRole(callerOf(auth), params.extlId, params.userExtlId, params.roleCode)),
    }),

    createApp: async ({ auth, body }) => {
      const { app, keys } = await s.apps.createApp(callerOf(auth), body);
      return { status: 201, body: toAppBody(app, keys), headers: { Location: `/api/v1/apps/${app.externalId}` } };
    },
    findApps: async ({ auth, query }) => {
      const limit = query.limit ?? 50;
      const after = afterOf(query.cursor);
      const page = pageOf(await s.apps.findApps(callerOf(auth), { limit: limit + 1, ...(after ? { after } : {}) }), limit);
      return { status: 200, body: { items: page.items.map((a) => toAppBody(a)), next_cursor: page.next } };
    },
    findAppById: async ({ auth, params }) => ({ status: 200, body: toAppBody(await s.apps.findAppById(callerOf(auth), params.extlId)) }),
    updateApp: async ({ auth, params, body }) => ({ status: 200, body: toAppBody(await s.apps.updateApp(callerOf(auth), params.extlId, body)) }),
    deleteApp: async ({ auth, params }) => {
      await s.apps.deleteApp(callerOf(auth), params.extlId);
      return { status: 200, body: { external_id: params.extlId, deleted: true } };
    },
    createApiKey: async ({ auth, params, body }) => {
      const { key, info } = await s.apps.createApiKey(callerOf(auth), params.extlId, body?.deactivation_date);
      return {
        status: 201,
        body: { key, key_id: info.keyId, prefix: info.prefix, deactivation_date: info.deactivationDate.toISOString() },
      };
    },
    revokeApiKey: async ({ auth, params }) => {
      await s.apps.revokeApiKey(callerOf(auth), params.extlId, params.keyId);
      return { status: 200, body: { key_id: params.keyId, revoked: true } };
    },

    createPermission: async ({ auth, body }) => {
      const p = await s.rbac.createPermission(callerOf(auth), body);
      return { status: 201, body: toPermissionBody(p), headers: { Location: `/api/v1/permissions/${p.externalId}` } };
    },
    findPermissions: async () => ({ status: 200, body: { items: (await s.rbac.findPermissions()).map(toPermissionBody) } }),
    deletePermission: async ({ auth, params }) => {
      await s.rbac.deletePermission(callerOf(auth), params.extlId);
      return { status: 200, body: { external_id: params.extlId, deleted: true } };
    },
    createRole: async ({ auth, body }) => {
      const r = await s.rbac.createRole(callerOf(auth), body);
      return { status: 201, body: toRoleBody(r), headers: { Location: `/api/v1/roles/${r.code}` } };
    },
    findRoles: async () => ({ status: 200, body: { items: (await s.rbac.findRoles()).map(toRoleBody) } }),
    findRoleByCode: async ({ params }) => ({ status: 200, body: toRoleBody(await s.rbac.findRoleByCode(params.roleCode)) }),
    updateRole: async ({ auth, params, body }) => ({ status: 200, body: toRoleBody(await s.rbac.updateRole(callerOf(auth), params.roleCode, body)) }),
    deleteRole: async ({ auth, params }) => {
      await s.rbac.deleteRole(callerOf(auth), params.roleCode);
      return { status: 200, body: { code: params.roleCode, deleted: true } };
    },
  };
}
