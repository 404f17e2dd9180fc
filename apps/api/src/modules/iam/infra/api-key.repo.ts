import type { Queryable } from '../../../platform/db/db.js';
import { queriesAbout } from '../../../platform/db/typed-query.js';
import type { AppCredentials, ApiKeyRepository } from '../domain/api-key.repo.js';
import type { ApiKeyInfo, AppKeys, GeneratedApiKey } from '../domain/api-key.js';
import type { Actor, AuditParty } from '../domain/audit.js';
import type { OrgKind } from '../domain/org.js';
import * as appQueries from './app.queries.js';
import { actorParams } from './columns.js';

// The key queries are app.sql's: their errors speak of the app, as that file's other queries do.
const keys = queriesAbout(appQueries, 'app');

/** An app's credentials from its row (with its org's columns) and the keys found for it. */
function toCredentials(
  row: { app_id: string; extl_id: string; org_id: string; org_extl_id: string; org_kind: string },
  appKeys: AppCredentials['keys'],
): AppCredentials {
  return {
    appId: row.app_id,
    appExternalId: row.extl_id,
    orgId: row.org_id,
    orgExternalId: row.org_extl_id,
    orgKind: row.org_kind as OrgKind,
    keys: appKeys,
  };
}

/** API keys and app credentials on PostgreSQL (or PGlite) through the typed queries of app.sql. */
export class PgApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly db: Queryable) {}

  async addApiKey(appId: string, key: GeneratedApiKey, deactivationDate: Date, actor: Actor): Promise<ApiKeyInfo> {
    const [row] = await keys.insertApiKey.run(
      { appId, keyId: key.keyId, prefix: key.prefix, keyHash: key.hash, deactivationDate, ...actorParams(actor) },
      this.db,
    );
    return { keyId: row!.key_id, prefix: row!.prefix, deactivationDate: row!.deactivation_date, createdAt: row!.create_at };
  }

  async revokeApiKey(appId: string, keyId: string, actor: Actor): Promise<boolean> {
    return (await keys.revokeApiKey.run({ appId, keyId, ...actorParams(actor) }, this.db)).length > 0;
  }

  async findAppKeys(filter: { appId?: string; includeRevoked: boolean }): Promise<AppKeys[]> {
    const rows = await keys.selectAppKeys.run({ appId: filter.appId ?? null, includeRevoked: filter.includeRevoked }, this.db);
    const party = (appExternalId: string | null, issuer: string | null, subject: string | null, name: string | null): AuditParty => ({
      appExternalId,
      user: issuer !== null && subject !== null ? { issuer, subject, name } : null,
    });
    const byApp = new Map<string, AppKeys>();
    for (const row of rows) {
      let app = byApp.get(row.app_id);
      if (!app) {
        app = {
          appId: row.app_id,
          appExternalId: row.app_extl_id,
          appName: row.app_name,
          orgExternalId: row.org_extl_id,
          orgName: row.org_name,
          orgKind: row.org_kind as OrgKind,
          keys: [],
        };
        byApp.set(row.app_id, app);
      }
      // An app without (matching) keys comes back as one row with null key columns.
      if (row.key_id === null) continue;
      app.keys.push({
        keyId: row.key_id,
        prefix: row.prefix!,
        deactivationDate: row.deactivation_date!,
        createdAt: row.create_at!,
        updatedAt: row.update_at!,
        revokedAt: row.revoked_at,
        createdBy: party(row.create_app_extl_id, row.create_user_issuer, row.create_user_subject, row.create_user_name),
        updatedBy: party(row.update_app_extl_id, row.update_user_issuer, row.update_user_subject, row.update_user_name),
      });
    }
    return [...byApp.values()];
  }

  async findAppCredentials(appExternalId: string): Promise<AppCredentials | undefined> {
    const rows = await keys.selectAppCredentials.run({ extlId: appExternalId }, this.db);
    const first = rows[0];
    if (!first) return undefined;
    return toCredentials(
      first,
      rows.flatMap((r) =>
        r.key_id && r.key_hash && r.deactivation_date ? [{ keyId: r.key_id, hash: r.key_hash, deactivationDate: r.deactivation_date }] : [],
      ),
    );
  }

  async findAppCredentialsByClientId(clientId: string): Promise<AppCredentials | undefined> {
    const [row] = await keys.selectAppByClientId.run({ clientId }, this.db);
    return row ? toCredentials(row, []) : undefined;
  }
}
