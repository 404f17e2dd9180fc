import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAppError } from '../../src/platform/errors/app-error.js';
import type { Db } from '../../src/platform/db/db.js';
import { mapDbError } from '../../src/platform/db/db-errors.js';
import { createDbHandle } from '../../src/platform/db/db-handle.js';
import type { ManagedDb } from '../../src/platform/db/managed-db.js';
import { createPgDb } from '../../src/platform/db/pg-db.js';
import { createBlankDatabase, testPostgresEnv } from '../harness/database.js';

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Runs `fn` and returns what it threw, mapped as the error handler maps it. */
async function mappedFailure(fn: () => Promise<unknown>) {
  try {
    await fn();
  } catch (e) {
    const mapped = mapDbError(e);
    assert.ok(isAppError(mapped));
    return { kind: mapped.kind, status: mapped.status, message: mapped.message, raw: e };
  }
  assert.fail('expected a database error');
}

describe('SQLSTATE mapping of real PostgreSQL errors', { skip: testPostgresEnv() ? false : 'needs the test PostgreSQL' }, () => {
  let blank: Awaited<ReturnType<typeof createBlankDatabase>>;
  let db: ManagedDb;

  before(async () => {
    blank = await createBlankDatabase();
    db = createPgDb({ connectionString: blank.url, max: 4 });
    await db.exec(`
      CREATE TABLE parent (id int CONSTRAINT parent_pk PRIMARY KEY);
      CREATE TABLE child (id int CONSTRAINT child_pk PRIMARY KEY, parent_id int NOT NULL CONSTRAINT child_parent_fk REFERENCES parent (id));
      CREATE TABLE account (id int CONSTRAINT account_pk PRIMARY KEY, balance int NOT NULL);
      INSERT INTO parent VALUES (1);
      INSERT INTO child VALUES (1, 1);
      INSERT INTO account VALUES (1, 100), (2, 100);
    `);
  });

  after(async () => {
    await db?.close();
    await blank?.drop();
  });

  it('maps a foreign key to a missing row to 400, never 500', async () => {
    const failure = await mappedFailure(() => db.query('INSERT INTO child VALUES (2, 999)'));
    assert.equal((failure.raw as { code?: string }).code, '23503');
    assert.deepEqual([failure.kind, failure.status], ['invalid_request_error', 400]);
    assert.doesNotMatch(failure.message, /child|parent|fk/);
  });

  it('maps deleting a still referenced row to 409', async () => {
    const failure = await mappedFailure(() => db.query('DELETE FROM parent WHERE id = 1'));
    assert.deepEqual([failure.kind, failure.status], ['conflict_error', 409]);
  });

  it('maps a real deadlock to 503, and the app’s Db runs the loser again to success', async () => {
    /**
     * Moves `amount` between two accounts, locking `from` first, then waiting until the other
     * transfer holds its first lock (`theirs`): two transfers in opposite directions deadlock
     * for real and PostgreSQL aborts one (40P01). A re-run finds both signals given and goes on.
     */
    let bodies = 0;
    const transfer = (from: number, to: number, amount: number, mine: Deferred, theirs: Deferred, via: Db = db) =>
      via.transaction(async (tx) => {
        bodies += 1;
        // Superuser test connection: detect the deadlock in 50 ms instead of the default 1 s.
        await tx.query("SET LOCAL deadlock_timeout = '50ms'");
        await tx.query('UPDATE account SET balance = balance - $2 WHERE id = $1', [from, amount]);
        mine.resolve();
        await theirs.promise;
        await tx.query('UPDATE account SET balance = balance + $2 WHERE id = $1', [to, amount]);
      });

    let a = deferred();
    let b = deferred();
    const results = await Promise.allSettled([transfer(1, 2, 1, a, b), transfer(2, 1, 10, b, a)]);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(rejected.length, 1, 'PostgreSQL aborted exactly one of them');
    assert.equal((rejected[0]!.reason as { code?: string }).code, '40P01');
    const mapped = mapDbError(rejected[0]!.reason);
    assert.deepEqual([mapped.kind, mapped.status, mapped.headers['Retry-After']], ['unavailable_error', 503, '1']);

    // The same race through the Db the app uses: the loser's whole transaction runs again.
    await db.query('UPDATE account SET balance = 100');
    const retrying = createDbHandle(db);
    a = deferred();
    b = deferred();
    bodies = 0;
    await Promise.all([transfer(1, 2, 1, a, b, retrying), transfer(2, 1, 10, b, a, retrying)]);
    assert.equal(bodies, 3, 'one of the two ran twice');
    const { rows } = await db.query<{ balance: number }>('SELECT balance FROM account ORDER BY id');
    assert.deepEqual(
      rows.map((row) => row.balance),
      [109, 91],
      'each transfer applied exactly once',
    );
  });
});
