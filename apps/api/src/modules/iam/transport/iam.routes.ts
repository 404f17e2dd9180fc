import type { OperationHandlers } from '../../../platform/http/operation.js';
import type { ApiKeyService } from '../application/api-key.service.js';
import type { AppService } from '../application/app.service.js';
import type { GenesisService } from '../application/genesis.service.js';
import type { IdentityService } from '../application/identity.service.js';
import type { OrgService } from '../application/org.service.js';
import type { RbacService } from '../application/rbac.service.js';
import type { UserService } from '../application/user.service.js';
import { createApiKeyHandlers } from './api-key.routes.js';
import { createAppHandlers } from './app.routes.js';
import { createGenesisHandlers } from './genesis.routes.js';
import { createIdentityHandlers } from './identity.routes.js';
import type { operations } from './openapi.gen.js';
import { createOrgHandlers } from './org.routes.js';
import { createRbacHandlers } from './rbac.routes.js';
import { createUserHandlers } from './user.routes.js';

/** The iam services the handlers call. */
export interface IamServices {
  genesis: GenesisService;
  users: UserService;
  identities: IdentityService;
  orgs: OrgService;
  apps: AppService;
  apiKeys: ApiKeyService;
  rbac: RbacService;
}

/**
 * Every operation of the iam spec, bound by its noun's routes file (`<noun>.routes.ts`, as the
 * spec's `openapi/<noun>.yaml`), each typed by the operations it picks. Typed as the whole spec,
 * so an operation that no file binds does not compile.
 */
export function createIamHandlers(s: IamServices): OperationHandlers<operations> {
  return {
    ...createGenesisHandlers(s.genesis),
    ...createUserHandlers(s.users),
    ...createIdentityHandlers(s.identities),
    ...createOrgHandlers(s.orgs),
    ...createAppHandlers(s.apps),
    ...createApiKeyHandlers(s.apiKeys),
    ...createRbacHandlers(s.rbac),
  };
}
