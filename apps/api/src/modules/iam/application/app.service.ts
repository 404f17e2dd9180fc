import { preconditionFailed, type ExpectedVersion } from '../../../platform/errors/precondition.js';
import { AppError, notFound } from '../../../platform/errors/app-error.js';
import { defaultKeyDeactivation, generateApiKey, parseDeactivationDate, type ApiKeyInfo, type AppKeys } from '../domain/api-key.js';
import { appDeleted } from '../events.js';
import type { After, IamRepository, IamStore } from '../domain/iam.repo.js';
import { requiredName } from '../domain/name.js';
import type { Actor } from '../domain/audit.js';
import type { App } from '../domain/app.js';
import { isPrincipal, type ActorResolver, type Caller } from './caller.js';

/**
 * The fields of a new app as a client sent them (not yet validated; the transport maps the wire
 * body to it). Validation errors name the wire fields (`api_key_deactivation_date`).
 */
export interface AppInput {
  name: string;
  description?: string;
  oauth2ClientId?: string;
  apiKeyDeactivationDate?: string;
}

/**
 * The OAuth2 client id to bind, if any. Tokens whose `azp` names it are treated as calls of that
 * app (and its org), so only Principal-org apps may bind client ids (400 otherwise).
 */
export function clientIdOf(caller: Caller, value: string | undefined): string | null {
  const clientId = value?.trim() || null;
  if (clientId && !isPrincipal(caller)) {
    throw new AppError('input_validation_error', 'only apps of the Principal org may bind an OAuth2 client id', {
      param: 'oauth2_client_id',
    });
  }
  return clientId;
}

/** A new key as shown once. */
export interface NewKey {
  key: string;
  info: ApiKeyInfo;
}

/**
 * Someone with direct database access running the operator's keys command (break-glass, when
 * every key of an app is lost). Not an API caller: no token, no app. Recorded in the audit
 * columns as the user (`operatorIssuer`, `name`).
 */
export interface Operator {
  /** Who, e.g. `alice@build-host`; 1–200 characters. */
  name: string;
}

/**
 * The issuer of operator users in `iam.user_account`. Not a URL: no identity provider issues it,
 * so no token ever authenticates as an operator; the row exists only to name who wrote an audited
 * row.
 */
export const operatorIssuer = 'urn:chompardo:operator';

/**
 * Apps of the caller's org and their API keys. Keys are generated here, stored as hashes and
 * shown only in the response that creates them; a revoked key stops working at once (the change
 * notification clears every instance's cache).
 */
