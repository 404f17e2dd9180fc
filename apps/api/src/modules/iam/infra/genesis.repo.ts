import type { Queryable } from '../../../platform/db/db.js';
import { queriesAbout } from '../../../platform/db/typed-query.js';
import type { Actor } from '../domain/audit.js';
import type { GenesisRecord, GenesisRepository } from '../domain/genesis.repo.js';
import { actorParams } from './columns.js';
import * as genesisQueries from './genesis.queries.js';

const genesis = queriesAbout(genesisQueries, 'genesis');

/** Genesis' record and lock on PostgreSQL (or PGlite) through the typed queries of genesis.sql. */
export class PgGenesisRepository implements GenesisRepository {
  constructor(private readonly db: Queryable) {}

  async lockGenesis(): Promise<boolean> {
    const [row] = await genesis.lockGenesis.run(undefined as never, this.db);
    return row?.locked === true;
  }

  async findGenesis(): Promise<GenesisRecord | undefined> {
    const [row] = await genesis.selectGenesis.run(undefined as never, this.db);
    return row
      ? {
          principalOrgId: row.principal_org_id,
          testOrgId: row.test_org_id,
          userOrgId: row.user_org_id,
          principalAppId: row.principal_app_id,
          testAppId: row.test_app_id,
          userAppId: row.user_app_id,
        }
      : undefined;
  }

  async recordGenesis(record: GenesisRecord, actor: Actor): Promise<void> {
    await genesis.insertGenesis.run({ ...record, ...actorParams(actor) }, this.db);
  }
}
