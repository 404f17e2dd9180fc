import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Db, Queryable } from './db.js';
import { quoteIdent } from './sql-ident.js';
import { findTransactionControl } from './transaction-control.js';

/**
 * Where one module's migrations live (docs/database.md). `directory` (absolute) holds
 * `NNNN_name.up.sql` and optionally `NNNN_name.down.sql`, applied in order of NNNN. The
 * migrator creates `schema` and `<schema>.schema_version` itself before the first migration, so a
 * migration that creates its schema must say `CREATE SCHEMA IF NOT EXISTS`. Scripts run inside
 * the migrator's transaction: transaction control (`BEGIN`, `COMMIT`, `ROLLBACK`, `END`,
 * `START TRANSACTION`, `PREPARE TRANSACTION`…) is refused before anything runs (savepoints are
 * fine), and statements that cannot run in a transaction (`CREATE INDEX CONCURRENTLY`) fail it.
 */
export interface MigrationSource {
  module: string;
  schema: string;
  directory: string;
}

/** One migration found on disk. */
export interface MigrationFile {
  version: number;
  /** The file stem without the `.up.sql` suffix, e.g. `0001_create_recipe`. */
  name: string;
  upPath: string;
  /** Absent when there is no down file; going down past it is then an error. */
  downPath: string | undefined;
}

/** One line of {@link migrationStatus}. */
export interface MigrationStatusEntry {
  module: string;
  version: number;
  name: string;
  state: 'applied' | 'pending';
  appliedAt?: Date;
}

/** A migration that {@link migrateUp} applied or {@link migrateDown} reverted. */
export interface MigrationStep {
  module: string;
  version: number;
  name: string;
}

/** Options of {@link migrateUp}. */
export interface MigrateUpOptions {
  /** Only this module (by `MigrationSource.module`); default all, in the given order. */
  module?: string;
  /** Receives one line per applied migration. */
  log?: (line: string) => void;
}

/** Options of {@link migrateDown}. */
export interface MigrateDownOptions {
  /** Only this module; default every module, in reverse order. */
  module?: string;
  /** How many migrations to revert per module (default 1). */
  steps?: number;
  log?: (line: string) => void;
}

/** A migration script failed; the whole module run was rolled back. `cause` is the SQL error. */
export class MigrationError extends Error {
  readonly module: string;
  readonly migration: string;

  constructor(module: string, migration: string, direction: 'up' | 'down', cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`migration ${module}/${migration} (${direction}) failed: ${reason}`, { cause });
    this.name = 'MigrationError';
    this.module = module;
    this.migration = migration;
  }
}

/**
 * The migrator will not run these migrations, and ran nothing of this run: a pending script
 * contains transaction control, a pending migration is numbered below one already applied, or a
 * migration to revert has no down file. `problems` names each file and what is wrong with it.
 */
export class MigrationRefusedError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`refusing to migrate, nothing was applied: ${problems.join('; ')}`);
    this.name = 'MigrationRefusedError';
    this.problems = problems;
  }
}

/**
 * Key of the transaction-level advisory lock every migration run holds: the ASCII bytes of
 * "Chompard" as a 64-bit integer, fixed so all processes and versions agree on it.
 */
export const migrationLockKey = '4857254713946632804';

/**
 * How long a migration statement may run and wait for a lock (the advisory lock of another
 * instance's run included). The sessions' own limits (DB_STATEMENT_TIMEOUT, DB_LOCK_TIMEOUT,
 * DB_IDLE_IN_TRANSACTION_TIMEOUT) are sized for requests; the run's transaction raises them.
 */
const migrationTimeout = '10min';

const schemaPattern = /^[a-z_][a-z0-9_]*$/;
const migrationFilePattern = /^(\d{4})_([A-Za-z0-9_-]+)\.(up|down)\.sql$/;

/**
 * Runs a multi-statement script on `q`. Our Db implementations (see `ManagedDb`) expose
 * `exec`; on any other pg-like Queryable a parameterless `query` uses pg's simple protocol,
 * which also runs several statements.
 */
