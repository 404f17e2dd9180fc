import type { AppInput } from '../application/app.service.js';
import type { App } from '../domain/app.js';
import type { Member, Org } from '../domain/org.js';
import { toAppBody, toAppInput } from './app.mapping.js';
import { toAuditBody } from './audit.mapping.js';
import type { components } from './openapi.gen.js';

type Schemas = components['schemas'];

/** `POST /orgs`, its optional first app mapped by {@link toAppInput}. */
export function toOrgInput(body: Schemas['OrgCreate']): { name: string; description?: string; app?: AppInput } {
  return { name: body.name, description: body.description, ...(body.app ? { app: toAppInput(body.app) } : {}) };
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

/** A member of an org on the wire, with the codes of its roles there. */
export function toMemberBody(m: Member): Schemas['Member'] {
  return { user_external_id: m.userExternalId, email: m.email, name: m.name, role_codes: m.roleCodes };
}
