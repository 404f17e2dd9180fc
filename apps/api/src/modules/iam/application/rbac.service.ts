import { preconditionFailed, type ExpectedVersion } from '../../../platform/errors/precondition.js';
import { invalidField, notFound } from '../../../platform/errors/app-error.js';
import type { IamStore } from '../domain/iam.store.js';
import type { RbacRepository } from '../domain/rbac.repo.js';
import { routeKey, type Operation, type Permission, type Role, type Route } from '../domain/rbac.js';
import { requirePrincipal, type ActorResolver, type Caller } from './caller.js';

/** The RBAC routes of the API (from the bundled spec), to check what permissions may name. */
export interface RbacRoutes {
  has(route: Route): boolean;
  all(): Route[];
}

/**
 * Permissions and roles: platform-wide definitions. Anyone with the RBAC permission may read
 * them; writing needs a Principal-org app too. A permission may only name an RBAC route of the
 * spec (400 otherwise); role permissions must exist (400 naming the entry).
 */
export class RbacService {
  constructor(
    private readonly store: IamStore<'rbac'>,
    private readonly actorOf: ActorResolver,
    private readonly rbacRoutes: RbacRoutes,
    private readonly newId: () => string,
  ) {}

  /** Creates a permission; 409 when (resource, operation) exists. */
  async createPermission(
    caller: Caller,
    input: { resource: string; operation: Operation; description?: string; active?: boolean },
  ): Promise<Permission> {
    requirePrincipal(caller);
    const route = { resource: input.resource.trim(), operation: input.operation };
    if (!this.rbacRoutes.has(route)) {
      throw invalidField('resource', `no RBAC route ${route.operation} ${route.resource} exists`, 'unknown_route');
    }
    const actor = await this.actorOf(caller);
    return this.store.transaction(async (tx) => {
      const id = await tx.rbac.createPermission(
        { externalId: this.newId(), ...route, description: input.description?.trim() ?? '', active: input.active ?? true },
        actor,
      );
      await tx.notifyChange('permission');
      return (await tx.rbac.findPermissions({ onlyId: id }))[0]!;
    });
  }

  /** Every permission, ordered by resource and operation. */
  async findPermissions(): Promise<Permission[]> {
    return this.store.rbac.findPermissions();
  }

  /** Deletes a permission (and its place in every role). */
  async deletePermission(caller: Caller, externalId: string): Promise<void> {
    requirePrincipal(caller);
    await this.store.transaction(async (tx) => {
      if (!(await tx.rbac.deletePermission(externalId))) throw notFound('permission');
      await tx.notifyChange('permission');
    });
  }

  /** Creates a role with its permissions; 409 for a duplicate code. */
  async createRole(caller: Caller, input: { code: string; description?: string; active?: boolean; permissions?: Route[] }): Promise<Role> {
    requirePrincipal(caller);
    const actor = await this.actorOf(caller);
    return this.store.transaction(async (tx) => {
      const permissionIds = await this.permissionIds(input.permissions ?? [], tx.rbac);
      const roleId = await tx.rbac.createRole(
        { externalId: this.newId(), code: input.code, description: input.description?.trim() ?? '', active: input.active ?? true },
        actor,
      );
      await tx.rbac.setRolePermissions(roleId, permissionIds, actor);
      await tx.notifyChange('role');
      return (await tx.rbac.findRoles(input.code))[0]!;
    });
  }

  /** Every role with its permissions. */
  async findRoles(): Promise<Role[]> {
    return this.store.rbac.findRoles();
  }

  /** One role; 404 when unknown. */
  async findRoleByCode(code: string): Promise<Role> {
    const [role] = await this.store.rbac.findRoles(code);
    if (!role) throw notFound('role');
    return role;
  }

  /** Updates a role: omitted fields keep their value; `permissions`, when given, replaces the set. */
  async updateRole(
    caller: Caller,
    code: string,
    input: { description?: string; active?: boolean; permissions?: Route[] },
    expected?: ExpectedVersion,
  ): Promise<Role> {
    requirePrincipal(caller);
    const actor = await this.actorOf(caller);
    return this.store.transaction(async (tx) => {
      const [role] = await tx.rbac.findRoles(code);
      if (!role) throw notFound('role');
      const fields = { description: input.description?.trim() ?? role.description, active: input.active ?? role.active };
      if (!(await tx.rbac.updateRole(role.id, fields, actor, expected))) throw preconditionFailed('role');
      if (input.permissions) {
        await tx.rbac.setRolePermissions(role.id, await this.permissionIds(input.permissions, tx.rbac), actor);
      }
      await tx.notifyChange('role');
      return (await tx.rbac.findRoles(code))[0]!;
    });
  }

  /** Deletes a role and every grant of it; returns its external id. */
  async deleteRole(caller: Caller, code: string, expected?: ExpectedVersion): Promise<string> {
    requirePrincipal(caller);
    return this.store.transaction(async (tx) => {
      const [role] = await tx.rbac.findRoles(code);
      if (!role) throw notFound('role');
      const externalId = await tx.rbac.deleteRole(code, expected);
      if (!externalId) throw preconditionFailed('role');
      await tx.notifyChange('role');
      return externalId;
    });
  }

  private async permissionIds(routes: Route[], rbac: RbacRepository): Promise<string[]> {
    const ids = await rbac.findPermissionIds(routes);
    return routes.map((route, i) => {
      const id = ids.get(routeKey(route));
      if (!id) throw invalidField(`permissions[${i}]`, `permissions[${i}]: no permission ${route.operation} ${route.resource} exists`);
      return id;
    });
  }
}