export async function runSqlScript(q: Queryable, sql: string): Promise<void> {
  const maybeScript = q as Queryable & { exec?: (sql: string) => Promise<unknown> };
  if (typeof maybeScript.exec === 'function') {
    await maybeScript.exec(sql);
  } else {
    await q.query(sql);
  }
}

function validateSources(sources: readonly MigrationSource[]): void {
  const modules = new Set<string>();
  const schemas = new Set<string>();
  for (const source of sources) {
    if (!schemaPattern.test(source.schema)) {
      throw new Error(`module ${source.module}: schema name ${JSON.stringify(source.schema)} is not ^[a-z_][a-z0-9_]*$`);
    }
    if (!path.isAbsolute(source.directory)) {
      throw new Error(`module ${source.module}: migration directory must be absolute`);
    }
    if (modules.has(source.module)) throw new Error(`module ${source.module} is listed twice`);
    if (schemas.has(source.schema)) throw new Error(`schema ${source.schema} is used by two modules`);
    modules.add(source.module);
    schemas.add(source.schema);
  }
}

function selectSources(sources: readonly MigrationSource[], module: string | undefined): MigrationSource[] {
  validateSources(sources);
  if (module === undefined) return [...sources];
  const found = sources.filter((source) => source.module === module);
  if (found.length === 0) throw new UnknownModuleError(module, sources);
  return found;
}

/** `--module` named a module that has no migration source. */
export class UnknownModuleError extends Error {
  constructor(module: string, sources: readonly MigrationSource[]) {
    const known = sources.map((source) => source.module).join(', ') || '(none)';
    super(`unknown module ${JSON.stringify(module)}; known modules: ${known}`);
    this.name = 'UnknownModuleError';
  }
}

/**
 * Lists the migrations of `source` from disk, ordered by version. Throws on a malformed `.sql`
 * file name, a duplicate version, or a down file without its up file.
 */
export async function loadMigrations(source: MigrationSource): Promise<MigrationFile[]> {
  const entries = await readdir(source.directory);
  const byVersion = new Map<number, { name: string; upPath?: string; downPath?: string }>();
  for (const entry of entries.sort()) {
    if (!entry.endsWith('.sql')) continue;
    const match = migrationFilePattern.exec(entry);
    if (!match) throw new Error(`module ${source.module}: bad migration file name ${entry} (want NNNN_name.up.sql)`);
    const [, digits = '', label = '', direction] = match;
    const version = Number(digits);
    const name = `${digits}_${label}`;
    const slot = byVersion.get(version) ?? { name };
    if (slot.name !== name) throw new Error(`module ${source.module}: two migrations numbered ${digits}`);
    const filePath = path.join(source.directory, entry);
    if (direction === 'up') slot.upPath = filePath;
    else slot.downPath = filePath;
    byVersion.set(version, slot);
  }
  const files: MigrationFile[] = [];
  for (const [version, slot] of [...byVersion].sort(([a], [b]) => a - b)) {
    if (!slot.upPath) throw new Error(`module ${source.module}: ${slot.name} has a down file but no up file`);
    files.push({ version, name: slot.name, upPath: slot.upPath, downPath: slot.downPath });
  }
  return files;
}

interface AppliedRow {
  version: number;
  name: string;
  applied_at: Date;
}

async function versionTableExists(q: Queryable, schema: string): Promise<boolean> {
  const result = await q.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS "exists"', [
    `${quoteIdent(schema)}.schema_version`,
  ]);
  return result.rows[0]?.exists === true;
}

async function readApplied(q: Queryable, schema: string): Promise<AppliedRow[]> {
  if (!(await versionTableExists(q, schema))) return [];
  const result = await q.query<AppliedRow>(`SELECT version, name, applied_at FROM ${quoteIdent(schema)}.schema_version ORDER BY version`);
  return result.rows;
}

/**
 * Opens the module's migration transaction: timeouts long enough for real migrations, then the
 * advisory lock (concurrent runs queue here), then a read of a catalog table. Taking a lock on
 * an advisory key does not make the session process the catalog invalidations other sessions
 * sent while it waited; opening a catalog table does. Without it, a session that had looked the
 * schema up before (and cached "no such schema") would try to create it again after the other
 * run committed it.
 */
