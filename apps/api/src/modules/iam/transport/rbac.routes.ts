import { authenticatedCaller } from '../../../platform/auth/authenticated.js';
import { etagOf, parseIfMatch } from '../../../platform/http/etag.js';
import type { OperationHandlers } from '../../../platform/http/operation.js';
import type { RbacService } from '../application/rbac.service.js';
import type { operations } from './openapi.gen.js';
import { pageInMemory } from './page.js';
import { toPermissionBody, toRoleBody } from './rbac.mapping.js';

/** The operations bound here: permissions and roles, the platform-wide RBAC definitions. */
export type RbacOperations = Pick<
  operations,
  'createPermission' | 'findPermissions' | 'deletePermission' | 'createRole' | 'findRoles' | 'findRoleByCode' | 'updateRole' | 'deleteRole'
>;

/** Handlers of the permission and role operations, typed from the spec. */
export function createRbacHandlers(rbac: RbacService): OperationHandlers<RbacOperations> {
  return {
    createPermission: async ({ auth, body }) => {
      const p = await rbac.createPermission(authenticatedCaller(auth), body);
      return { status: 201, body: toPermissionBody(p), headers: { Location: `/api/v1/permissions/${p.externalId}` } };
    },
    findPermissions: async ({ query }) => {
      // Listed by (resource, operation); the key joins them with a space, which neither contains.
      const page = pageInMemory(await rbac.findPermissions(), (p) => `${p.resource} ${p.operation}`, query);
      return { status: 200, body: { items: page.items.map(toPermissionBody), next_cursor: page.next } };
    },
    deletePermission: async ({ auth, params }) => {
      await rbac.deletePermission(authenticatedCaller(auth), params.extlId);
      return { status: 200, body: { external_id: params.extlId, deleted: true } };
    },
    createRole: async ({ auth, body }) => {
      const r = await rbac.createRole(authenticatedCaller(auth), body);
      return { status: 201, body: toRoleBody(r), headers: { Location: `/api/v1/roles/${r.code}`, ETag: etagOf(r.version) } };
    },
    findRoles: async ({ query }) => {
      const page = pageInMemory(await rbac.findRoles(), (r) => r.code, query);
      return { status: 200, body: { items: page.items.map(toRoleBody), next_cursor: page.next } };
    },
    findRoleByCode: async ({ params }) => {
      const role = await rbac.findRoleByCode(params.roleCode);
      return { status: 200, body: toRoleBody(role), headers: { ETag: etagOf(role.version) } };
    },
    updateRole: async ({ auth, params, body, headers }) => {
      const role = await rbac.updateRole(authenticatedCaller(auth), params.roleCode, body, parseIfMatch(headers['if-match']));
      return { status: 200, body: toRoleBody(role), headers: { ETag: etagOf(role.version) } };
    },
    deleteRole: async ({ auth, params, headers }) => {
      const externalId = await rbac.deleteRole(authenticatedCaller(auth), params.roleCode, parseIfMatch(headers['if-match']));
      return { status: 200, body: { external_id: externalId, deleted: true } };
    },
  };
}
