import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findTransactionControl } from '../../src/platform/db/transaction-control.js';

const commands = (sql: string) => findTransactionControl(sql).map((found) => found.command);

describe('transaction control in migration scripts', () => {
  it('finds every statement that starts, ends or hands over a transaction, with its line', () => {
    const script = [
      'CREATE TABLE a (id int);', // 1
      'COMMIT;', // 2
      'begin;', // 3
      'START TRANSACTION ISOLATION LEVEL SERIALIZABLE;', // 4
      'end', // 5
      ';', // 6
      '  /* x */ Rollback Work;', // 7
      'ABORT;', // 8
      'COMMIT AND CHAIN;', // 9
      "PREPARE TRANSACTION 'tx1';", // 10
      "COMMIT PREPARED 'tx1';", // 11
      "ROLLBACK PREPARED 'tx1';", // 12
      'COMMIT WORK AND NO CHAIN; ROLLBACK TRANSACTION AND CHAIN', // 13
    ].join('\n');
    assert.deepEqual(findTransactionControl(script), [
      { command: 'COMMIT', line: 2 },
      { command: 'BEGIN', line: 3 },
      { command: 'START TRANSACTION', line: 4 },
      { command: 'END', line: 5 },
      { command: 'ROLLBACK', line: 7 },
      { command: 'ABORT', line: 8 },
      { command: 'COMMIT AND CHAIN', line: 9 },
      { command: 'PREPARE TRANSACTION', line: 10 },
      { command: 'COMMIT PREPARED', line: 11 },
      { command: 'ROLLBACK PREPARED', line: 12 },
      // "AND NO CHAIN" is a plain commit: still transaction control.
      { command: 'COMMIT', line: 13 },
      { command: 'ROLLBACK AND CHAIN', line: 13 },
    ]);
  });

  it('allows savepoints, which nest inside the migrator’s transaction', () => {
    assert.deepEqual(
      commands('SAVEPOINT s1; UPDATE t SET x = 1; ROLLBACK TO SAVEPOINT s1; ROLLBACK WORK TO s1; RELEASE SAVEPOINT s1; RELEASE s1;'),
      [],
    );
  });

  it('ignores the words inside plpgsql bodies, strings, comments and identifiers', () => {
    const script = `
      -- COMMIT; in a line comment
      /* nested /* COMMIT; */ still a comment; BEGIN; */
      CREATE FUNCTION movie.touch() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.update_at := now();
        COMMIT;
        RETURN NEW;
      END;
      $$;
      CREATE FUNCTION movie.tagged() RETURNS void LANGUAGE plpgsql AS $body$
      BEGIN PERFORM 1; END;
      $body$;
      DO $do$ BEGIN ROLLBACK; END $do$;
      CREATE OR REPLACE FUNCTION movie.old_style() RETURNS int LANGUAGE plpgsql AS '
        BEGIN
          RETURN 1; END;
      ';
      INSERT INTO t (note) VALUES ('COMMIT; BEGIN;'), (E'it\\'s; COMMIT;'), (U&'d\\0061ta; END;'), ($1);
      CREATE TABLE "commit" ("begin" int, "end" int, begin_date date, "x;y" text);
      COMMENT ON TABLE "commit" IS 'END; ROLLBACK;';
      PREPARE fetch_it AS SELECT 1;
      SELECT 1e5, 0x1F, a$b FROM t;
    `;
    assert.deepEqual(commands(script), []);
  });

  it('keeps a SQL-standard function body (BEGIN ATOMIC … END, CASE inside) as one statement', () => {
    const script = `
      CREATE OR REPLACE FUNCTION movie.sign(x int) RETURNS int LANGUAGE sql
      BEGIN ATOMIC
        SELECT CASE WHEN x > 0 THEN 1 WHEN x < 0 THEN -1 ELSE 0 END;
        SELECT (CASE WHEN x IS NULL THEN 0 END);
      END;
      CREATE PROCEDURE movie.noop() LANGUAGE sql BEGIN ATOMIC SELECT 1; END;
      COMMIT;
    `;
    assert.deepEqual(findTransactionControl(script), [{ command: 'COMMIT', line: 8 }]);
  });

  it('finds a transaction control statement right after a dollar-quoted body', () => {
    assert.deepEqual(commands('DO $$ BEGIN END $$; END;'), ['END']);
    assert.deepEqual(commands("SELECT 'a'';' ; COMMIT"), ['COMMIT']);
  });
});