export class AppService {
  constructor(
    private readonly store: IamStore,
    private readonly actorOf: ActorResolver,
    private readonly newId: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates an app with its first key in the caller's org. */
  async createApp(caller: Caller, input: AppInput): Promise<{ app: App; keys: Map<string, string> }> {
    const actor = await this.actorOf(caller);
    const name = requiredName(input.name, 'name');
    const deactivation =
      parseDeactivationDate(input.apiKeyDeactivationDate, 'api_key_deactivation_date', this.now) ?? defaultKeyDeactivation(this.now);
    const oauth2ClientId = clientIdOf(caller, input.oauth2ClientId);
    return this.store.transaction(async (repo) => {
      const externalId = this.newId();
      const appId = await repo.createApp(
        { externalId, orgId: caller.app.orgId, name, description: input.description?.trim() ?? '', oauth2ClientId },
        actor,
      );
      const key = generateApiKey();
      await repo.addApiKey(appId, key, deactivation, actor);
      await repo.notifyChange('app');
      return { app: (await repo.findAppByExternalId(externalId))!, keys: new Map([[key.keyId, key.key]]) };
    });
  }

  /** One page of the caller's org's apps. */
  async findApps(caller: Caller, page: { limit: number; after?: After }): Promise<App[]> {
    return this.store.repo.findApps(caller.app.orgId, { limit: page.limit, ...(page.after ? { after: page.after } : {}) });
  }

  /** An app of the caller's org (any org for Principal apps); 404 otherwise. */
  async findAppById(caller: Caller, externalId: string, repo: IamRepository = this.store.repo): Promise<App> {
    const app = await repo.findAppByExternalId(externalId);
    if (!app || (!isPrincipal(caller) && app.orgId !== caller.app.orgId)) throw notFound('app');
    return app;
  }

  /** Updates name, description and OAuth2 client id; `expected` is the If-Match precondition. */
  async updateApp(
    caller: Caller,
    externalId: string,
    input: { name: string; description?: string; oauth2ClientId?: string },
    expected?: ExpectedVersion,
  ): Promise<App> {
    const actor = await this.actorOf(caller);
    const name = requiredName(input.name, 'name');
    const oauth2ClientId = clientIdOf(caller, input.oauth2ClientId);
    return this.store.transaction(async (repo) => {
      const app = await this.findAppById(caller, externalId, repo);
      const updated = await repo.updateApp(app.id, { name, description: input.description?.trim() ?? '', oauth2ClientId }, actor, expected);
      if (!updated) throw preconditionFailed('app');
      await repo.notifyChange('app');
      return (await repo.findAppByExternalId(externalId))!;
    });
  }

  /** Deletes an app and its keys; the calling app cannot delete itself (409). */
  async deleteApp(caller: Caller, externalId: string, expected?: ExpectedVersion): Promise<void> {
    await this.store.transaction(async (repo, events) => {
      const app = await this.findAppById(caller, externalId, repo);
      if (app.id === caller.app.id) throw new AppError('conflict_error', 'an app cannot delete itself');
      if (!(await repo.deleteApp(app.id, expected))) throw preconditionFailed('app');
      await events.record(appDeleted, {
        aggregateId: app.externalId,
        orgId: app.orgId,
        payload: { app_id: app.id, app_external_id: app.externalId, org_id: app.orgId, org_external_id: app.orgExternalId, name: app.name },
      });
      await repo.notifyChange('app');
    });
  }

  /** Adds a key to an app; returns the plaintext once. */
  async createApiKey(caller: Caller, appExternalId: string, deactivationDate: string | undefined): Promise<NewKey> {
    const actor = await this.actorOf(caller);
    const deactivation = this.keyDeactivation(deactivationDate);
    return this.store.transaction(async (repo) =>
      this.addKey(repo, await this.findAppById(caller, appExternalId, repo), deactivation, actor),
    );
  }

  /** Revokes a key at once; 404 for an unknown or already revoked key. */
  async revokeApiKey(caller: Caller, appExternalId: string, keyId: string): Promise<void> {
    const actor = await this.actorOf(caller);
    await this.store.transaction(async (repo) => this.revokeKey(repo, await this.findAppById(caller, appExternalId, repo), keyId, actor));
  }

  /**
   * Break-glass for an operator with database access: adds a key to any app (of any org), exactly
   * as {@link createApiKey} does, recording the operator as its creator. Returns the app and the
   * plaintext key, once.
   * @throws AppError `input_validation_error` (param `deactivation_date`) for a date that is not
   *   one or not in the future, or (param `operator`) for a blank or over-long name; `not_found_error` for an unknown app.
   */
  async createApiKeyAsOperator(
    operator: Operator,
    appExternalId: string,
    deactivationDate: string | undefined,
  ): Promise<NewKey & { app: App }> {
    const deactivation = this.keyDeactivation(deactivationDate);
    return this.store.transaction(async (repo) => {
      const actor = await this.operatorActor(repo, operator);
      const app = await this.findAppForOperator(repo, appExternalId);
      return { app, ...(await this.addKey(repo, app, deactivation, actor)) };
    });
  }

  /**
   * Break-glass: revokes a key of any app at once (every instance drops it from its caches),
   * recording the operator as the last writer.
   * @throws AppError `not_found_error` for an unknown app, or a key the app does not have unrevoked.
   */
  async revokeApiKeyAsOperator(operator: Operator, appExternalId: string, keyId: string): Promise<App> {
    return this.store.transaction(async (repo) => {
      const actor = await this.operatorActor(repo, operator);
      const app = await this.findAppForOperator(repo, appExternalId);
      await this.revokeKey(repo, app, keyId, actor);
      return app;
    });
  }

  /**
   * Every app of every org (or only `appExternalId`) with its keys — ids, prefixes, dates and who
   * made them, never a key — for the operator.
   * @throws AppError `not_found_error` when `appExternalId` names no app.
   */
  async findApiKeysForOperator(filter: { appExternalId?: string; includeRevoked?: boolean }): Promise<AppKeys[]> {
    const repo = this.store.repo;
    const appId = filter.appExternalId === undefined ? undefined : (await this.findAppForOperator(repo, filter.appExternalId)).id;
    return repo.findAppKeys({ ...(appId === undefined ? {} : { appId }), includeRevoked: filter.includeRevoked ?? false });
  }

  private keyDeactivation(deactivationDate: string | undefined): Date {
    return parseDeactivationDate(deactivationDate, 'deactivation_date', this.now) ?? defaultKeyDeactivation(this.now);
  }

  /** The one place keys are made: generated, stored as a hash, every instance told. */
  private async addKey(repo: IamRepository, app: App, deactivation: Date, actor: Actor): Promise<NewKey> {
    const key = generateApiKey();
    const info = await repo.addApiKey(app.id, key, deactivation, actor);
    await repo.notifyChange('key');
    return { key: key.key, info };
  }

  private async revokeKey(repo: IamRepository, app: App, keyId: string, actor: Actor): Promise<void> {
    if (!(await repo.revokeApiKey(app.id, keyId, actor))) throw notFound('api key');
    await repo.notifyChange('key');
  }

  private async findAppForOperator(repo: IamRepository, appExternalId: string): Promise<App> {
    const app = await repo.findAppByExternalId(appExternalId);
    if (!app) throw notFound('app');
    return app;
  }

  /** The operator's audit actor: its user of {@link operatorIssuer}, created on first use. */
  private async operatorActor(repo: IamRepository, operator: Operator): Promise<Actor> {
    const name = operator.name.trim();
    if (!name || name.length > 200)
      throw new AppError('input_validation_error', 'operator must be 1-200 characters', { param: 'operator' });
    let user = await repo.findUserByIssuerSubject(operatorIssuer, name);
    if (!user) {
      await repo.createUser(
        { issuer: operatorIssuer, subject: name, email: null, name: `operator ${name}`, givenName: 'Operator', familyName: name },
        { personExternalId: this.newId(), userExternalId: this.newId() },
        { appId: null, userId: null },
      );
      user = (await repo.findUserByIssuerSubject(operatorIssuer, name))!;
    }
    return { appId: null, userId: user.id };
  }
}
