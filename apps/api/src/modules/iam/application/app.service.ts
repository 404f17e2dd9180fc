import { preconditionFailed, type ExpectedVersion } from '../../../platform/errors/precondition.js';
import { AppError, notFound } from '../../../platform/errors/app-error.js';
import { defaultKeyDeactivation, generateApiKey, parseDeactivationDate } from '../domain/api-key.js';
import type { AppRepository } from '../domain/app.repo.js';
import type { App } from '../domain/app.js';
import type { IamStore } from '../domain/iam.store.js';
import { requiredName } from '../domain/name.js';
import type { After } from '../domain/page.js';
import { appDeleted } from '../events.js';
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

/** An app the caller may address: of its own org (of any org for Principal apps); 404 otherwise. */
export async function findAppOf(apps: AppRepository, caller: Caller, externalId: string): Promise<App> {
  const app = await apps.findAppByExternalId(externalId);
  if (!app || (!isPrincipal(caller) && app.orgId !== caller.app.orgId)) throw notFound('app');
  return app;
}

/**
 * Apps of the caller's org. An app is created with its first API key (see `ApiKeyService`
 * for the keys after it), shown in plaintext only in the response that creates it.
 */
export class AppService {
  constructor(
    private readonly store: IamStore<'apps' | 'apiKeys'>,
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
    return this.store.transaction(async (tx) => {
      const externalId = this.newId();
      const appId = await tx.apps.createApp(
        { externalId, orgId: caller.app.orgId, name, description: input.description?.trim() ?? '', oauth2ClientId },
        actor,
      );
      const key = generateApiKey();
      await tx.apiKeys.addApiKey(appId, key, deactivation, actor);
      await tx.notifyChange('app');
      return { app: (await tx.apps.findAppByExternalId(externalId))!, keys: new Map([[key.keyId, key.key]]) };
    });
  }

  /** One page of the caller's org's apps. */
  async findApps(caller: Caller, page: { limit: number; after?: After }): Promise<App[]> {
    return this.store.apps.findApps(caller.app.orgId, { limit: page.limit, ...(page.after ? { after: page.after } : {}) });
  }

  /** An app of the caller's org (any org for Principal apps); 404 otherwise. */
  async findAppById(caller: Caller, externalId: string): Promise<App> {
    return findAppOf(this.store.apps, caller, externalId);
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
    return this.store.transaction(async (tx) => {
      const app = await findAppOf(tx.apps, caller, externalId);
      const updated = await tx.apps.updateApp(
        app.id,
        { name, description: input.description?.trim() ?? '', oauth2ClientId },
        actor,
        expected,
      );
      if (!updated) throw preconditionFailed('app');
      await tx.notifyChange('app');
      return (await tx.apps.findAppByExternalId(externalId))!;
    });
  }

  /** Deletes an app and its keys; the calling app cannot delete itself (409). */
  async deleteApp(caller: Caller, externalId: string, expected?: ExpectedVersion): Promise<void> {
    await this.store.transaction(async (tx) => {
      const app = await findAppOf(tx.apps, caller, externalId);
      if (app.id === caller.app.id) throw new AppError('conflict_error', 'an app cannot delete itself');
      if (!(await tx.apps.deleteApp(app.id, expected))) throw preconditionFailed('app');
      await tx.events.record(appDeleted, {
        aggregateId: app.externalId,
        orgId: app.orgId,
        payload: { app_id: app.id, app_external_id: app.externalId, org_id: app.orgId, org_external_id: app.orgExternalId, name: app.name },
      });
      await tx.notifyChange('app');
    });
  }
}
