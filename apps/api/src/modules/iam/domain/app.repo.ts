import type { ExpectedVersion } from '../../../platform/errors/precondition.js';
import type { App } from './app.js';
import type { Actor } from './audit.js';
import type { After } from './page.js';

/** Storage of apps (port); an app is read with its unrevoked keys. */
export interface AppRepository {
  createApp(
    app: { externalId: string; orgId: string; name: string; description: string; oauth2ClientId: string | null },
    actor: Actor,
  ): Promise<string>;
  findAppByExternalId(externalId: string): Promise<App | undefined>;
  findAppById(id: string): Promise<App | undefined>;
  findApps(orgId: string, filter: { after?: After; limit: number }): Promise<App[]>;
  updateApp(
    appId: string,
    fields: { name: string; description: string; oauth2ClientId: string | null },
    actor: Actor,
    expected?: ExpectedVersion,
  ): Promise<boolean>;
  deleteApp(appId: string, expected?: ExpectedVersion): Promise<boolean>;
}
