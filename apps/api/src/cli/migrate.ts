/**
 * The standalone migration command (README "Commands", docs/database.md):
 *
 *   npm run migrate -- up|down|status [--module NAME] [--steps N] [config flags…]
 *
 * Reads the same configuration as the server (flags > env > config file > defaults, see
 * `loadConfig`), opens the same database (`createDb`: the pg pool on DATABASE_URL, else the
 * embedded PGlite under DATA_DIR) and runs `runMigrateCommand` over every module's migrations.
 * Exit code: 0 done, 1 migration or database failure, 2 usage or configuration error.
 */
import { moduleMigrations } from '../migrations.js';
import { parseMigrateArgs } from './migrate-args.js';
import { exitWith } from './operator-command.js';
import { ConfigError, loadConfig } from '../platform/config/index.js';
import { createDb, EmbeddedDatabaseInUseError } from '../platform/db/index.js';
import { runMigrateCommand } from '../platform/db/migrator.js';

async function main(): Promise<number> {
  const args = parseMigrateArgs(process.argv.slice(2));
  if (!args.ok) {
    process.stdout.write(`${args.message}\n`);
    return 2;
  }
  let config;
  try {
    // npm runs workspace scripts in apps/api: resolve ./config and ./.data from where the user typed the command.
    config = loadConfig({ argv: args.configArgs, env: process.env, cwd: process.env.INIT_CWD ?? process.cwd() });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  let db;
  try {
    // Straight to PostgreSQL when a pooler sits in DATABASE_URL's way (docs/database.md).
    db = await createDb(config.databaseDirectUrl ? { ...config, databaseUrl: config.databaseDirectUrl, dbPooler: 'none' } : config);
  } catch (error) {
    if (error instanceof EmbeddedDatabaseInUseError) {
      process.stderr.write(`migrate: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  try {
    return await runMigrateCommand(db, moduleMigrations, args.command, (line) => process.stdout.write(`${line}\n`));
  } finally {
    await db.close();
  }
}

exitWith('migrate', main);
