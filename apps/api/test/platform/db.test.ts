import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../src/platform/errors/app-error.js';
import { isConnectionError, isRetryableTxError, mapDbError, withTxRetry } from '../../src/platform/db/db-errors.js';
import type { ManagedDb } from '../../src/platform/db/managed-db.js';
import { createPgDb } from '../../src/platform/db/pg-db.js';
import { createPgliteDb } from '../../src/platform/db/pglite-db.js';
import { createBlankDatabase, createTestDatabase, runAdminSql, testPostgresEnv } from '../harness/database.js';

/** Resolves with the first value `poll` returns that is not undefined, or fails at the deadline. */
async function eventually<T>(poll: () => T | undefined, what: string, deadlineMs = 5_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = poll();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function captureError(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** Behaviour both implementations share; `getDb` returns a Db on an empty database. */
function sharedDbBehaviour(getDb: () => ManagedDb, table: string): void {
  it('commits a transaction that resolves and returns its value', async () => {
    const db = getDb();
    await db.query(`CREATE TABLE ${table} (id int8 PRIMARY KEY, name varchar(5) NOT NULL, amount numeric, at timestamptz)`);
    const value = await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} VALUES ($1, $2, $3, $4)`, ['9007199254740993', 'a', '1.50', new Date(0)]);
      return 'done';
    });
    assert.equal(value, 'done');
    const rows = await db.query<{ id: string; amount: string; at: Date }>(`SELECT id, amount, at FROM ${table}`);
    assert.equal(rows.rowCount, 1);
    // int8 and numeric come back as strings (no precision loss), timestamptz as Date.
    assert.equal(rows.rows[0]?.id, '9007199254740993');
    assert.equal(rows.rows[0]?.amount, '1.50');
    assert.ok(rows.rows[0]?.at instanceof Date);
  });

  it('rolls back a transaction that throws and rethrows the error', async () => {
    const db = getDb();
    const boom = new Error('boom');
    const thrown = await captureError(() =>
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${table} (id, name) VALUES (2, 'b')`);
        throw boom;
      }),
    );
    assert.equal(thrown, boom);
    const rows = await db.query(`SELECT 1 FROM ${table} WHERE id = 2`);
    assert.equal(rows.rowCount, 0);
  });

  it('refuses to commit a transaction whose error was swallowed', async () => {
    const db = getDb();
    const thrown = await captureError(() =>
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${table} (id, name) VALUES (3, 'c')`);
        await tx.query('SELECT 1/0').catch(() => undefined);
      }),
    );
    assert.ok(thrown instanceof Error);
    assert.equal((await db.query(`SELECT 1 FROM ${table} WHERE id = 3`)).rowCount, 0);
  });

  it('reports affected rows of an UPDATE as rowCount', async () => {
    const db = getDb();
    const result = await db.query(`UPDATE ${table} SET name = name`);
    assert.equal(result.rowCount, 1);
  });

  it('maps a real unique violation to conflict_error without internals', async () => {
    const db = getDb();
    const error = mapDbError(await captureError(() => db.query(`INSERT INTO ${table} (id, name) VALUES (9007199254740993, 'x')`)), {
      resource: 'thing',
    });
    assert.equal(error.kind, 'conflict_error');
    assert.equal(error.message, 'thing already exists');
    assert.doesNotMatch(error.message, new RegExp(`${table}|pkey|INSERT`));
  });

  it('maps a real value-too-long (22001) to input_validation_error', async () => {
    const db = getDb();
    const raw = await captureError(() => db.query(`INSERT INTO ${table} (id, name) VALUES (5, $1)`, ['far too long']));
    assert.equal((raw as { code?: string }).code, '22001');
    const error = mapDbError(raw);
    assert.equal(error.kind, 'input_validation_error');
    assert.equal(error.message, 'a value is too long');
  });

  it('maps invalid text input (22P02) and not-null (23502) to input errors', async () => {
    const db = getDb();
    const badInt = mapDbError(await captureError(() => db.query(`SELECT $1::int`, ['abc'])));
    assert.equal(badInt.kind, 'input_validation_error');
    const missing = mapDbError(await captureError(() => db.query(`INSERT INTO ${table} (id) VALUES (6)`)));
    assert.equal(missing.kind, 'input_validation_error');
  });

  it('delivers NOTIFY payloads to listeners and stops after unlisten', async () => {
    const db = getDb();
    const received: string[] = [];
    const stop = await db.listen('Cache-Events', (payload) => received.push(payload));
    await db.notify('Cache-Events', 'first');
    await db.transaction((tx) => db.notify('Cache-Events', 'from-tx', tx));
    await eventually(() => (received.length >= 2 ? true : undefined), 'two notifications');
    assert.deepEqual(received, ['first', 'from-tx']);
    await stop();
    await db.notify('Cache-Events', 'after-stop');
    // A round trip on the same server orders us after the notification would have arrived.
    await db.query('SELECT 1');
    await db.query('SELECT 1');
    assert.deepEqual(received, ['first', 'from-tx']);
  });

  it('answers ping with true', async () => {
    assert.equal(await getDb().ping(), true);
  });
}

describe('PostgreSQL Db', { skip: testPostgresEnv() ? false : 'no test PostgreSQL' }, () => {
  let blank: Awaited<ReturnType<typeof createBlankDatabase>>;
  let db: ManagedDb;
  before(async () => {
    blank = await createBlankDatabase();
    db = createPgDb({ connectionString: blank.url, max: 4 });
  });
  after(async () => {
    await db?.close();
    await blank?.drop();
  });

  sharedDbBehaviour(() => db, 'pg_thing');

  it('runs transactions at the requested isolation level', async () => {
    const level = await db.transaction(
      async (tx) => (await tx.query<{ level: string }>("SELECT current_setting('transaction_isolation') AS level")).rows[0]?.level,
      { isolation: 'serializable' },
    );
    assert.equal(level, 'serializable');
  });

  it('re-listens after the notification connection drops and tells onNotificationReconnect', async () => {
    const received: string[] = [];
    let reconnects = 0;
    const unregister = db.onNotificationReconnect(() => {
      reconnects++;
    });
    const stop = await db.listen('after_drop', (payload) => received.push(payload));
    try {
      const killed = await db.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'chompardo-api:listen'`,
      );
      assert.equal(killed.rowCount, 1);
      await eventually(() => (reconnects > 0 ? true : undefined), 'reconnect');
      await db.notify('after_drop', 'hello again');
      await eventually(() => (received.length > 0 ? true : undefined), 'notification after reconnect');
      assert.deepEqual(received, ['hello again']);
    } finally {
      unregister();
      await stop();
    }
  });

  it('retries a serialization failure with withTxRetry', async () => {
    await db.query('CREATE TABLE pg_counter (id int PRIMARY KEY, n int NOT NULL)');
    await db.query('INSERT INTO pg_counter VALUES (1, 0)');
    let attempts = 0;
    // The first attempt reads, then another session commits a change before it writes: 40001.
    await withTxRetry(() =>
      db.transaction(
        async (tx) => {
          attempts++;
          await tx.query('SELECT n FROM pg_counter WHERE id = 1');
          if (attempts === 1) await db.query('UPDATE pg_counter SET n = n + 10 WHERE id = 1');
          await tx.query('UPDATE pg_counter SET n = n + 1 WHERE id = 1');
        },
        { isolation: 'repeatable read' },
      ),
    );
    assert.equal(attempts, 2);
    assert.equal((await db.query<{ n: number }>('SELECT n FROM pg_counter')).rows[0]?.n, 11);
  });
});

