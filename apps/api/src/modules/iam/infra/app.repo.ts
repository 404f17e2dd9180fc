import type { Queryable } from '../../../platform/db/db.js';
import type { ExpectedVersion } from '../../../platform/errors/precondition.js';
import { queriesAbout } from '../../../platform/db/typed-query.js';
import type { AppRepository } from '../domain/app.repo.js';
import type { App } from '../domain/app.js';
import type { Actor } from '../domain/audit.js';
import type { OrgKind } from '../domain/org.js';
import type { After } from '../domain/page.js';
import * as appQueries from './app.queries.js';
import { actorParams, afterParams, expectedParams, toAudit } from './columns.js';

// What each query's rows are, for the messages of its unique violations and still-referenced rows.
const apps = queriesAbout(appQueries, 'app', {
  insertApp: (p) => `an app named "${p.name}" in this org, or one with this OAuth2 client id,`,
  updateApp: (p) => `an app named "${p.name}" in this org, or one with this OAuth2 client id,`,
});

/** Apps on PostgreSQL (or PGlite) through the typed queries of app.sql. */
export class PgAppRepository implements AppRepository {
  constructor(private readonly db: Queryable) {}

  async createApp(
    app: { externalId: string; orgId: string; name: string; description: string; oauth2ClientId: string | null },
    actor: Actor,
  ): Promise<string> {
    const [row] = await apps.insertApp.run(
      {
        extlId: app.externalId,
        orgId: app.orgId,
        name: app.name,
        description: app.description,
        oauth2ClientId: app.oauth2ClientId,
        ...actorParams(actor),
      },
      this.db,
    );
    return row!.app_id;
  }

  private async withKeys(rows: appQueries.ISelectAppByExtlIdResult[]): Promise<App[]> {
    if (rows.length === 0) return [];
    const keys = await apps.selectApiKeysOfApps.run({ appIds: JSON.stringify(rows.map((r) => r.app_id)) }, this.db);
    return rows.map((row) => ({
      id: row.app_id,
      externalId: row.extl_id,
      orgId: row.org_id,
      orgExternalId: row.org_extl_id,
      orgKind: row.org_kind as OrgKind,
      name: row.name,
      description: row.description,
      oauth2ClientId: row.oauth2_client_id,
      version: row.version,
      apiKeys: keys
        .filter((k) => k.app_id === row.app_id)
        .map((k) => ({ keyId: k.key_id, prefix: k.prefix, deactivationDate: k.deactivation_date, createdAt: k.create_at })),
      audit: toAudit(row),
      sortKey: row.sort_key,
    }));
  }

  async findAppByExternalId(externalId: string): Promise<App | undefined> {
    const [app] = await this.withKeys(await apps.selectAppByExtlId.run({ extlId: externalId }, this.db));
    return app;
  }

  async findAppById(id: string): Promise<App | undefined> {
    const [app] = await this.withKeys(await apps.selectAppById.run({ appId: id }, this.db));
    return app;
  }

  async findApps(orgId: string, filter: { after?: After; limit: number }): Promise<App[]> {
    return this.withKeys(await apps.selectAppsByOrg.run({ orgId, ...afterParams(filter.after), limit: filter.limit }, this.db));
  }

  async updateApp(
    appId: string,
    fields: { name: string; description: string; oauth2ClientId: string | null },
    actor: Actor,
    expected?: ExpectedVersion,
  ): Promise<boolean> {
    return (await apps.updateApp.run({ appId, ...fields, ...actorParams(actor), ...expectedParams(expected) }, this.db)).length > 0;
  }

  async deleteApp(appId: string, expected?: ExpectedVersion): Promise<boolean> {
    return (await apps.deleteApp.run({ appId, ...expectedParams(expected) }, this.db)).length > 0;
  }
}
