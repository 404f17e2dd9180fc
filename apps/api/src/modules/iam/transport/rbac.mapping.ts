import type { Permission, Role } from '../domain/rbac.js';
import { toAuditBody } from './audit.mapping.js';
import type { components } from './openapi.gen.js';

type Schemas = components['schemas'];

/** A permission on the wire. */
export function toPermissionBody(p: Permission): Schemas['Permission'] {
  return {
    external_id: p.externalId,
    resource: p.resource,
    operation: p.operation,
    description: p.description,
    active: p.active,
    ...toAuditBody(p.audit),
  };
}

/** A role on the wire, with the routes of its permissions. */
export function toRoleBody(r: Role): Schemas['Role'] {
  return {
    external_id: r.externalId,
    code: r.code,
    description: r.description,
    active: r.active,
    permissions: r.permissions.map((p) => ({ resource: p.resource, operation: p.operation })),
    ...toAuditBody(r.audit),
  };
}
