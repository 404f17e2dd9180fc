import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type * as z from 'zod';
import { availableCpus } from './available-cpus.js';
import type { Config } from './config.js';
import { Derived, Setting, settingsOf, type InputValues, type SettingContext, type SettingInputs, type SettingRow } from './declaration.js';
import { settings } from './settings.js';

/**
 * A configuration problem the operator must fix: an unknown flag or file key, a bad value, a
 * missing or unreadable config file or secret file, an unknown target, a setting given twice (as
 * itself and as its `_FILE`). `key` is the name as the operator wrote it (`--port`, `PORT`,
 * `port`, `targets[0].prot`, `DATABASE_URL_FILE`); the message says what is wrong and never
 * contains a secret. main.ts and the CLIs print it and exit non-zero.
 */
export class ConfigError extends Error {
  readonly key: string;

  constructor(key: string, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.key = key;
  }
}

/** A secret file larger than this is a mistake (a log file, a device), not a secret. */
const maxSecretFileBytes = 64 * 1024;

/** Where a raw value came from: the key as the operator wrote it, and where that was. */
interface Origin {
  key: string;
  /** `default`, `config file X, target "t"`, `file /run/secrets/db`, … */
  detail?: string;
}

/** The detail of a value nobody set. */
const defaultDetail = 'default';

function describeOrigin(origin: Origin): string {
  return origin.detail === undefined ? origin.key : `${origin.key} (${origin.detail})`;
}

interface RawValue {
  value: unknown;
  origin: Origin;
}

/** The `_FILE` forms of a secret setting's flag, env var and file key. */
function secretFileNames(row: SettingRow): { flag: string; env: string; fileKey: string | undefined } {
  return { flag: `${row.flag}-file`, env: `${row.env}_FILE`, fileKey: row.fileKey === undefined ? undefined : `${row.fileKey}_file` };
}

/** Throws when two rows share a flag, env var or file key (a mistake in settings.ts, not the operator's). */
function assertDistinctNames(rows: readonly SettingRow[]): void {
  const seen = new Set<string>();
  const claim = (name: string | undefined): void => {
    if (name === undefined) return;
    if (seen.has(name)) throw new Error(`settings.ts declares ${name} twice`);
    seen.add(name);
  };
  for (const row of rows) {
    const names = [`--${row.flag}`, row.env, row.fileKey === undefined ? undefined : `file:${row.fileKey}`];
    if (row.secret !== undefined) {
      const file = secretFileNames(row);
      names.push(`--${file.flag}`, file.env, file.fileKey === undefined ? undefined : `file:${file.fileKey}`);
    }
    names.forEach(claim);
  }
}

/**
 * Builds the validated configuration from command-line flags, environment variables and the
 * JSON config file: flag > env > config file target > default, for every row of `settings`.
 * A secret setting may instead name a file holding its value (`--db-url-file`,
 * `DATABASE_URL_FILE`, `database_url_file`), at the same level of precedence as the setting
 * itself; the file's trailing newline is not part of the value, and naming both the setting and
 * its file at one level is an error.
 *
 * `argv` are the arguments after the script (`process.argv.slice(2)`); `env` is usually
 * `process.env` (empty values count as unset); `cwd` (default `process.cwd()`) anchors the
 * config file path, secret file paths and the data dir; `cpuCount` (default: the CPUs this
 * process may use) is what `WORKERS=auto` counts. Reads the config file and the secret files in
 * use (and, for `auto` in production, the CPU limit), nothing else.
 *
 * @throws {ConfigError} on an unknown flag or file key, an invalid value, an unreadable or
 *   invalid config file, an unreadable secret file, a setting given together with its `_FILE`,
 *   or a target that does not exist. Messages never contain secrets.
 */
