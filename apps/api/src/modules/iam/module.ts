import { readFileSync } from 'node:fs';
import type { Db } from '../../platform/db/db.js';
import type { AppAuthenticator, Authorizer, TokenVerifier } from '../../platform/auth/ports.js';
import { toRuntimeHandlers } from '../../platform/http/operation.js';
import { EventOutbox } from '../../platform/events/outbox.js';
import type { EventRecorder } from '../../platform/events/event.js';
import type { ApiModule } from '../../platform/http/module.js';
import { newExternalId } from '../../platform/ids/external-id.js';
import { AccessService } from './application/access.service.js';
import { ApiKeyService } from './application/api-key.service.js';
import { AppService } from './application/app.service.js';
import { auditSubscription } from './application/audit.handler.js';
import type { ActorResolver } from './application/caller.js';
import type { RbacRoutes } from './application/rbac.service.js';
import { GenesisService, type CompleteGenesisRequest } from './application/genesis.service.js';
import { IdentityService } from './application/identity.service.js';
import { OrgService } from './application/org.service.js';
import { RbacService } from './application/rbac.service.js';
import { UserService } from './application/user.service.js';
import type { IamStore } from './domain/iam.store.js';
import { isOperation, routeKey, type Route } from './domain/rbac.js';
import { createIdentityStore } from './infra/identity.repo.js';
import { PgAuditLog } from './infra/audit.repo.js';
import { createIamStore, subscribeToIamChanges } from './infra/iam.store.js';
import { createIamHandlers } from './transport/iam.routes.js';
import { toGenesisRequest } from './transport/genesis.mapping.js';
import type { components } from './transport/openapi.gen.js';

type GenesisRequestBody = components['schemas']['GenesisRequest'];

/** The audit actor of an API caller: its app, and its user once registered. */
function actorResolver(access: AccessService): ActorResolver {
  return async (caller) => ({ appId: caller.app.id, userId: (await access.findUserId(caller.user)) ?? null });
}

/** The API key use cases, the same for the HTTP routes and the operator's keys command. */
function createApiKeyService(store: IamStore, access: AccessService): ApiKeyService {
  return new ApiKeyService(store, actorResolver(access), newExternalId);
}

/** A route of the spec as RBAC names it; throws (at startup) for a method RBAC does not cover. */
function toRoute(route: { resource: string; operation: string }): Route {
  const { resource, operation } = route;
  if (!isOperation(operation)) throw new Error(`x-rbac on ${operation} ${resource}: RBAC covers GET, POST, PUT, PATCH and DELETE only`);
  return { resource, operation };
}

/** What the iam module needs from app.ts. */
export interface IamModuleDeps {
  db: Db;
  /** Records iam's events (events.ts) in its transactions. */
  events: EventRecorder;
  /**
   * Every operation marked `x-rbac` in the bundled spec (method upper case, path template): what
   * permissions may name. A method RBAC does not cover (HEAD, OPTIONS) fails the build of the module.
   */
  rbacRoutes: readonly { resource: string; operation: string }[];
  /** Role codes granted on self-registration (SELF_REGISTER_ROLES). */
  selfRegisterRoles: string[];
  /** Path of the default genesis request (config/genesis/request.json). */
  genesisRequestFile: string;
  /** Verifies the tokens of other identities a caller links (the same trusted issuers as bearer tokens). */
  verifier: TokenVerifier;
}

/** The iam module: its HTTP operations plus the platform ports it implements. */
export interface IamModule extends ApiModule {
  appAuthenticator: AppAuthenticator;
  authorizer: Authorizer;
}

/**
 * Wires the iam module: repository and store on the database, the access service (app keys and
 * RBAC, cached and invalidated through LISTEN/NOTIFY), the use cases and the spec-bound handlers.
 */
export function createIamModule(deps: IamModuleDeps): IamModule {
  let access: AccessService | undefined;
  const store = createIamStore(deps.db, deps.events, () => access?.invalidate());
  access = new AccessService(store);
  const accessService = access;
  const declared = deps.rbacRoutes.map(toRoute);
  const routes = new Set(declared.map(routeKey));
  const rbacRoutes: RbacRoutes = { has: (r) => routes.has(routeKey(r)), all: () => declared };
  const actorOf = actorResolver(accessService);
  const defaultGenesis = (): CompleteGenesisRequest => {
    // The file holds a complete request in the wire shape (as POST /genesis takes it); the transport maps it.
    const { org, permissions, roles } = toGenesisRequest(JSON.parse(readFileSync(deps.genesisRequestFile, 'utf8')) as GenesisRequestBody);
    if (!org || !permissions || !roles) throw new Error(`${deps.genesisRequestFile} must state org, permissions and roles`);
    return { org, permissions, roles };
  };

  const users = new UserService(store, deps.selfRegisterRoles, newExternalId);
  const handlers = createIamHandlers({
    genesis: new GenesisService(store, rbacRoutes, defaultGenesis, newExternalId),
    users,
    identities: new IdentityService(createIdentityStore(deps.db), users, deps.verifier, newExternalId),
    orgs: new OrgService(store, actorOf, newExternalId),
    apps: new AppService(store, actorOf, newExternalId),
    apiKeys: createApiKeyService(store, accessService),
    rbac: new RbacService(store, actorOf, rbacRoutes, newExternalId),
  });

  let unsubscribe: (() => Promise<void>) | undefined;
  return {
    name: 'iam',
    handlers: toRuntimeHandlers(handlers),
    appAuthenticator: accessService,
    authorizer: accessService,
    subscriptions: [auditSubscription((tx) => new PgAuditLog(tx))],
    async start() {
      unsubscribe = await subscribeToIamChanges(deps.db, () => accessService.invalidate());
    },
    async close() {
      await unsubscribe?.();
    },
  };
}

/**
 * The break-glass key operations for an operator with direct database access (the `keys` CLI):
 * the same {@link ApiKeyService} as the HTTP routes, entered as an operator instead of an API caller.
 */
export type IamOperatorKeys = Pick<ApiKeyService, 'createApiKeyAsOperator' | 'revokeApiKeyAsOperator' | 'findApiKeysForOperator'>;

/**
 * Wires {@link IamOperatorKeys} on `db`. Writes notify every running instance (LISTEN/NOTIFY), so
 * an API sharing the database drops a revoked key from its caches at once.
 */
export function createIamOperatorKeys(db: Db): IamOperatorKeys {
  let access: AccessService | undefined;
  const store = createIamStore(db, new EventOutbox(db), () => access?.invalidate());
  access = new AccessService(store);
  return createApiKeyService(store, access);
}
