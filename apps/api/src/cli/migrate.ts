/**
 * The standalone migration command (CONTRACT §1, §9):
 *
 *   npm run migrate -- up|down|status [--module NAME] [--steps N] [config flags…]
 *
 * Reads the same configuration as the server (flags > env > config file > defaults, see
 * `loadConfig`), opens the same database (`createDb`: the pg pool on DATABASE_URL, else the
 * embedded PGlite under DATA_DIR) and runs `runMigrateCommand` over every module's migrations.
 * Exit code: 0 done, 1 migration or database failure, 2 usage or configuration error.
 */
import { moduleMigrations } from '../migrations.js';
import { splitCommandLine } from './command-line.js';
import { ConfigError, loadConfig } from '../platform/config/index.js';
import { createDb, EmbeddedDatabaseInUseError } from '../platform/db/index.js';
import { runMigrateCommand } from '../platform/db/migrator.js';

/** The migrate command's own flags and commands; every other flag is a configuration flag. */
const commandLine = { valueFlags: new Set(['--module', '--steps']), commands: new Set(['up', 'down', 'status']) };

async function main(): Promise<number> {
  const { commandArgs, configArgs } = splitCommandLine(process.argv.slice(2), commandLine);
  let config;
  try {
    // npm runs workspace scripts in apps/api: resolve ./config and ./.data from where the user typed the command.
    config = loadConfig({ argv: configArgs, env: process.env, cwd: process.env.INIT_CWD ?? process.cwd() });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  let db;
  try {
    db = await createDb(config);
  } catch (error) {
    if (error instanceof EmbeddedDatabaseInUseError) {
      process.stderr.write(`migrate: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  try {
    return await runMigrateCommand(db, moduleMigrations, commandArgs, (line) => process.stdout.write(`${line}\n`));
  } finally {
    await db.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`migrate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
