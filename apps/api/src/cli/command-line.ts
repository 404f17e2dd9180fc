/** What a CLI owns on its command line; every other flag is a configuration flag for `loadConfig`. */
export interface CommandLineSpec {
  /** The command's own flags that take a value (`--module NAME` or `--module=NAME`). */
  valueFlags: ReadonlySet<string>;
  /** The command's own flags that take none (`--json`). */
  booleanFlags?: ReadonlySet<string>;
  /** The command names (`up`, `create`, …): a configuration flag never swallows one. */
  commands: ReadonlySet<string>;
}

/**
 * Splits a CLI's arguments into its own (the command, its flags, any further positional) and the
 * configuration flags handed to `loadConfig`. A configuration flag written `--flag value` takes
 * the next argument as its value, unless the command is still to come and that argument is a
 * command name: `--log-error-stack up` is a bare boolean flag followed by the command. Write
 * `--flag=value` when a value is a command name. The command's own value flags take the next
 * argument even when it starts with "-" (a base64url key id or external id may: `--key -Xb2…`),
 * unless it is `--`, `-h`/`--help` or another of the command's own flags, which the command's
 * parser then refuses as a missing value. Everything after `--` is configuration.
 */
export function splitCommandLine(argv: readonly string[], spec: CommandLineSpec): { commandArgs: string[]; configArgs: string[] } {
  const commandArgs: string[] = [];
  const configArgs: string[] = [];
  const booleanFlags = spec.booleanFlags ?? new Set<string>();
  let sawCommand = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg === '--') {
      configArgs.push(...argv.slice(index));
      break;
    }
    if (!arg.startsWith('-')) {
      commandArgs.push(arg);
      sawCommand = true;
      continue;
    }
    const name = arg.split('=', 1)[0] ?? arg;
    if (booleanFlags.has(name)) {
      commandArgs.push(arg);
      continue;
    }
    const own = spec.valueFlags.has(name);
    const target = own ? commandArgs : configArgs;
    target.push(arg);
    const next = argv[index + 1];
    const takesNext =
      !arg.includes('=') &&
      next !== undefined &&
      (own ? takesAsOwnValue(next, spec, booleanFlags) : !next.startsWith('-') && (sawCommand || !spec.commands.has(next)));
    if (takesNext) {
      target.push(next);
      index++;
    }
  }
  return { commandArgs, configArgs };
}

/** Whether `next` is the value of one of the command's own value flags (see {@link splitCommandLine}). */
function takesAsOwnValue(next: string, spec: CommandLineSpec, booleanFlags: ReadonlySet<string>): boolean {
  if (!next.startsWith('-')) return true;
  const name = next.split('=', 1)[0] ?? next;
  return next !== '--' && name !== '-h' && name !== '--help' && !spec.valueFlags.has(name) && !booleanFlags.has(name);
}
