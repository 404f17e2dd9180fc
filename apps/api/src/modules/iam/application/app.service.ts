import { AppError, notFound } from '../../../platform/errors/app-error.js';
import { generateApiKey } from '../domain/api-key.js';
import type { After, IamRepository, IamStore } from '../domain/iam.repo.js';
import type { ApiKeyInfo, App, ExpectedVersion } from '../domain/iam.js';
import { isPrincipal, uniquely, type ActorResolver, type Caller } from './caller.js';
import { defaultKeyDeactivation, parseDeactivationDate, preconditionFailed, requiredName, type AppInput } from './input.js';


export type { AppInput } from './input.js';

/**
 * The OAuth2 client id to bind, if any. Tokens whose `azp` names it are treated as calls of that
 * app (and its org), so only Principal-org apps may bind client ids (400 otherwise).
 */
export function clientIdOf(caller: Caller, value: string | undefined): string | null {
  const clientId = value?.trim() || null;
  if (clientId && !isPrincipal(caller)) {
    throw new AppError('input_validation_error', 'only apps of the Principal org may bind an OAuth2 client id', { param: 'oauth2_client_id' });
  }
  return clientId;
}

/** A new key as shown once. */
export interface NewKey {
  key: string;
  info: ApiKeyInfo;
}

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
    const deactivation = parseDeactivationDate(input.api_key_deactivation_date, 'api_key_deactivation_date', this.now) ?? defaultKeyDeactivation(this.now);
    const oauth2ClientId = clientIdOf(caller, input.oauth2_client_id);
    return this.store.transaction(async (repo) => {
      const externalId = this.newId();
      const appId = await uniquely(`an app named "${name}" in this org, or one with this OAuth2 client id,`, () =>
        repo.createApp({ externalId, orgId: caller.app.orgId, name, description: input.description?.trim() ?? '', oauth2ClientId }, actor),
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
    input: { name: string; description?: string; oauth2_client_id?: string },
    expected?: ExpectedVersion,
  ): Promise<App> {
    const actor = await this.actorOf(caller);
    const name = requiredName(input.name, 'name');
    const oauth2ClientId = clientIdOf(caller, input.oauth2_client_id);
    return this.store.transaction(async (repo) => {
      const app = await this.findAppById(caller, externalId, repo);
      const updated = await uniquely(`an app named "${name}" in this org, or one with this OAuth2 client id,`, () =>
        repo.updateApp(app.id, { name, description: input.description?.trim() ?? '', oauth2ClientId }, actor, expected),
      );
      if (!updated) throw preconditionFailed('app');
      await repo.notifyChange('app');
      return (await repo.findAppByExternalId(externalId))!;
    });
  }

  /** Deletes an app and its keys; the calling app cannot delete itself (409). */
  async deleteApp(caller: Caller, externalId: string, expected?: ExpectedVersion): Promise<void> {
    await this.store.transaction(async (repo) => {
      const app = await this.findAppById(caller, externalId, repo);
      if (app.id === caller.app.id) throw new AppError('conflict_error', 'an app cannot delete itself');
      if (!(await repo.deleteApp(app.id, expected))) throw preconditionFailed('app');
      await repo.notifyChange('app');
    });
  }

  /** Adds a key to an app; returns the plaintext once. */
  async createApiKey(caller: Caller, appExternalId: string, deactivationDate: string | undefined): Promise<NewKey> {
    const actor = await this.actorOf(caller);
    const deactivation = parseDeactivationDate(deactivationDate, 'deactivation_date', this.now) ?? defaultKeyDeactivation(this.now);
    return this.store.transaction(async (repo) => {
      const app = await this.findAppById(caller, appExternalId, repo);
      const key = generateApiKey();
      const info = await repo.addApiKey(app.id, key, deactivation, actor);
      await repo.notifyChange('key');
      return { key: key.key, info };
    });
  }

  /** Revokes a key at once; 404 for an unknown or already revoked key. */
  async revokeApiKey(caller: Caller, appExternalId: string, keyId: string): Promise<void> {
    const actor = await this.actorOf(caller);
    await this.store.transaction(async (repo) => {
      const app = await this.findAppById(caller, appExternalId, repo);
      if (!(await repo.revokeApiKey(app.id, keyId, actor))) throw notFound('api key');
      await repo.notifyChange('key');
    });
  }
}
