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
import { ConfigError, loadConfig } from '../platform/config/index.js';
import { createDb } from '../platform/db/index.js';
import { runMigrateCommand } from '../platform/db/migrator.js';

/** The flags the migrate command itself owns; every other flag is a configuration flag. */
const commandFlags = new Set(['--module', '--steps']);
const commands = new Set(['up', 'down', 'status']);

/**
 * Splits the command line into the migrate command's own arguments (the command, `--module`,
 * `--steps`, any further positional) and the configuration flags handed to `loadConfig`.
 * A configuration flag written `--flag value` takes the next argument as its value, unless the
 * command is still to come and that argument is a command name: `--log-error-stack up` is a
 * bare boolean flag followed by the command. Write `--flag=value` when a value is `up`,
 * `down` or `status`.
 */
function splitArgv(argv: readonly string[]): { commandArgs: string[]; configArgs: string[] } {
  const commandArgs: string[] = [];
  const configArgs: string[] = [];
  let sawCommand = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg === '--') {
      // Everything after a terminator is configuration, as loadConfig sees it.
      configArgs.push(...argv.slice(index));
      break;
    }
    if (!arg.startsWith('-')) {
      commandArgs.push(arg);
      sawCommand = true;
      continue;
    }
    const name = arg.split('=', 1)[0] ?? arg;
    const target = commandFlags.has(name) ? commandArgs : configArgs;
    target.push(arg);
    const next = argv[index + 1];
    const takesNext =
      !arg.includes('=') &&
      next !== undefined &&
      !next.startsWith('-') &&
      (commandFlags.has(name) || sawCommand || !commands.has(next));
    if (takesNext) {
      target.push(next);
      index++;
    }
  }
  return { commandArgs, configArgs };
}

async function main(): Promise<number> {
  const { commandArgs, configArgs } = splitArgv(process.argv.slice(2));
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

  const db = await createDb(config);
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
