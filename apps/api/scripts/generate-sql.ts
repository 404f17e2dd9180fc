/**
 * Typed SQL: starts a throwaway real PostgreSQL (the test harness's), applies every module's
 * migrations, runs pgtyped over `src/modules/<m>/infra/*.sql` → `*.queries.ts`, stops the server.
 * Without PostgreSQL binaries the committed output is kept and a notice is printed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPgDb } from '../src/platform/db/pg-db.js';
import { migrateUp, type MigrationSource } from '../src/platform/db/migrator.js';
import { findPostgresBinaries, startPostgres } from '../test/harness/postgres.js';

/**
 * Module migrations found by convention (`src/modules/<m>/migrations`, schema `<m>`). Importing
 * src/migrations.ts would load the modules' code, which imports the very files generated here.
 */
function discoverMigrations(apiDir: string): MigrationSource[] {
  const modulesDir = join(apiDir, 'src', 'modules');
  return readdirSync(modulesDir)
    .sort()
    .filter((module) => existsSync(join(modulesDir, module, 'migrations')))
    .map((module) => ({ module, schema: module, directory: join(modulesDir, module, 'migrations') }));
}

/**
 * Points the generated queries at the platform's lean runtime (`src/platform/db/typed-query.ts`)
 * instead of `@pgtyped/runtime`, which would load pgtyped's SQL parser into the server, and hands
 * each query its name (the op its errors record).
 */
function useLeanRuntime(apiDir: string): void {
  const modulesDir = join(apiDir, 'src', 'modules');
  for (const module of readdirSync(modulesDir)) {
    const infra = join(modulesDir, module, 'infra');
    if (!existsSync(infra)) continue;
    for (const file of readdirSync(infra).filter((f) => f.endsWith('.queries.ts'))) {
      const path = join(infra, file);
      const text = readFileSync(path, 'utf8');
      const rewritten = text
        .replace(
          "import { PreparedQuery } from '@pgtyped/runtime';",
          "import { PreparedQuery } from '../../../platform/db/typed-query.js';",
        )
        .replace(/new PreparedQuery<([^>]*)>\((\w+)IR\);/g, "new PreparedQuery<$1>($2IR, '$2');");
      if (rewritten !== text) writeFileSync(path, rewritten);
    }
  }
}

/** Regenerates the typed query modules of every module; see the file comment. */
export async function generateTypedSql(apiDir: string): Promise<void> {
  if (!findPostgresBinaries()) {
    console.warn('typed SQL: no PostgreSQL binaries found; keeping the committed *.queries.ts files');
    return;
  }
  const cluster = await startPostgres();
  try {
    const db = createPgDb({ connectionString: cluster.adminUrl, max: 2 });
    try {
      await migrateUp(db, discoverMigrations(apiDir));
    } finally {
      await db.close();
    }
    execFileSync(join(apiDir, '..', '..', 'node_modules', '.bin', 'pgtyped'), ['-c', 'pgtyped.json'], {
      cwd: apiDir,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, PGURI: cluster.adminUrl },
    });
    useLeanRuntime(apiDir);
  } finally {
    await cluster.destroy();
  }
}
