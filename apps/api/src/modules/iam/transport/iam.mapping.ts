import type { App } from '../domain/app.js';
import type { Audit } from '../domain/audit.js';
import type { Member, Org } from '../domain/org.js';
import type { Permission, Role } from '../domain/rbac.js';
import type { User } from '../domain/user.js';
import type { GenesisOrg, GenesisRequest, GenesisResult } from '../application/genesis.service.js';
import type { AppInput } from '../application/app.service.js';
import type { components } from './openapi.gen.js';

type Schemas = components['schemas'];

/** A new app as the wire sends it (`POST /apps`, `app` of `POST /orgs`), camelCase for the application. */
export function toAppInput(body: Schemas['AppCreate']): AppInput {
  return {
    name: body.name,
    description: body.description,
    oauth2ClientId: body.oauth2_client_id,
    apiKeyDeactivationDate: body.api_key_deactivation_date,
  };
}

/** The fields of `PUT /apps/{extlId}`, camelCase for the application. */
export function toAppUpdate(body: Schemas['AppUpdate']): { name: string; description?: string; oauth2ClientId?: string } {
  return { name: body.name, description: body.description, oauth2ClientId: body.oauth2_client_id };
}

/** `POST /orgs`, its optional first app mapped by {@link toAppInput}. */
export function toOrgInput(body: Schemas['OrgCreate']): { name: string; description?: string; app?: AppInput } {
  return { name: body.name, description: body.description, ...(body.app ? { app: toAppInput(body.app) } : {}) };
}

/**
 * A genesis request as the wire (or config/genesis/request.json) states it, camelCase for the
 * application; parts left out stay out (the service fills them from the default request).
 */
export function toGenesisRequest(body: Schemas['GenesisRequest']): GenesisRequest {
  const org = body.org;
  return {
    ...(org
      ? {
          org: {
            name: org.name,
            description: org.description,
            app: { name: org.app.name, description: org.app.description, oauth2ClientId: org.app.oauth2_client_id },
          },
        }
      : {}),
    ...(body.permissions ? { permissions: body.permissions } : {}),
    ...(body.roles ? { roles: body.roles } : {}),
  };
}

/** Audit fields on the wire (diygoapi's names). */
export function toAuditBody(audit: Audit) {
  return {
    create_app_extl_id: audit.createAppExtlId,
    create_user_first_name: audit.createUserFirstName,
    create_user_last_name: audit.createUserLastName,
    create_date_time: audit.createdAt.toISOString(),
    update_app_extl_id: audit.updateAppExtlId,
    update_user_first_name: audit.updateUserFirstName,
    update_user_last_name: audit.updateUserLastName,
    update_date_time: audit.updatedAt.toISOString(),
  };
}

/** An app on the wire: key ids, prefixes and dates; the plaintext key only when `keys` has it (creation). */
export function toAppBody(app: App, keys?: Map<string, string>): Schemas['App'] {
  return {
    external_id: app.externalId,
    name: app.name,
    description: app.description,
    oauth2_client_id: app.oauth2ClientId,
    org_external_id: app.orgExternalId,
    api_keys: app.apiKeys.map((k) => {
      const key = keys?.get(k.keyId);
      return {
        key_id: k.keyId,
        prefix: k.prefix,
        deactivation_date: k.deactivationDate.toISOString(),
        created_at: k.createdAt.toISOString(),
        ...(key ? { key } : {}),
      };
    }),
    ...toAuditBody(app.audit),
  };
}

/** An org on the wire, with its first app when it was created with one. */
export function toOrgBody(org: Org, app?: App, keys?: Map<string, string>): Schemas['Org'] {
  return {
    external_id: org.externalId,
    name: org.name,
    description: org.description,
    kind_description: org.kind,
    ...(app ? { app: toAppBody(app, keys) } : {}),
    ...toAuditBody(org.audit),
  };
}

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

export function toUserBody(u: User): Schemas['User'] {
  return {
    external_id: u.externalId,
    subject: u.subject,
    issuer: u.issuer,
    email: u.email,
    name: u.name,
    given_name: u.givenName,
    family_name: u.familyName,
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
  };
}

export function toMemberBody(m: Member): Schemas['Member'] {
  return { user_external_id: m.userExternalId, email: m.email, name: m.name, role_codes: m.roleCodes };
}

function toGenesisOrgBody(g: GenesisOrg): Schemas['GenesisOrg'] {
  return {
    external_id: g.org.externalId,
    name: g.org.name,
    description: g.org.description,
    kind_description: g.org.kind,
    app: toAppBody(g.app, g.keys),
  };
}

/** Genesis on the wire; keys appear only when the result carries them (the creating call). */
export function toGenesisBody(g: GenesisResult): Schemas['Genesis'] {
  return { principal: toGenesisOrgBody(g.principal), test: toGenesisOrgBody(g.test), userInitiated: toGenesisOrgBody(g.userInitiated) };
}
