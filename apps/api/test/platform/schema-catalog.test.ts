import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { moduleMigrations } from '../../src/migrations.js';
import type { Queryable } from '../../src/platform/db/db.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

/** One way the catalog breaks the module rules (docs/code-shape.md, docs/database.md). */
interface CatalogProblem {
  kind: 'cross-schema-foreign-key' | 'table-outside-module-schemas' | 'table-without-primary-key';
  /** `schema.table` the problem is about (the referencing table for a foreign key). */
  table: string;
  detail: string;
}

/** System schemas PostgreSQL (and PGlite) keep to themselves. */
const systemSchemaFilter = `n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;

/**
 * Reads the catalog of the database behind `q` and reports every foreign key whose two tables
 * live in different schemas, every table (plain or partitioned) outside `moduleSchemas`, and
 * every table without a primary key. `tables` lists each table examined (`schema.table`), so a
 * caller can tell an empty database from a clean one. Read-only.
 */
async function inspectCatalog(q: Queryable, moduleSchemas: readonly string[]): Promise<{ tables: string[]; problems: CatalogProblem[] }> {
  const tables = await q.query<{ table_name: string; schema_name: string; has_pk: boolean }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS table_name,
            n.nspname AS schema_name,
            EXISTS (SELECT 1 FROM pg_constraint p WHERE p.conrelid = c.oid AND p.contype = 'p') AS has_pk
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND ${systemSchemaFilter}
      ORDER BY 1`,
  );
  const foreignKeys = await q.query<{ constraint_name: string; from_table: string; to_table: string }>(
    `SELECT k.conname AS constraint_name,
            format('%I.%I', fn.nspname, fc.relname) AS from_table,
            format('%I.%I', tn.nspname, tc.relname) AS to_table
       FROM pg_constraint k
       JOIN pg_class fc ON fc.oid = k.conrelid
       JOIN pg_namespace fn ON fn.oid = fc.relnamespace
       JOIN pg_class tc ON tc.oid = k.confrelid
       JOIN pg_namespace tn ON tn.oid = tc.relnamespace
      WHERE k.contype = 'f' AND fn.oid <> tn.oid
      ORDER BY 2, 1`,
  );

  const known = new Set(moduleSchemas);
  const problems: CatalogProblem[] = [];
  for (const fk of foreignKeys.rows) {
    problems.push({
      kind: 'cross-schema-foreign-key',
      table: fk.from_table,
      detail: `foreign key ${fk.constraint_name} references ${fk.to_table}`,
    });
  }
  for (const table of tables.rows) {
    if (!known.has(table.schema_name)) {
      problems.push({
        kind: 'table-outside-module-schemas',
        table: table.table_name,
        detail: `schema ${table.schema_name} belongs to no module (known: ${[...known].join(', ')})`,
      });
    }
    if (!table.has_pk) {
      problems.push({ kind: 'table-without-primary-key', table: table.table_name, detail: 'no primary key' });
    }
  }
  return { tables: tables.rows.map((table) => table.table_name), problems };
}

describe('schema catalog of the migrated database', () => {
  const moduleSchemas = moduleMigrations.map((source) => source.schema);
  let database: TestDatabase;

  before(async () => {
    database = await createTestDatabase();
  });

  after(async () => {
    await database?.drop();
  });

  it('has every module schema and at least one table to check', async () => {
    assert.ok(moduleSchemas.length > 0, 'src/migrations.ts lists no module');
    const present = await database.db.query<{ nspname: string }>(
      'SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY nspname',
      [moduleSchemas],
    );
    assert.deepEqual(
      present.rows.map((row) => row.nspname),
      [...moduleSchemas].sort(),
    );
    const { tables } = await inspectCatalog(database.db, moduleSchemas);
    assert.ok(tables.length > 0, 'the migrated database has no tables: the check would pass vacuously');
  });

  it('has no foreign key between schemas, no table outside the module schemas and no table without a primary key', async () => {
    const { problems } = await inspectCatalog(database.db, moduleSchemas);
    assert.deepEqual(
      problems,
      [],
      `catalog problems:\n${problems.map((problem) => `  ${problem.kind}: ${problem.table}: ${problem.detail}`).join('\n')}`,
    );
  });

  it('reports a cross-schema foreign key, a stray schema and a table without a primary key', async () => {
    const suffix = `${process.pid}_${Date.now()}`;
    const parentSchema = `catalog_probe_parent_${suffix}`;
    const childSchema = `catalog_probe_child_${suffix}`;
    await database.db.exec(
      `CREATE SCHEMA ${parentSchema};
       CREATE SCHEMA ${childSchema};
       CREATE TABLE ${parentSchema}.parent (parent_id int CONSTRAINT parent_pk PRIMARY KEY);
       CREATE TABLE ${childSchema}.child (
         child_id int CONSTRAINT child_pk PRIMARY KEY,
         parent_id int NOT NULL CONSTRAINT child_parent_fk REFERENCES ${parentSchema}.parent (parent_id)
       );
       CREATE TABLE ${childSchema}.loose (note text);`,
    );
    try {
      // The probe schemas count as module schemas here, so only the planted FK and missing PK
      // are reported for them; a second run without them reports the stray tables.
      const asModules = await inspectCatalog(database.db, [...moduleSchemas, parentSchema, childSchema]);
      assert.deepEqual(
        asModules.problems.map((problem) => [problem.kind, problem.table]),
        [
          ['cross-schema-foreign-key', `${childSchema}.child`],
          ['table-without-primary-key', `${childSchema}.loose`],
        ],
      );
      assert.match(asModules.problems[0]?.detail ?? '', new RegExp(`child_parent_fk references ${parentSchema}\\.parent`));

      const strays = await inspectCatalog(database.db, moduleSchemas);
      assert.deepEqual(
        strays.problems.filter((problem) => problem.kind === 'table-outside-module-schemas').map((problem) => problem.table),
        [`${childSchema}.child`, `${childSchema}.loose`, `${parentSchema}.parent`],
      );
    } finally {
      await database.db.exec(`DROP SCHEMA ${childSchema} CASCADE; DROP SCHEMA ${parentSchema} CASCADE;`);
    }
  });
});