describe('PGlite Db', () => {
  let db: ManagedDb;
  before(async () => {
    db = await createPgliteDb();
  });
  after(async () => {
    await db?.close();
  });

  sharedDbBehaviour(() => db, 'lite_thing');

  it('makes queries from outside wait while a transaction is open, without deadlocking tx queries', async () => {
    let releaseTx!: () => void;
    const txMayFinish = new Promise<void>((resolve) => {
      releaseTx = resolve;
    });
    let txStarted = false;
    const tx = db.transaction(async (t) => {
      txStarted = true;
      await t.query('CREATE TABLE lite_mutex (n int)');
      await t.query('INSERT INTO lite_mutex VALUES (1)');
      await txMayFinish;
      // Still usable after the outside caller queued: tx bypasses the mutex.
      await t.query('INSERT INTO lite_mutex VALUES (2)');
    });
    await eventually(() => (txStarted ? true : undefined), 'transaction start');
    let outsideDone = false;
    const outside = db.query<{ count: string }>('SELECT count(*) AS count FROM lite_mutex').then((result) => {
      outsideDone = true;
      return result;
    });
    await eventually(() => (db.stats().waiting === 1 ? true : undefined), 'outside query queued');
    assert.equal(outsideDone, false);
    assert.deepEqual(db.stats(), { total: 1, idle: 0, waiting: 1 });
    releaseTx();
    await tx;
    // It saw the committed state, never the half-done transaction.
    assert.equal((await outside).rows[0]?.count, '2');
    assert.deepEqual(db.stats(), { total: 1, idle: 1, waiting: 0 });
  });

  it('holds the session for withSession callbacks', async () => {
    const order: string[] = [];
    const session = db.withSession(async (s) => {
      await s.query('SELECT 1');
      order.push('session');
    });
    const outside = db.query('SELECT 1').then(() => order.push('outside'));
    await Promise.all([session, outside]);
    assert.deepEqual(order, ['session', 'outside']);
  });
});

