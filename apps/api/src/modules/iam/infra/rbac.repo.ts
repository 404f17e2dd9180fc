import type { Queryable } from '../../../platform/db/db.js';
import type { ExpectedVersion } from '../../../platform/errors/precondition.js';
import { queriesAbout } from '../../../platform/db/typed-query.js';
import type { Actor } from '../domain/audit.js';
import type { RbacRepository } from '../domain/rbac.repo.js';
import { routeKey, type Operation, type Permission, type Role, type Route } from '../domain/rbac.js';
import { actorParams, expectedParams, toAudit } from './columns.js';
import * as rbacQueries from './rbac.queries.js';

// What each query's rows are, for the messages of its unique violations and still-referenced rows.
const rbac = queriesAbout(rbacQueries, 'role', {
  insertPermission: (p) => `a permission for ${p.operation} ${p.resource}`,
  insertRole: (p) => `a role with code "${p.code}"`,
});

/** Permissions and roles on PostgreSQL (or PGlite) through the typed queries of rbac.sql. */
export class PgRbacRepository implements RbacRepository {
  constructor(private readonly db: Queryable) {}

  async createPermission(
    p: { externalId: string; resource: string; operation: Operation; description: string; active: boolean },
    actor: Actor,
  ): Promise<string> {
    const [row] = await rbac.insertPermission.run(
      {
        extlId: p.externalId,
        resource: p.resource,
        operation: p.operation,
        description: p.description,
        active: p.active,
        ...actorParams(actor),
      },
      this.db,
    );
    return row!.permission_id;
  }

  async findPermissions(filter: { onlyId?: string; onlyExternalId?: string } = {}): Promise<Permission[]> {
    const rows = await rbac.selectPermissions.run(
      { onlyPermissionId: filter.onlyId ?? null, onlyExtlId: filter.onlyExternalId ?? null },
      this.db,
    );
    return rows.map((row) => ({
      id: row.permission_id,
      externalId: row.extl_id,
      resource: row.resource,
      operation: row.operation as Operation,
      description: row.description,
      active: row.active,
      audit: toAudit(row),
    }));
  }

  async deletePermission(externalId: string): Promise<boolean> {
    return (await rbac.deletePermission.run({ extlId: externalId }, this.db)).length > 0;
  }

  async findPermissionIds(routes: Route[]): Promise<Map<string, string>> {
    if (routes.length === 0) return new Map();
    const rows = await rbac.selectPermissionIdsByRoute.run({ routes: JSON.stringify(routes.map(routeKey)) }, this.db);
    return new Map(rows.map((row) => [routeKey(row), row.permission_id]));
  }

  async createRole(r: { externalId: string; code: string; description: string; active: boolean }, actor: Actor): Promise<string> {
    const [row] = await rbac.insertRole.run(
      { extlId: r.externalId, code: r.code, description: r.description, active: r.active, ...actorParams(actor) },
      this.db,
    );
    return row!.role_id;
  }

  async findRoles(onlyCode?: string): Promise<Role[]> {
    const rows = await rbac.selectRoles.run({ onlyCode: onlyCode ?? null }, this.db);
    return rows.map((row) => ({
      id: row.role_id,
      externalId: row.extl_id,
      code: row.code,
      description: row.description,
      active: row.active,
      version: row.version,
      permissions: row.permissions as unknown as Route[],
      audit: toAudit(row),
    }));
  }

  async findRoleId(code: string): Promise<string | undefined> {
    const [row] = await rbac.selectRoleIdByCode.run({ code }, this.db);
    return row?.role_id;
  }

  async updateRole(
    roleId: string,
    fields: { description: string; active: boolean },
    actor: Actor,
    expected?: ExpectedVersion,
  ): Promise<boolean> {
    return (await rbac.updateRole.run({ roleId, ...fields, ...actorParams(actor), ...expectedParams(expected) }, this.db)).length > 0;
  }

  async deleteRole(code: string, expected?: ExpectedVersion): Promise<string | undefined> {
    const [row] = await rbac.deleteRole.run({ code, ...expectedParams(expected) }, this.db);
    return row?.extl_id;
  }

  async setRolePermissions(roleId: string, permissionIds: string[], actor: Actor): Promise<void> {
    await rbac.deleteRolePermissions.run({ roleId }, this.db);
    if (permissionIds.length)
      await rbac.insertRolePermissions.run({ roleId, permissionIds: JSON.stringify(permissionIds), ...actorParams(actor) }, this.db);
  }

  async findUserRoutes(userId: string, orgId: string): Promise<string[]> {
    return (await rbac.selectUserPermissions.run({ userId, orgId }, this.db)).map((r) => r.route);
  }
}
