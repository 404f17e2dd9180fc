/**
 * What the operator commands that work on the API's database (`npm run keys`, `npm run events`)
 * share: their command line split from the configuration flags and their own arguments read
 * (parseArgs, `--help`, the command name), the server's configuration, the
 * database opened as the server would (with the embedded database's one-process rule explained),
 * a clear message for a database not migrated yet, and exit codes (0 done, 1 failed, 2 usage or
 * configuration).
 */
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../platform/config/index.js';
import { createDb, EmbeddedDatabaseInUseError, readLiveLock, sqlStateOf, type Db } from '../platform/db/index.js';
import { createLogger, type Logger } from '../platform/logging/logger.js';
import { splitCommandLine, type CommandLineSpec } from './command-line.js';

/** A problem reported to the operator: a message and the exit code. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

/** The command's own options, as `node:util`'s parseArgs takes them (`--help`/`-h` are added). */
type CommandOptionsConfig = NonNullable<ParseArgsConfig['options']>;

const helpOption = { help: { type: 'boolean', short: 'h' } } as const;

/** What {@link parseCommandArgs} read: the command, the positionals after it, the option values. */
export interface CommandArgs<Command extends string, Options extends CommandOptionsConfig> {
  command: Command;
  rest: string[];
  values: ReturnType<
    typeof parseArgs<{ args: string[]; options: Options & typeof helpOption; allowPositionals: true; strict: true }>
  >['values'];
}

/**
 * The start of every operator command's `parse`: `args` read strictly by parseArgs with `options`
 * plus `--help`/`-h`, and the first positional one of `commands`. 'help' when help was asked for;
 * throws CommandError (exit 2) for an unknown or misused flag, and for a missing or unknown command.
 */
export function parseCommandArgs<const Command extends string, const Options extends CommandOptionsConfig>(
  args: string[],
  commands: readonly Command[],
  options: Options,
): CommandArgs<Command, Options> | 'help' {
  let parsed;
  try {
    // Read as any options (typed values only for `help`); the caller gets the values typed by `Options`.
    const all: CommandOptionsConfig = { ...(options as CommandOptionsConfig), ...helpOption };
    parsed = parseArgs({ args: joinDashValues(args, all), options: all, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CommandError(error instanceof Error ? error.message : String(error), 2);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [command, ...rest] = positionals;
  if (!commands.includes(command as Command)) {
    throw new CommandError(command === undefined ? 'a command is required' : `unknown command "${command}"`, 2);
  }
  return { command: command as Command, rest, values: values as CommandArgs<Command, Options>['values'] };
}

/**
 * `--name value` as `--name=value` when `name` takes a value that starts with "-" (a base64url
 * key id or external id may: `--key -Xb2…`), which parseArgs would otherwise read as a flag and
 * refuse. A value that is one of the flags themselves (`--key --app`) is left for parseArgs to
 * refuse as a missing value.
 */
function joinDashValues(args: string[], options: CommandOptionsConfig): string[] {
  const flags = new Set(Object.entries(options).flatMap(([name, option]) => [`--${name}`, ...(option.short ? [`-${option.short}`] : [])]));
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      joined.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    const takesValue = arg.startsWith('--') && options[arg.slice(2)]?.type === 'string';
    if (takesValue && next !== undefined && next.startsWith('-') && next !== '--' && !flags.has(next.split('=')[0]!)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** One operator command. */
export interface OperatorCommand<Options> {
  /** Its name in messages (`keys`). */
  name: string;
  usage: string;
  commandLine: CommandLineSpec;
  /** The command's own arguments → its options; throws CommandError on bad usage. */
  parse(args: string[]): Options | 'help';
  /** The tables it needs, for the "migrate first" message (`iam tables`). */
  tables: string;
  /** Said after "then npm start again" when npm start holds the embedded database. */
  afterRestart?: string;
  run(options: Options, db: Db, logger: Logger, config: Config): Promise<void>;
  /** The operator's message for a failure of `run` this command knows; undefined = rethrow. */
  describeFailure?(error: unknown, options: Options): CommandError | undefined;
}

/** Runs `command` with the process's arguments; resolves to the exit code. */
export async function runOperatorCommand<Options>(command: OperatorCommand<Options>, argv: readonly string[]): Promise<number> {
  const say = (message: string) => process.stderr.write(`${command.name}: ${message}\n`);
  const { commandArgs, configArgs } = splitCommandLine(argv, command.commandLine);
  let options: Options;
  let config: Config;
  try {
    const parsed = command.parse(commandArgs);
    if (parsed === 'help') {
      process.stdout.write(`${command.usage}\n`);
      return 0;
    }
    options = parsed;
    // npm runs workspace scripts in apps/api: resolve ./config and ./.data from where the user typed the command.
    config = loadConfig({ argv: configArgs, env: process.env, cwd: process.env.INIT_CWD ?? process.cwd() });
  } catch (error) {
    if (error instanceof CommandError) {
      say(`${error.message}\n${command.usage}`);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      say(`configuration error: ${error.message}`);
      return 2;
    }
    throw error;
  }

  const logger = createLogger({ level: config.log.level, destination: process.stderr });
  let db: Db;
  try {
    db = await createDb(config);
  } catch (error) {
    if (!(error instanceof EmbeddedDatabaseInUseError)) throw error;
    // The usual case: the developer stack is running on this data directory.
    const stack = readLiveLock(path.join(config.dataDir, 'npm-start.json'));
    say(
      stack
        ? `npm start (pid ${stack.pid}, API ${String(stack.api_url)}) is running on ${config.dataDir}, and its API has the embedded database open; ` +
            `PGlite can be opened by one process at a time. Stop npm start first (Ctrl-C in its terminal), run this command, then npm start again${command.afterRestart ?? ''}. ` +
            '(On a PostgreSQL server, DATABASE_URL, the API and this command can run at the same time.)'
        : error.message,
    );
    return 1;
  }
  try {
    await command.run(options, db, logger, config);
    return 0;
  } catch (error) {
    // First: a database error mapped by the typed-query runtime keeps the driver's SQLSTATE as its cause.
    if (sqlStateOf(error) === '42P01' || sqlStateOf(error) === '3F000') {
      say(`the database has no ${command.tables} yet: run \`npm run migrate -- up\` (or start the API once) first`);
      return 1;
    }
    const problem = error instanceof CommandError ? error : command.describeFailure?.(error, options);
    if (problem === undefined) throw error;
    say(problem.message);
    return problem.exitCode;
  } finally {
    await db.close();
  }
}

/** Ends the process with what `main` resolves to; an unexpected failure prints its stack and exits 1. */
export function exitWith(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

/** A time as an operator reads it in a table: RFC 3339, whole seconds, UTC. */
export const isoSeconds = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** `rows` under `header` as plain text: columns padded to their widest cell, two spaces apart. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
