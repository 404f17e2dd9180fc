import type { ValueParser } from './parsers.js';

/**
 * How a secret is shown in the startup log: `value` as `***`; `url` with its password (and any
 * password-like query parameter) as `***`. A secret is never echoed in an error message, and may
 * instead be read from a file (`<ENV>_FILE`, `--<flag>-file`, `<file key>_file`).
 */
export type SecretKind = 'value' | 'url';

/** A default as it would be written in the config file; it is parsed like any other value. */
export type RawDefault = string | number | boolean | readonly string[];

/** What a check or a derived value may look at besides its own value. */
export interface SettingContext {
  /** The final value of another setting or derived value. */
  valueOf<T>(node: Setting<T>): T;
  valueOf<I extends SettingInputs, C>(node: Derived<I, C>): C;
  /** Where a setting's value came from, as an operator wrote it: `DB_POOL_MAX`, `DB_POOL_MAX (default)`, … */
  originOf(setting: SettingRow): string;
  /** The process runs with NODE_ENV=production. */
  readonly production: boolean;
  /** The CPUs this process may use. */
  cpuCount(): number;
}

/** The parts of a setting the loader needs without knowing its type. */
export interface SettingRow {
  /** Environment variable. */
  readonly env: string;
  /** Flag without the leading `--`. */
  readonly flag: string;
  /** Key inside a config file target; undefined for the settings that choose the file and the target. */
  readonly fileKey: string | undefined;
  /** Raw default; undefined = the setting is optional (its value may be undefined). */
  readonly fallback: RawDefault | undefined;
  readonly secret: SecretKind | undefined;
}

/** One setting: where it comes from (flag, env, file key), its default, how it is parsed and checked. */
export class Setting<T> implements SettingRow {
  constructor(
    readonly env: string,
    readonly flag: string,
    readonly fileKey: string | undefined,
    readonly parser: ValueParser<T>,
    readonly fallback: RawDefault | undefined,
    readonly secret: SecretKind | undefined,
    // A method signature: a Setting<number> is then usable where any Setting is expected.
    private readonly rule: { check?(value: T, context: SettingContext): string | undefined },
  ) {}

  /** Applies the row's rule involving other settings: the problem (reported under this setting), or undefined. */
  check(value: T, context: SettingContext): string | undefined {
    return this.rule.check?.(value, context);
  }
}

/** The settings a derived value is made of, by name. */
export type SettingInputs = Readonly<Record<string, SettingRow>>;

/** The values of `inputs`, by name. */
export type InputValues<I extends SettingInputs> = { [K in keyof I]: I[K] extends Setting<infer T> ? T : never };

/**
 * A configuration value computed from settings of its own (e.g. the database URL from DATABASE_URL
 * or the DB_* parts); its inputs are settings like any other but do not appear in the Config.
 */
export class Derived<I extends SettingInputs, C> {
  constructor(
    readonly inputs: I,
    readonly combine: (values: InputValues<I>, context: SettingContext) => C,
    readonly secret: SecretKind | undefined,
  ) {}
}

/** The configuration object a tree of settings yields: same keys (and TSDoc), the values' types. */
export type ConfigOf<T> = {
  -readonly [K in keyof T]: T[K] extends Setting<infer V> ? V : T[K] extends Derived<infer _I, infer C> ? C : ConfigOf<T[K]>;
};

/** Options of {@link setting}. */
export interface SettingOptions<T> {
  /** Flag name without `--`; default: the env name in lower case with `-` for `_` (`DB_POOL_MAX` → `db-pool-max`). */
  flag?: string;
  /** Raw default, parsed like any other value. Without one the setting is optional (`T | undefined`). */
  default?: RawDefault;
  /** A secret: masked in the startup log, never echoed, may be read from a `_FILE`. */
  secret?: SecretKind;
  /** False for the settings that choose the config file and its target: they cannot live in the file. */
  inFile?: boolean;
  /** A rule involving other settings; see {@link Setting.check}. */
  check?: (value: T, context: SettingContext) => string | undefined;
}

/**
 * Declares one setting: `env` is its environment variable; the flag and the config file key
 * follow from it (`DB_POOL_MAX` → `--db-pool-max`, `db_pool_max`) unless `options.flag` says
 * otherwise. Its type is the parser's, plus `undefined` without a default.
 */
export function setting<T>(env: string, parser: ValueParser<T>, options: SettingOptions<T> & { default: RawDefault }): Setting<T>;
export function setting<T>(env: string, parser: ValueParser<T>, options?: SettingOptions<T | undefined>): Setting<T | undefined>;
export function setting<T>(env: string, parser: ValueParser<T>, options: SettingOptions<T> = {}): Setting<T> {
  const optional = options.default === undefined;
  const effectiveParser: ValueParser<T> = optional ? { ...parser, schema: parser.schema.optional() as typeof parser.schema } : parser;
  return new Setting(
    env,
    options.flag ?? env.toLowerCase().replaceAll('_', '-'),
    options.inFile === false ? undefined : env.toLowerCase(),
    effectiveParser,
    options.default,
    options.secret,
    { check: options.check },
  );
}

/** Declares a value computed from `inputs` (settings of its own) by `combine`. */
export function derived<I extends SettingInputs, C>(
  inputs: I,
  combine: (values: InputValues<I>, context: SettingContext) => C,
  options: { secret?: SecretKind } = {},
): Derived<I, C> {
  return new Derived(inputs, combine, options.secret);
}

/**
 * Every setting of a tree of settings (such as `settings` in settings.ts) in declaration order,
 * a derived value's inputs where it stands. Pure.
 */
export function settingsOf(tree: object): Setting<unknown>[] {
  const found: Setting<unknown>[] = [];
  for (const node of Object.values(tree)) {
    if (node instanceof Setting) found.push(node as Setting<unknown>);
    else if (node instanceof Derived) found.push(...settingsOf(node.inputs));
    else found.push(...settingsOf(node as object));
  }
  return found;
}