export function loadConfig(input: {
  argv: string[];
  env: Record<string, string | undefined>;
  cwd?: string;
  cpuCount?: () => number;
}): Config {
  const cwd = input.cwd ?? process.cwd();
  const rows = settingsOf(settings);
  assertDistinctNames(rows);
  const flags = parseFlags(input.argv, rows);
  const env = (name: string): string | undefined => {
    const value = input.env[name];
    // `FOO=` in a shell or compose file means "not set", not "set to nothing".
    return value === undefined || value === '' ? undefined : value;
  };
  const raws = new Map<SettingRow, RawValue>();
  const parsed = new Map<SettingRow, unknown>();

  // The config file and its target come first: every other setting may be read from them.
  const configFileRaw = rawValueOf(settings.configFile, { flags, env, target: undefined, cwd });
  const configFile = parseOrThrow(settings.configFile, configFileRaw, cwd);
  raws.set(settings.configFile, configFileRaw);
  parsed.set(settings.configFile, configFile);
  const explicitFile = configFileRaw.origin.detail === defaultDetail ? undefined : configFileRaw.origin.key;
  const document = readConfigFile(configFile, explicitFile, rows);

  let targetRaw = rawValueOf(settings.target, { flags, env, target: undefined, cwd });
  if (targetRaw.value === undefined && document?.defaultTarget !== undefined) {
    targetRaw = { value: document.defaultTarget, origin: { key: 'default_target', detail: `config file ${configFile}` } };
  }
  const targetName = parseOrThrow(settings.target, targetRaw, cwd);
  raws.set(settings.target, targetRaw);
  parsed.set(settings.target, targetName);
  const target = selectTarget(
    document,
    configFile,
    targetName === undefined ? undefined : { value: targetName, key: targetRaw.origin.key },
  );

  const problems: { key: string; message: string }[] = [];
  for (const row of rows) {
    if (raws.has(row)) continue;
    const raw = rawValueOf(row, { flags, env, target: target === undefined ? undefined : { ...target, file: configFile }, cwd });
    raws.set(row, raw);
    const result = row.parser.schema.safeParse(raw.value);
    if (result.success) {
      parsed.set(row, row.parser.resolve === undefined ? result.data : row.parser.resolve(result.data, cwd));
    } else {
      problems.push(invalidValue(row, raw, result.error));
    }
  }
  throwProblems(problems);

  const context = createContext(parsed, raws, { production: env('NODE_ENV') === 'production', cpuCount: input.cpuCount ?? availableCpus });
  for (const row of rows) {
    const raw = raws.get(row);
    const why = row.check(parsed.get(row), context);
    if (why !== undefined && raw !== undefined)
      problems.push({ key: raw.origin.key, message: `invalid ${describeOrigin(raw.origin)}: ${why}` });
  }
  throwProblems(problems);

  // Built from the same tree as the Config type is inferred from: the cast only restates it.
  return buildConfig(settings, context) as Config;
}

function throwProblems(problems: readonly { key: string; message: string }[]): void {
  const first = problems[0];
  if (first === undefined) return;
  throw new ConfigError(first.key, problems.map((problem) => problem.message).join('; '));
}

/** The message of a value its parser refused; inside a structured value (a JSON list) it names the place (`at 0.audience`). */
function invalidValue(row: Setting<unknown>, raw: RawValue, error?: z.ZodError): { key: string; message: string } {
  const issue = error?.issues[0];
  // A parser's own rule (`an issuer is listed twice`) says best what is wrong.
  if (issue?.code === 'custom') return { key: raw.origin.key, message: `invalid ${describeOrigin(raw.origin)}: ${issue.message}` };
  const at = issue !== undefined && issue.path.length > 0 ? ` (at ${issue.path.join('.')})` : '';
  const got = row.secret === undefined ? `, got ${JSON.stringify(raw.value) ?? String(raw.value)}` : '';
  return { key: raw.origin.key, message: `invalid ${describeOrigin(raw.origin)}: ${row.parser.expected}${at}${got}` };
}

function parseOrThrow<T>(row: Setting<T>, raw: RawValue, cwd: string): T {
  const result = row.parser.schema.safeParse(raw.value);
  if (!result.success) {
    const problem = invalidValue(row as Setting<unknown>, raw, result.error);
    throw new ConfigError(problem.key, problem.message);
  }
  return row.parser.resolve === undefined ? result.data : row.parser.resolve(result.data, cwd);
}

/** Lazily computes final values: a setting's parsed value, or a derived value from its inputs (once). */
function createContext(
  parsed: ReadonlyMap<SettingRow, unknown>,
  raws: ReadonlyMap<SettingRow, RawValue>,
  process: { production: boolean; cpuCount: () => number },
): SettingContext {
  const derivedValues = new Map<Derived<SettingInputs, unknown>, unknown>();
  const inProgress = new Set<Derived<SettingInputs, unknown>>();
  const context: SettingContext = {
    production: process.production,
    cpuCount: process.cpuCount,
    originOf: (row) => {
      const raw = raws.get(row);
      if (raw === undefined) throw new Error(`setting ${row.env} is not part of settings.ts`);
      return describeOrigin(raw.origin);
    },
    // One implementation of both overloads: a Setting yields its value, a Derived its combination.
    valueOf: ((node: Setting<unknown> | Derived<SettingInputs, unknown>): unknown => {
      if (node instanceof Setting) {
        if (!parsed.has(node)) throw new Error(`setting ${node.env} is not part of settings.ts`);
        return parsed.get(node);
      }
      if (derivedValues.has(node)) return derivedValues.get(node);
      if (inProgress.has(node)) throw new Error('derived settings depend on each other in a cycle');
      inProgress.add(node);
      const inputs = Object.fromEntries(Object.entries(node.inputs).map(([name, row]) => [name, parsed.get(row)]));
      const value = node.combine(inputs as InputValues<SettingInputs>, context);
      inProgress.delete(node);
      derivedValues.set(node, value);
      return value;
    }) as SettingContext['valueOf'],
  };
  return context;
}