async function lockForMigration(tx: Queryable): Promise<void> {
  await runSqlScript(
    tx,
    `SET LOCAL statement_timeout = '${migrationTimeout}';
     SET LOCAL lock_timeout = '${migrationTimeout}';
     SET LOCAL idle_in_transaction_session_timeout = '${migrationTimeout}';
     SELECT pg_advisory_xact_lock(${migrationLockKey});
     SELECT FROM pg_catalog.pg_namespace LIMIT 0;`,
  );
}

/** The file name of a migration script (what operators see in the directory). */
function fileName(filePath: string): string {
  return path.basename(filePath);
}

/** Problems of `sql` (the script at `filePath` of `module`) that make the migrator refuse it. */
function scriptProblems(module: string, filePath: string, sql: string): string[] {
  return findTransactionControl(sql).map(
    (found) =>
      `module ${module}: ${fileName(filePath)} contains transaction control (${found.command} at line ${found.line}); ` +
      "every migration runs inside the migrator's transaction, so it must not contain BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT or PREPARE TRANSACTION (SAVEPOINT and RELEASE are fine)",
  );
}

/** A pending migration numbered below the newest applied one would run out of order. */
function orderProblem(module: string, file: MigrationFile, newestApplied: AppliedRow | undefined): string | undefined {
  if (!newestApplied || file.version >= newestApplied.version) return undefined;
  return (
    `module ${module}: ${fileName(file.upPath)} is not applied but is numbered below the applied ${newestApplied.name} ` +
    `(version ${newestApplied.version}); it would run out of order: renumber it above ${String(newestApplied.version).padStart(4, '0')}`
  );
}

/** What one module's run will apply, decided before anything runs: the pending files and their SQL. */
interface UpPlan {
  source: MigrationSource;
  files: MigrationFile[];
  /** Script text of each pending version, read (and checked) before the run. */
  scripts: Map<number, string>;
}

/**
 * Reads the applied versions (no lock, read-only) and every pending script of `sources`, and
 * collects every reason to refuse the run: transaction control in a pending script, a pending
 * migration numbered below the module's newest applied one.
 */
async function planUp(db: Db, sources: readonly MigrationSource[]): Promise<{ plans: UpPlan[]; problems: string[] }> {
  const plans: UpPlan[] = [];
  const problems: string[] = [];
  for (const source of sources) {
    const files = await loadMigrations(source);
    const applied = await readApplied(db, source.schema);
    const done = new Set(applied.map((row) => row.version));
    const newest = applied.at(-1);
    const scripts = new Map<number, string>();
    for (const file of files) {
      if (done.has(file.version)) continue;
      const order = orderProblem(source.module, file, newest);
      if (order) problems.push(order);
      const sql = await readFile(file.upPath, 'utf8');
      problems.push(...scriptProblems(source.module, file.upPath, sql));
      scripts.set(file.version, sql);
    }
    plans.push({ source, files, scripts });
  }
  return { plans, problems };
}

/**
 * Applies every pending migration of the selected modules (all by default, in the given order).
 * First, before anything runs, every pending script of every selected module is read and
 * checked: transaction control in one, or a pending migration numbered below its module's newest
 * applied one, throws {@link MigrationRefusedError} naming each such file, and nothing is applied.
 * Then each module runs in ONE transaction holding the migration advisory lock; inside it the
 * schema and its `schema_version` table are created if missing (inside the lock, since concurrent
 * `CREATE SCHEMA IF NOT EXISTS` races), the order is checked again against what is applied now,
 * then the pending files run in version order. Another process migrating at the same time waits
 * for the lock and then finds nothing pending. A failing script rolls the module's whole run back
 * and throws {@link MigrationError}; modules already done stay done. Throws
 * {@link UnknownModuleError} for an unknown `module`.
 */
