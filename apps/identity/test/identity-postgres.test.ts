/**
 * The identity service on the runner's PostgreSQL (skipped without one): the shared behaviour
 * suite, and migrations into schema `identity` under concurrent starts.
 */
import assert from 'node:assert/strict';
import { test, describe } from 'node:test';
import pg from 'pg';
import type { StorageConfig } from '../src/config.js';
import { identityAuthOptions } from '../src/auth.js';
import { migrateIdentityDatabase, openDatabase } from '../src/database.js';
import { createLogger } from '../src/logger.js';
import { createPasswordPolicy } from '../src/password-policy.js';
import { describeIdentityService } from './service-behaviour.js';
import { createPostgresDatabase, pgAdminUrl, testConfig } from './support.js';

const silent = createLogger('silent');

const pgAdmin = pgAdminUrl;
if (pgAdmin) {
  describeIdentityService('PostgreSQL', async () => {
    const database = await createPostgresDatabase(pgAdmin);
    return { storage: { kind: 'postgres', url: database.url, poolMax: 5, poolWaitMs: 5_000 }, cleanup: database.drop };
  });

  describe('identity schema on PostgreSQL', () => {
    test('concurrent starts migrate once, into schema identity only', async () => {
      const database = await createPostgresDatabase(pgAdmin);
      const storage: StorageConfig = { kind: 'postgres', url: database.url, poolMax: 3, poolWaitMs: 5_000 };
      const config = await testConfig(storage);
      const handles = await Promise.all([openDatabase(storage, silent), openDatabase(storage, silent), openDatabase(storage, silent)]);
      try {
        const created = await Promise.all(
          handles.map((handle) =>
            migrateIdentityDatabase(
              handle,
              identityAuthOptions({
                database: handle,
                config,
                baseUrl: 'http://127.0.0.1:1',
                logger: silent,
                passwordPolicy: createPasswordPolicy(new Set()),
              }),
              silent,
            ),
          ),
        );
        assert.deepEqual(created.map((tables) => tables.length).sort(), [0, 0, 5]);
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          const { rows } = await client.query<{ table_schema: string; table_name: string }>(
            `select table_schema, table_name from information_schema.tables
              where table_schema not in ('pg_catalog', 'information_schema') order by 1, 2`,
          );
          assert.deepEqual(
            rows.map((row) => `${row.table_schema}.${row.table_name}`),
            ['identity.account', 'identity.jwks', 'identity.session', 'identity.user', 'identity.verification'],
          );
        } finally {
          await client.end();
        }
      } finally {
        await Promise.all(handles.map((handle) => handle.close()));
        await database.drop();
      }
    });
  });
}
