import type { ExpectedVersion } from '../../../platform/errors/precondition.js';
import type { Actor } from './audit.js';
import type { Operation, Permission, Role, Route } from './rbac.js';

/** Storage of permissions and roles (port), and the RBAC decision's lookup. */
export interface RbacRepository {
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
}