export async function migrateUp(db: Db, sources: readonly MigrationSource[], options: MigrateUpOptions = {}): Promise<MigrationStep[]> {
  const { plans, problems } = await planUp(db, selectSources(sources, options.module));
  if (problems.length > 0) throw new MigrationRefusedError(problems);
  const applied: MigrationStep[] = [];
  for (const { source, files, scripts } of plans) {
    const schema = quoteIdent(source.schema);
    const steps = await db.transaction(async (tx) => {
      await lockForMigration(tx);
      await runSqlScript(
        tx,
        `CREATE SCHEMA IF NOT EXISTS ${schema};
         CREATE TABLE IF NOT EXISTS ${schema}.schema_version (
           version int PRIMARY KEY,
           name text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         );`,
      );
      const appliedRows = await readApplied(tx, source.schema);
      const done = new Set(appliedRows.map((row) => row.version));
      const pending = files.filter((file) => !done.has(file.version));
      // Another instance may have applied newer versions since the plan was made.
      const late = pending.map((file) => orderProblem(source.module, file, appliedRows.at(-1))).filter((p) => p !== undefined);
      if (late.length > 0) throw new MigrationRefusedError(late);
      const ran: MigrationStep[] = [];
      for (const file of pending) {
        const sql = scripts.get(file.version) ?? (await readFile(file.upPath, 'utf8'));
        const refused = scriptProblems(source.module, file.upPath, sql);
        if (refused.length > 0) throw new MigrationRefusedError(refused);
        try {
          await runSqlScript(tx, sql);
          await tx.query(`INSERT INTO ${schema}.schema_version (version, name) VALUES ($1, $2)`, [file.version, file.name]);
        } catch (e) {
          throw new MigrationError(source.module, file.name, 'up', e);
        }
        ran.push({ module: source.module, version: file.version, name: file.name });
      }
      return ran;
    });
    for (const step of steps) options.log?.(`applied ${step.module} ${step.name}`);
    applied.push(...steps);
  }
  return applied;
}

/**
 * Reverts the last `steps` (default 1) applied migrations of each selected module, newest first
 * (all modules by default, in reverse order), each module in one transaction under the same
 * advisory lock as {@link migrateUp}. Before anything runs, the migrations to revert are looked
 * up and their down scripts read and checked: one without a down file (or without any file) or
 * with transaction control throws {@link MigrationRefusedError} and nothing is reverted. A down
 * script may drop the schema (typically the first one): the version table goes with it and
 * nothing is left to record. {@link MigrationError} when a script fails (the module's run is
 * rolled back).
 */
export async function migrateDown(db: Db, sources: readonly MigrationSource[], options: MigrateDownOptions = {}): Promise<MigrationStep[]> {
  const steps = options.steps ?? 1;
  if (!Number.isInteger(steps) || steps < 1) throw new Error('steps must be a positive integer');
  const selected = selectSources(sources, options.module).reverse();
  const plans: { source: MigrationSource; files: Map<number, MigrationFile>; scripts: Map<number, string> }[] = [];
  const problems: string[] = [];
  for (const source of selected) {
    const files = new Map((await loadMigrations(source)).map((file) => [file.version, file]));
    const scripts = new Map<number, string>();
    for (const row of (await readApplied(db, source.schema)).reverse().slice(0, steps)) {
      const downProblem = await readDownScript(source.module, row, files.get(row.version), scripts);
      if (downProblem) problems.push(...downProblem);
    }
    plans.push({ source, files, scripts });
  }
  if (problems.length > 0) throw new MigrationRefusedError(problems);

  const reverted: MigrationStep[] = [];
  for (const { source, files, scripts } of plans) {
    const schema = quoteIdent(source.schema);
    const done = await db.transaction(async (tx) => {
      await lockForMigration(tx);
      const toRevert = (await readApplied(tx, source.schema)).reverse().slice(0, steps);
      // What is applied may have changed since the plan: check anything new before running.
      const late: string[] = [];
      for (const row of toRevert) late.push(...((await readDownScript(source.module, row, files.get(row.version), scripts)) ?? []));
      if (late.length > 0) throw new MigrationRefusedError(late);
      const ran: MigrationStep[] = [];
      for (const row of toRevert) {
        const sql = scripts.get(row.version) ?? '';
        try {
          await runSqlScript(tx, sql);
          // The script may have dropped the schema, and the version table with it.
          if (await versionTableExists(tx, source.schema)) {
            await tx.query(`DELETE FROM ${schema}.schema_version WHERE version = $1`, [row.version]);
          }
        } catch (e) {
          throw new MigrationError(source.module, row.name, 'down', e);
        }
        ran.push({ module: source.module, version: row.version, name: row.name });
        if (!(await versionTableExists(tx, source.schema))) break;
      }
      return ran;
    });
    for (const step of done) options.log?.(`reverted ${step.module} ${step.name}`);
    reverted.push(...done);
  }
  return reverted;
}

