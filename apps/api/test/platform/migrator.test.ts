import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ManagedDb } from '../../src/platform/db/managed-db.js';
import {
  MigrationError,
  MigrationRefusedError,
  migrateDown,
  migrateUp,
  migrationStatus,
  runMigrateCommand,
  type MigrationSource,
} from '../../src/platform/db/migrator.js';
import { createPgDb } from '../../src/platform/db/pg-db.js';
import { createPgliteDb } from '../../src/platform/db/pglite-db.js';
import { createBlankDatabase, testPostgresEnv } from '../harness/database.js';
import { parseMigrateArgs } from '../../src/cli/migrate-args.js';

const tempRoot = mkdtempSync(path.join(os.tmpdir(), 'chompardo-migrations-'));
let sourceCount = 0;

/**
 * Writes a throwaway module with three migrations into a temp dir: 0001 creates the schema and a
 * table, 0002 adds a column and a row, 0003 adds an index. `failAt` makes that migration's
 * second statement fail; `withoutDown` leaves that version without a down file.
 */
function throwawayModule(options: { failAt?: number; withoutDown?: number } = {}): MigrationSource {
  sourceCount += 1;
  const schema = `mig_${process.pid}_${sourceCount}`;
  const directory = path.join(tempRoot, schema);
  mkdirSync(directory);
  const files: Record<number, [string, string, string]> = {
    1: [
      'create_thing',
      `CREATE SCHEMA IF NOT EXISTS ${schema};\nCREATE TABLE ${schema}.thing (id int PRIMARY KEY, name text NOT NULL);`,
      `DROP SCHEMA ${schema} CASCADE;`,
    ],
    2: [
      'add_note',
      `ALTER TABLE ${schema}.thing ADD COLUMN note text;\nINSERT INTO ${schema}.thing VALUES (1, 'one', 'n');`,
      `DELETE FROM ${schema}.thing;\nALTER TABLE ${schema}.thing DROP COLUMN note;`,
    ],
    3: ['index_name', `CREATE INDEX thing_name_ix ON ${schema}.thing (name);`, `DROP INDEX ${schema}.thing_name_ix;`],
  };
  for (const [version, [name, up, down]] of Object.entries(files)) {
    const stem = `${String(version).padStart(4, '0')}_${name}`;
    const upSql = Number(version) === options.failAt ? `${up.split('\n')[0]}\nSELECT 1/0;` : up;
    writeFileSync(path.join(directory, `${stem}.up.sql`), upSql);
    if (Number(version) !== options.withoutDown) writeFileSync(path.join(directory, `${stem}.down.sql`), down);
  }
  return { module: schema.replace(/_/g, '-'), schema, directory };
}

/** A throwaway module whose migrations are exactly `files` (`{ '0001_name.up.sql': sql, … }`). */
function moduleWithFiles(files: Record<string, string>): MigrationSource {
  sourceCount += 1;
  const schema = `mig_${process.pid}_${sourceCount}`;
  const directory = path.join(tempRoot, schema);
  mkdirSync(directory);
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(directory, name), sql.replaceAll('$SCHEMA', schema));
  return { module: schema.replace(/_/g, '-'), schema, directory };
}

async function tableExists(db: ManagedDb, qualified: string): Promise<boolean> {
  const result = await db.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [qualified]);
  return result.rows[0]?.found === true;
}

async function schemaExists(db: ManagedDb, schema: string): Promise<boolean> {
  const result = await db.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  return result.rowCount === 1;
}

