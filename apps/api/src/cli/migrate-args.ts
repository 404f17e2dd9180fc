import { parseArgs } from 'node:util';
import type { MigrateCommand } from '../platform/db/migrator.js';
import { splitCommandLine } from './command-line.js';

export const migrateUsage = 'usage: migrate up|down|status [--module NAME] [--steps N]';

/** The migrate command's own flags and commands; every other flag is a configuration flag. */
const commandLine = { valueFlags: new Set(['--module', '--steps']), commands: new Set(['up', 'down', 'status']) };

/** The command line of `npm run migrate`, read once: the command to run, or why it is unusable. */
export type MigrateArgs = { ok: true; command: MigrateCommand; configArgs: string[] } | { ok: false; message: string };

/**
 * Reads `up|down|status [--module NAME] [--steps N] [config flags…]` (`--flag=value` accepted;
 * `--steps` only for down, a positive integer). Configuration flags are handed back for `loadConfig`.
 */
export function parseMigrateArgs(argv: readonly string[]): MigrateArgs {
  const { commandArgs, configArgs } = splitCommandLine(argv, commandLine);
  let parsed;
  try {
    parsed = parseArgs({
      args: commandArgs,
      options: { module: { type: 'string' }, steps: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    return { ok: false, message: `${e instanceof Error ? e.message : String(e)}\n${migrateUsage}` };
  }
  const [command, ...extra] = parsed.positionals;
  if (command !== 'up' && command !== 'down' && command !== 'status') {
    return {
      ok: false,
      message: command === undefined ? migrateUsage : `unknown command ${parsed.positionals.join(' ')}\n${migrateUsage}`,
    };
  }
  if (extra.length > 0) return { ok: false, message: `unknown command ${parsed.positionals.join(' ')}\n${migrateUsage}` };
  const { module, steps } = parsed.values;
  if (module === '') return { ok: false, message: `option --module needs a value\n${migrateUsage}` };
  if (steps !== undefined && command !== 'down') return { ok: false, message: `--steps applies to down only\n${migrateUsage}` };
  if (steps !== undefined && !/^[1-9]\d*$/.test(steps)) return { ok: false, message: '--steps must be a positive integer' };
  return {
    ok: true,
    command: { command, ...(module === undefined ? {} : { module }), ...(steps === undefined ? {} : { steps: Number(steps) }) },
    configArgs,
  };
}
