import type { GenesisOrg, GenesisRequest, GenesisResult } from '../application/genesis.service.js';
import { toAppBody } from './app.mapping.js';
import type { components } from './openapi.gen.js';

type Schemas = components['schemas'];

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