/** The migrator's contract, run against any Db; `openSecond` gives another Db on the same database. */
function migratorBehaviour(
  getDb: () => ManagedDb,
  openRaceDbs: () => Promise<{ a: ManagedDb; b: ManagedDb; done(): Promise<void> }>,
): void {
  it('applies pending migrations in order and records them', async () => {
    const db = getDb();
    const source = throwawayModule();
    const lines: string[] = [];
    const applied = await migrateUp(db, [source], { log: (line) => lines.push(line) });
    assert.deepEqual(
      applied.map((step) => step.name),
      ['0001_create_thing', '0002_add_note', '0003_index_name'],
    );
    assert.equal(lines.length, 3);
    const status = await migrationStatus(db, [source]);
    assert.deepEqual(
      status.map((entry) => [entry.version, entry.state]),
      [
        [1, 'applied'],
        [2, 'applied'],
        [3, 'applied'],
      ],
    );
    assert.ok(status.every((entry) => entry.appliedAt instanceof Date));
    assert.deepEqual(await migrateUp(db, [source]), []);
    const rows = await db.query<{ note: string }>(`SELECT note FROM ${source.schema}.thing`);
    assert.equal(rows.rows[0]?.note, 'n');
  });

  it('reports pending migrations without creating anything', async () => {
    const db = getDb();
    const source = throwawayModule();
    const status = await migrationStatus(db, [source]);
    assert.deepEqual(
      status.map((entry) => entry.state),
      ['pending', 'pending', 'pending'],
    );
    assert.equal(await schemaExists(db, source.schema), false);
  });

  it('reverts step by step, down to dropping the schema with its version table', async () => {
    const db = getDb();
    const source = throwawayModule();
    await migrateUp(db, [source]);
    const reverted = await migrateDown(db, [source], { module: source.module, steps: 2 });
    assert.deepEqual(
      reverted.map((step) => step.version),
      [3, 2],
    );
    assert.deepEqual(
      (await migrationStatus(db, [source])).map((entry) => entry.state),
      ['applied', 'pending', 'pending'],
    );
    const last = await migrateDown(db, [source], { module: source.module, steps: 5 });
    assert.deepEqual(
      last.map((step) => step.version),
      [1],
    );
    assert.equal(await schemaExists(db, source.schema), false);
    assert.deepEqual(await migrateDown(db, [source]), []);
    // And up again from nothing.
    assert.equal((await migrateUp(db, [source])).length, 3);
  });

  it('rolls a failing run back completely, leaving nothing applied', async () => {
    const db = getDb();
    const source = throwawayModule({ failAt: 2 });
    await assert.rejects(migrateUp(db, [source]), (e: unknown) => {
      assert.ok(e instanceof MigrationError);
      assert.match(e.message, /0002_add_note/);
      return true;
    });
    assert.equal(await schemaExists(db, source.schema), false);
    assert.deepEqual(
      (await migrationStatus(db, [source])).map((entry) => entry.state),
      ['pending', 'pending', 'pending'],
    );
  });

  it('refuses to go down past a migration without a down file', async () => {
    const db = getDb();
    const source = throwawayModule({ withoutDown: 3 });
    await migrateUp(db, [source]);
    await assert.rejects(migrateDown(db, [source]), /has no down file/);
    assert.equal((await migrationStatus(db, [source])).filter((entry) => entry.state === 'applied').length, 3);
  });

  it('refuses a run with a COMMIT in a pending migration before applying anything of it', async () => {
    const db = getDb();
    const good = throwawayModule();
    const bad = moduleWithFiles({
      '0001_create.up.sql': 'CREATE SCHEMA IF NOT EXISTS $SCHEMA;\nCREATE TABLE $SCHEMA.first (id int);',
      '0002_half.up.sql':
        'CREATE TABLE $SCHEMA.half (id int);\n-- the first half is committed here:\nCOMMIT;\nCREATE TABLE $SCHEMA.second_half (id int);',
    });
    await assert.rejects(migrateUp(db, [good, bad]), (e: unknown) => {
      assert.ok(e instanceof MigrationRefusedError, String(e));
      assert.match(e.message, /0002_half\.up\.sql contains transaction control \(COMMIT at line 3\)/);
      assert.equal(e.problems.length, 1);
      return true;
    });
    // Nothing of the run: not the good module listed first, not the bad module's clean 0001.
    assert.equal(await schemaExists(db, good.schema), false);
    assert.equal(await schemaExists(db, bad.schema), false);
    assert.equal(await tableExists(db, `${bad.schema}.half`), false);
    assert.deepEqual(
      (await migrationStatus(db, [bad])).map((entry) => entry.state),
      ['pending', 'pending'],
    );
  });

  it('applies migrations whose function bodies, strings and comments mention BEGIN, COMMIT and END', async () => {
    const db = getDb();
    const source = moduleWithFiles({
      '0001_functions.up.sql': `CREATE SCHEMA IF NOT EXISTS $SCHEMA;
        -- COMMIT; would be refused if it were not a comment
        CREATE TABLE $SCHEMA.note (id int PRIMARY KEY, body text NOT NULL, "end" int);
        CREATE FUNCTION $SCHEMA.add_note(text) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO $SCHEMA.note VALUES (1, $1, 0);
        END;
        $$;
        SELECT $SCHEMA.add_note('BEGIN; COMMIT; END;');
        CREATE FUNCTION $SCHEMA.sign(x int) RETURNS int LANGUAGE sql
        BEGIN ATOMIC
          SELECT CASE WHEN x > 0 THEN 1 WHEN x < 0 THEN -1 ELSE 0 END;
        END;`,
    });
    assert.equal((await migrateUp(db, [source])).length, 1);
    const rows = await db.query<{ body: string; sign: number }>(
      `SELECT body, ${source.schema}.sign(-5) AS sign FROM ${source.schema}.note`,
    );
    assert.deepEqual(rows.rows, [{ body: 'BEGIN; COMMIT; END;', sign: -1 }]);
  });

  it('refuses an unapplied migration numbered below an applied one, naming both', async () => {
    const db = getDb();
    const source = moduleWithFiles({
      '0001_create.up.sql': 'CREATE SCHEMA IF NOT EXISTS $SCHEMA;\nCREATE TABLE $SCHEMA.thing (id int);',
      '0003_index.up.sql': 'CREATE INDEX thing_id_ix ON $SCHEMA.thing (id);',
    });
    await migrateUp(db, [source]);
    // A branch merged late adds 0002 after 0003 was applied; 0004 arrives with it.
    writeFileSync(path.join(source.directory, '0002_late.up.sql'), `CREATE TABLE ${source.schema}.late (id int);`);
    writeFileSync(path.join(source.directory, '0004_next.up.sql'), `CREATE TABLE ${source.schema}.next (id int);`);
    await assert.rejects(migrateUp(db, [source]), (e: unknown) => {
      assert.ok(e instanceof MigrationRefusedError, String(e));
      assert.match(e.message, /0002_late\.up\.sql is not applied but is numbered below the applied 0003_index \(version 3\)/);
      return true;
    });
    assert.equal(await tableExists(db, `${source.schema}.late`), false);
    assert.equal(await tableExists(db, `${source.schema}.next`), false, 'the in-order 0004 did not run either');
  });

  it('refuses to revert through a down script with transaction control', async () => {
    const db = getDb();
    const source = moduleWithFiles({
      '0001_create.up.sql': 'CREATE SCHEMA IF NOT EXISTS $SCHEMA;\nCREATE TABLE $SCHEMA.thing (id int);',
      '0001_create.down.sql': 'DROP TABLE $SCHEMA.thing;\nCOMMIT;\nDROP SCHEMA $SCHEMA;',
    });
    await migrateUp(db, [source]);
    await assert.rejects(migrateDown(db, [source]), /0001_create\.down\.sql contains transaction control \(COMMIT at line 2\)/);
    assert.equal(await tableExists(db, `${source.schema}.thing`), true);
  });

  it('lets two migrators race on one fresh database: both succeed, each migration runs once', async () => {
    const sources = [throwawayModule(), throwawayModule()];
    const { a, b, done } = await openRaceDbs();
    try {
      const [first, second] = await Promise.all([migrateUp(a, sources), migrateUp(b, sources)]);
      assert.equal(first.length + second.length, 6);
      const status = await migrationStatus(a, sources);
      assert.equal(status.length, 6);
      assert.ok(status.every((entry) => entry.state === 'applied'));
    } finally {
      await done();
    }
  });

  it('runs the migrate command: status table, up, down, usage errors', async () => {
    const db = getDb();
    const source = throwawayModule();
    const out: string[] = [];
    const print = (line: string): void => {
      out.push(line);
    };
    const run = (argv: string[]): Promise<number> => {
      const args = parseMigrateArgs(argv);
      if (args.ok) return runMigrateCommand(db, [source], args.command, print);
      print(args.message);
      return Promise.resolve(2);
    };
    assert.equal(await run(['up', '--module', source.module]), 0);
    assert.equal(await run(['down', `--module=${source.module}`, '--steps', '2']), 0);
    out.length = 0;
    assert.equal(await run(['status']), 0);
    assert.match(out[0] ?? '', /^MODULE\s+VERSION\s+NAME\s+STATE\s+APPLIED AT$/);
    assert.match(out[1] ?? '', /0001\s+0001_create_thing\s+applied\s+\d{4}-/);
    assert.match(out[2] ?? '', /0002\s+0002_add_note\s+pending$/);
    assert.equal(await run(['sideways']), 2);
    assert.equal(await run(['up', '--module', 'nope']), 2);
    assert.match(out.at(-1) ?? '', /unknown module "nope"/);
    assert.equal(await run(['down', '--steps', '0']), 2);
    assert.equal(await run(['up', '--steps', '1']), 2);
    assert.equal(await run([]), 2);
  });
}