function buildConfig(tree: object, context: SettingContext): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(tree).map(([key, node]: [string, unknown]) => [
      key,
      node instanceof Setting
        ? context.valueOf(node)
        : node instanceof Derived
          ? context.valueOf(node)
          : buildConfig(node as object, context),
    ]),
  );
}

interface Sources {
  flags: Record<string, string | undefined>;
  env: (name: string) => string | undefined;
  /** The chosen target of the config file, if any. */
  target: { name: string; values: Record<string, unknown>; file: string } | undefined;
  cwd: string;
}

/**
 * The raw value of `row` by precedence: flag, env, config file target, default. At each level a
 * secret may be given by itself or by its `_FILE`; both at one level is an error (checked at
 * every level, so a mistake below the winning one is not silently kept). Only the winning
 * secret file is read.
 */
function rawValueOf(row: Setting<unknown>, sources: Sources): RawValue {
  const fileNames = row.secret === undefined ? undefined : secretFileNames(row);
  const flag = (name: string): RawValue | undefined => present(sources.flags[name], { key: `--${name}` });
  const env = (name: string): RawValue | undefined => present(sources.env(name), { key: name });
  // Per level of precedence: the setting itself, and the file naming its value (secrets only).
  const levels: [RawValue | undefined, RawValue | undefined][] = [
    [flag(row.flag), fileNames && flag(fileNames.flag)],
    [env(row.env), fileNames && env(fileNames.env)],
  ];
  const target = sources.target;
  if (target !== undefined && row.fileKey !== undefined) {
    const where = `config file ${target.file}, target "${target.name}"`;
    const inTarget = (key: string | undefined): RawValue | undefined =>
      key !== undefined && Object.hasOwn(target.values, key) ? { value: target.values[key], origin: { key, detail: where } } : undefined;
    levels.push([inTarget(row.fileKey), inTarget(fileNames?.fileKey)]);
  }

  let winner: { raw: RawValue; fromFile: boolean } | undefined;
  for (const [plain, file] of levels) {
    if (plain !== undefined && file !== undefined) {
      throw new ConfigError(plain.origin.key, `set either ${plain.origin.key} or ${file.origin.key}, not both`);
    }
    if (winner === undefined && plain !== undefined) winner = { raw: plain, fromFile: false };
    if (winner === undefined && file !== undefined) winner = { raw: file, fromFile: true };
  }
  if (winner === undefined) return { value: row.fallback, origin: { key: row.env, detail: defaultDetail } };
  return winner.fromFile ? readSecretFile(winner.raw, sources.cwd) : winner.raw;
}

function present(value: string | undefined, origin: Origin): RawValue | undefined {
  return value === undefined ? undefined : { value, origin };
}

/**
 * Reads a secret from the file named by a `_FILE` key (relative paths against `cwd`). The value is
 * the file's text without its trailing newline. Errors name the key and the path, never the
 * contents.
 */
