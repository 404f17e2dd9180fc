import type { AppInput } from '../application/app.service.js';
import type { App } from '../domain/app.js';
import { toAuditBody } from './audit.mapping.js';
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
