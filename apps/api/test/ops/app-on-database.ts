import { startTestApp, type TestApp } from '../harness/app.js';
import type { TestDatabase } from '../harness/database.js';
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