describe('database errors', () => {
  it('maps a real connection refusal to unavailable_error with Retry-After and ping false', async () => {
    const port = await unusedPort();
    const db = createPgDb({ connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres`, max: 1 });
    try {
      const raw = await captureError(() => db.query('SELECT 1'));
      assert.ok(isConnectionError(raw), `not a connection error: ${String(raw)}`);
      const error = mapDbError(raw);
      assert.equal(error.kind, 'unavailable_error');
      assert.equal(error.headers['Retry-After'], '1');
      assert.equal(await db.ping(), false);
      await assert.rejects(
        db.transaction(async () => 1),
        (e: unknown) => mapDbError(e).kind === 'unavailable_error',
      );
      await assert.rejects(
        db.listen('x', () => undefined),
        (e: unknown) => isConnectionError(e),
      );
    } finally {
      await db.close();
    }
  });

  it('keeps AppErrors and masks unknown errors as internal_error', () => {
    const appError = new AppError('not_found_error', 'recipe not found');
    assert.equal(mapDbError(appError), appError);
    const internal = mapDbError(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' }));
    assert.equal(internal.kind, 'internal_error');
    assert.doesNotMatch(internal.message, /relation/);
  });

  it('classifies server shutdown, timeouts and retryable transaction errors', () => {
    assert.ok(isConnectionError(Object.assign(new Error('terminating connection'), { code: '57P01' })));
    assert.ok(isConnectionError(new Error('timeout exceeded when trying to connect')));
    assert.ok(isConnectionError(new Error('Connection terminated unexpectedly')));
    assert.equal(mapDbError(Object.assign(new Error('canceling statement'), { code: '57014' })).kind, 'unavailable_error');
    assert.ok(isRetryableTxError(Object.assign(new Error('x'), { code: '40P01' })));
    assert.equal(isRetryableTxError(Object.assign(new Error('x'), { code: '23505' })), false);
  });

  it('gives up after the bounded number of retries', async () => {
    let calls = 0;
    const serializationFailure = Object.assign(new Error('could not serialize'), { code: '40001' });
    await assert.rejects(
      withTxRetry(async () => {
        calls++;
        throw serializationFailure;
      }, 3),
      (e: unknown) => e === serializationFailure,
    );
    assert.equal(calls, 3);
  });
});

describe('test databases', () => {
  it('hands out a working database of its own and removes it on drop', async () => {
    const first = await createTestDatabase();
    const second = await createTestDatabase();
    try {
      assert.notEqual(first.name, second.name);
      assert.equal((await first.db.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one, 1);
      assert.equal(first.db.kind, testPostgresEnv() ? 'postgres' : 'pglite');
    } finally {
      await first.drop();
      await second.drop();
    }
    const env = testPostgresEnv();
    if (env) {
      // The clone is gone from the server (checked through a throwaway admin connection).
      await assert.rejects(runAdminSql(`${first.url}`, 'SELECT 1'), (e: unknown) => (e as { code?: string }).code === '3D000');
    }
  });
});
