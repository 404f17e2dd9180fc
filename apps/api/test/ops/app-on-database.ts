import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/platform/config/index.js';
import { createDb } from '../../src/platform/db/index.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import type { TestIdentity } from '../harness/identity.js';

/** Options of {@link startAppOnDatabase}. */
export interface AppOnDatabaseOptions {
  /** The database to serve from; `close()` leaves it alone (the caller owns it). */
  database: TestDatabase;
  identity: TestIdentity;
  /** Extra environment for the config loader (e.g. `RATE_LIMIT_MAX`). */
  env?: Record<string, string>;
  /** Readiness turns 503 once this returns true (what main.ts does on SIGTERM). */
  shuttingDown?: () => boolean;
}

/**
 * The harness' `startTestApp` on a database and identity provider the caller owns (several
 * instances on one database, a PostgreSQL server the test stops and starts).
 */
export function startAppOnDatabase(options: AppOnDatabaseOptions): Promise<TestApp> {
  return startTestApp(options);
}

/**
 * A fresh test database whose Db is built from the configuration (`DB_*` settings in `env`), as
 * main.ts builds it; `drop()` closes the Db and drops the database.
 */
export async function configuredTestDatabase(env: Record<string, string>): Promise<TestDatabase> {
  const clone = await createTestDatabase();
  const config = loadConfig({ argv: [], cwd: mkdtempSync(join(tmpdir(), 'chompardo-db-')), env: { DATABASE_URL: clone.url!, ...env } });
  const db = await createDb(config);
  return {
    url: clone.url,
    name: clone.name,
    db,
    async drop() {
      await db.close();
      await clone.drop();
    },
  };
}