/**
 * Reads the down script of the applied migration `row` into `scripts` (once) and returns why it
 * cannot be reverted, if it cannot: no file or no down file, transaction control in the script.
 */
async function readDownScript(
  module: string,
  row: AppliedRow,
  file: MigrationFile | undefined,
  scripts: Map<number, string>,
): Promise<string[] | undefined> {
  if (scripts.has(row.version)) return undefined;
  if (!file?.downPath) return [`module ${module}: migration ${row.name} has no down file`];
  const sql = await readFile(file.downPath, 'utf8');
  const problems = scriptProblems(module, file.downPath, sql);
  if (problems.length > 0) return problems;
  scripts.set(row.version, sql);
  return undefined;
}

/**
 * Lists every migration of every module (files on disk plus versions recorded in the database
 * without a file) as applied or pending, ordered by module then version. Read-only: creates
 * nothing, takes no lock.
 */
export async function migrationStatus(
  db: Db,
  sources: readonly MigrationSource[],
  options: { module?: string } = {},
): Promise<MigrationStatusEntry[]> {
  const entries: MigrationStatusEntry[] = [];
  for (const source of selectSources(sources, options.module)) {
    const files = await loadMigrations(source);
    const applied = new Map((await readApplied(db, source.schema)).map((row) => [row.version, row]));
    const versions = [...new Set([...files.map((file) => file.version), ...applied.keys()])].sort((a, b) => a - b);
    for (const version of versions) {
      const row = applied.get(version);
      const file = files.find((candidate) => candidate.version === version);
      const name = file?.name ?? row?.name ?? String(version);
      entries.push(
        row
          ? { module: source.module, version, name, state: 'applied', appliedAt: row.applied_at }
          : { module: source.module, version, name, state: 'pending' },
      );
    }
  }
  return entries;
}

function formatStatusTable(entries: readonly MigrationStatusEntry[]): string[] {
  const header = ['MODULE', 'VERSION', 'NAME', 'STATE', 'APPLIED AT'];
  const rows = entries.map((entry) => [
    entry.module,
    String(entry.version).padStart(4, '0'),
    entry.name,
    entry.state,
    entry.appliedAt ? new Date(entry.appliedAt).toISOString() : '',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** One run of the migrate command, as `cli/migrate-args.ts` read it from the command line. */
export interface MigrateCommand {
  command: 'up' | 'down' | 'status';
  /** Only this module's migrations. */
  module?: string;
  /** For down: how many migrations to revert (default 1). */
  steps?: number;
}

/**
 * Runs one migrate command: prints progress, a status table, or a one-line error through
 * `print`. Returns the process exit code: 0 success, 1 migration/database failure, 2 unknown module.
 */
export async function runMigrateCommand(
  db: Db,
  sources: readonly MigrationSource[],
  { command, module, steps }: MigrateCommand,
  print: (line: string) => void,
): Promise<number> {
  if (module !== undefined && !sources.some((source) => source.module === module)) {
    print(new UnknownModuleError(module, sources).message);
    return 2;
  }
  try {
    if (command === 'status') {
      const entries = await migrationStatus(db, sources, module === undefined ? {} : { module });
      if (entries.length === 0) print('no migrations');
      else formatStatusTable(entries).forEach((line) => print(line));
    } else if (command === 'up') {
      const applied = await migrateUp(db, sources, { ...(module === undefined ? {} : { module }), log: print });
      print(applied.length === 0 ? 'nothing to apply' : `applied ${applied.length} migration(s)`);
    } else {
      const reverted = await migrateDown(db, sources, {
        ...(module === undefined ? {} : { module }),
        steps: steps ?? 1,
        log: print,
      });
      print(reverted.length === 0 ? 'nothing to revert' : `reverted ${reverted.length} migration(s)`);
    }
    return 0;
  } catch (e) {
    print(`migrate ${command} failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
