import { AppError, notFound } from '../../../platform/errors/app-error.js';
import { defaultKeyDeactivation, generateApiKey, parseDeactivationDate, type ApiKeyInfo, type AppKeys } from '../domain/api-key.js';
import type { ApiKeyRepository } from '../domain/api-key.repo.js';
import type { AppRepository } from '../domain/app.repo.js';
import type { App } from '../domain/app.js';
import type { Actor } from '../domain/audit.js';
import type { IamStore, IamTransaction } from '../domain/iam.store.js';
import type { UserRepository } from '../domain/user.repo.js';
import { findAppOf } from './app.service.js';
import type { ActorResolver, Caller } from './caller.js';

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
 * The API keys of apps. Keys are generated here, stored as hashes and shown only in the response
 * that creates them; a revoked key stops working at once (the change notification clears every
 * instance's cache). The operator's break-glass enters the same key writes without an API caller.
 */
export class ApiKeyService {
  constructor(
    private readonly store: IamStore<'apps' | 'apiKeys' | 'users'>,
    private readonly actorOf: ActorResolver,
    private readonly newId: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds a key to an app; returns the plaintext once. */
  async createApiKey(caller: Caller, appExternalId: string, deactivationDate: string | undefined): Promise<NewKey> {
    const actor = await this.actorOf(caller);
    const deactivation = this.keyDeactivation(deactivationDate);
    return this.store.transaction(async (tx) => this.addKey(tx, await findAppOf(tx.apps, caller, appExternalId), deactivation, actor));
  }

  /** Revokes a key at once; 404 for an unknown or already revoked key. */
  async revokeApiKey(caller: Caller, appExternalId: string, keyId: string): Promise<void> {
    const actor = await this.actorOf(caller);
    await this.store.transaction(async (tx) => this.revokeKey(tx, await findAppOf(tx.apps, caller, appExternalId), keyId, actor));
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
    return this.store.transaction(async (tx) => {
      const actor = await this.operatorActor(tx.users, operator);
      const app = await this.findAppForOperator(tx.apps, appExternalId);
      return { app, ...(await this.addKey(tx, app, deactivation, actor)) };
    });
  }

  /**
   * Break-glass: revokes a key of any app at once (every instance drops it from its caches),
   * recording the operator as the last writer.
   * @throws AppError `not_found_error` for an unknown app, or a key the app does not have unrevoked.
   */
  async revokeApiKeyAsOperator(operator: Operator, appExternalId: string, keyId: string): Promise<App> {
    return this.store.transaction(async (tx) => {
      const actor = await this.operatorActor(tx.users, operator);
      const app = await this.findAppForOperator(tx.apps, appExternalId);
      await this.revokeKey(tx, app, keyId, actor);
      return app;
    });
  }

  /**
   * Every app of every org (or only `appExternalId`) with its keys — ids, prefixes, dates and who
   * made them, never a key — for the operator.
   * @throws AppError `not_found_error` when `appExternalId` names no app.
   */
  async findApiKeysForOperator(filter: { appExternalId?: string; includeRevoked?: boolean }): Promise<AppKeys[]> {
    const appId =
      filter.appExternalId === undefined ? undefined : (await this.findAppForOperator(this.store.apps, filter.appExternalId)).id;
    return this.store.apiKeys.findAppKeys({ ...(appId === undefined ? {} : { appId }), includeRevoked: filter.includeRevoked ?? false });
  }

  private keyDeactivation(deactivationDate: string | undefined): Date {
    return parseDeactivationDate(deactivationDate, 'deactivation_date', this.now) ?? defaultKeyDeactivation(this.now);
  }

  /** The one place keys are made: generated, stored as a hash, every instance told. */
  private async addKey(tx: { apiKeys: ApiKeyRepository } & IamTransaction, app: App, deactivation: Date, actor: Actor): Promise<NewKey> {
    const key = generateApiKey();
    const info = await tx.apiKeys.addApiKey(app.id, key, deactivation, actor);
    await tx.notifyChange('key');
    return { key: key.key, info };
  }

  private async revokeKey(tx: { apiKeys: ApiKeyRepository } & IamTransaction, app: App, keyId: string, actor: Actor): Promise<void> {
    if (!(await tx.apiKeys.revokeApiKey(app.id, keyId, actor))) throw notFound('api key');
    await tx.notifyChange('key');
  }

  private async findAppForOperator(apps: AppRepository, appExternalId: string): Promise<App> {
    const app = await apps.findAppByExternalId(appExternalId);
    if (!app) throw notFound('app');
    return app;
  }

  /** The operator's audit actor: its user of {@link operatorIssuer}, created on first use. */
  private async operatorActor(users: UserRepository, operator: Operator): Promise<Actor> {
    const name = operator.name.trim();
    if (!name || name.length > 200)
      throw new AppError('input_validation_error', 'operator must be 1-200 characters', { param: 'operator' });
    let user = await users.findUserByIssuerSubject(operatorIssuer, name);
    if (!user) {
      await users.createUser(
        { issuer: operatorIssuer, subject: name, email: null, name: `operator ${name}`, givenName: 'Operator', familyName: name },
        { personExternalId: this.newId(), userExternalId: this.newId() },
        { appId: null, userId: null },
      );
      user = (await users.findUserByIssuerSubject(operatorIssuer, name))!;
    }
    return { appId: null, userId: user.id };
  }
}