after(() => rmSync(tempRoot, { recursive: true, force: true }));

describe('migrator on PostgreSQL', { skip: testPostgresEnv() ? false : 'no test PostgreSQL' }, () => {
  let blank: Awaited<ReturnType<typeof createBlankDatabase>>;
  let db: ManagedDb;
  before(async () => {
    blank = await createBlankDatabase();
    db = createPgDb({ connectionString: blank.url, max: 2 });
  });
  after(async () => {
    await db?.close();
    await blank?.drop();
  });

  migratorBehaviour(
    () => db,
    async () => {
      // A database of its own: the race must start from nothing.
      const fresh = await createBlankDatabase();
      const a = createPgDb({ connectionString: fresh.url, max: 2 });
      const b = createPgDb({ connectionString: fresh.url, max: 2 });
      return {
        a,
        b,
        async done() {
          await a.close();
          await b.close();
          await fresh.drop();
        },
      };
    },
  );
});

describe('migrator on PGlite', () => {
  let db: ManagedDb;
  before(async () => {
    db = await createPgliteDb();
  });
  after(async () => {
    await db?.close();
  });

  migratorBehaviour(
    () => db,
    // PGlite is one session per database: both migrators share it, its mutex serialises them.
    async () => ({ a: db, b: db, done: async () => undefined }),
  );
});