function readSecretFile({ value: named, origin }: RawValue, cwd: string): RawValue {
  if (typeof named !== 'string' || named.trim() === '') {
    throw new ConfigError(origin.key, `invalid ${describeOrigin(origin)}: expected the path of a file holding the value`);
  }
  const file = path.resolve(cwd, named.trim());
  const fileOrigin: Origin = { key: origin.key, detail: origin.detail === undefined ? `file ${file}` : `${origin.detail}, file ${file}` };
  const buffer = Buffer.alloc(maxSecretFileBytes + 1);
  let length = 0;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    for (let read = -1; read !== 0 && length < buffer.length; length += read) {
      read = readSync(fd, buffer, length, buffer.length - length, null);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(origin.key, `cannot read the file ${file} named by ${describeOrigin(origin)} (${code})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (length > maxSecretFileBytes) {
    throw new ConfigError(origin.key, `the file ${file} named by ${describeOrigin(origin)} is larger than ${maxSecretFileBytes} bytes`);
  }
  // Secret files usually end with a newline (`echo secret > file`); it is not part of the secret.
  return { value: buffer.toString('utf8', 0, length).replace(/\r?\n$/, ''), origin: fileOrigin };
}

function parseFlags(argv: string[], rows: readonly Setting<unknown>[]): Record<string, string | undefined> {
  const options: Record<string, { type: 'string' }> = {};
  const booleanFlags = new Set<string>();
  for (const row of rows) {
    options[row.flag] = { type: 'string' };
    if (row.secret !== undefined) options[secretFileNames(row).flag] = { type: 'string' };
    if (row.parser.bareFlagMeansTrue === true) booleanFlags.add(`--${row.flag}`);
  }

  // Boolean flags are string options so that `--migrate-on-start=false` works; a bare
  // `--log-error-stack` is rewritten to `=true` (only before a `--` terminator).
  const terminator = argv.indexOf('--');
  const args = argv.map((arg, index) => ((terminator === -1 || index < terminator) && booleanFlags.has(arg) ? `${arg}=true` : arg));

  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return values as Record<string, string | undefined>;
  } catch (error) {
    // parseArgs names the offending argument in quotes; lift it out so the error carries it as `key`.
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    const key = /'(-[^' <=]*)/.exec(message)?.[1] ?? /'([^']*)'/.exec(message)?.[1] ?? 'argv';
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new ConfigError(key, `unknown flag ${key}`);
    throw new ConfigError(key, `invalid command line: ${message}`);
  }
}

interface ConfigDocument {
  defaultTarget: string | undefined;
  targets: { name: string; values: Record<string, unknown> }[];
}

/** The keys a config file target may hold: every setting's file key, and the `_file` form of each secret's. */
function allowedFileKeys(rows: readonly SettingRow[]): Set<string> {
  const keys = new Set<string>();
  for (const row of rows) {
    if (row.fileKey === undefined) continue;
    keys.add(row.fileKey);
    const fileKey = row.secret === undefined ? undefined : secretFileNames(row).fileKey;
    if (fileKey !== undefined) keys.add(fileKey);
  }
  return keys;
}

/**
 * Reads and checks the shape of the config file. Returns undefined when the default file does
 * not exist; `explicitKey` is the flag/env that named the file, if any.
 */
function readConfigFile(file: string, explicitKey: string | undefined, rows: readonly SettingRow[]): ConfigDocument | undefined {
  const key = explicitKey ?? settings.configFile.env;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && explicitKey === undefined) return undefined;
    if (code === 'ENOENT') throw new ConfigError(key, `config file ${file} (from ${key}) does not exist`);
    throw new ConfigError(key, `cannot read config file ${file}: ${(error as Error).message}`);
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(key, `config file ${file} is not valid JSON: ${(error as Error).message}`);
  }

  if (!isPlainObject(parsed)) {
    throw new ConfigError(key, `config file ${file}: expected a JSON object with "default_target" and "targets"`);
  }
  const allowed = allowedFileKeys(rows);
  for (const topKey of Object.keys(parsed)) {
    if (topKey === 'default_target' || topKey === 'targets') continue;
    const hint = allowed.has(topKey) ? ' (settings belong inside an entry of "targets")' : '';
    throw new ConfigError(topKey, `unknown key "${topKey}" in config file ${file}${hint}`);
  }

  const defaultTarget = parsed['default_target'];
  if (defaultTarget !== undefined && (typeof defaultTarget !== 'string' || defaultTarget === '')) {
    throw new ConfigError('default_target', `invalid default_target in config file ${file}: expected a non-empty string`);
  }

  const rawTargets = parsed['targets'] ?? [];
  if (!Array.isArray(rawTargets)) {
    throw new ConfigError('targets', `invalid targets in config file ${file}: expected an array of objects`);
  }
  const targets = rawTargets.map((entry: unknown, index) => {
    const where = `targets[${index}]`;
    if (!isPlainObject(entry)) {
      throw new ConfigError(where, `invalid ${where} in config file ${file}: expected an object`);
    }
    const name = entry['target'];
    if (typeof name !== 'string' || name === '') {
      throw new ConfigError(`${where}.target`, `invalid ${where}.target in config file ${file}: expected a non-empty string`);
    }
    for (const entryKey of Object.keys(entry)) {
      if (entryKey !== 'target' && !allowed.has(entryKey)) {
        throw new ConfigError(`${where}.${entryKey}`, `unknown key ${where}.${entryKey} in config file ${file}`);
      }
    }
    const values = Object.fromEntries(Object.entries(entry).filter(([entryKey]) => entryKey !== 'target'));
    return { name, values };
  });

  const seen = new Set<string>();
  targets.forEach((target, index) => {
    if (seen.has(target.name)) {
      throw new ConfigError(`targets[${index}].target`, `duplicate target "${target.name}" in config file ${file}`);
    }
    seen.add(target.name);
  });

  return { defaultTarget, targets };
}

function selectTarget(
  document: ConfigDocument | undefined,
  file: string,
  choice: { value: string; key: string } | undefined,
): { name: string; values: Record<string, unknown> } | undefined {
  if (choice === undefined) return undefined;
  const found = document?.targets.find((target) => target.name === choice.value);
  if (found !== undefined) return found;
  const available = document?.targets.map((target) => `"${target.name}"`).join(', ') || 'none';
  const why = document === undefined ? `config file ${file} does not exist` : `targets in ${file}: ${available}`;
  throw new ConfigError(choice.key, `unknown target "${choice.value}" (from ${choice.key}); ${why}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
