import { PGlite } from '@electric-sql/pglite';
import type { NotificationHandler, QueryOptions, Queryable, QueryResult, TransactionOptions } from './db.js';
import type { ManagedDb, ScriptQueryable } from './managed-db.js';

/** Options of {@link createPgliteDb}. */
export interface PgliteDbOptions {
  /** Directory of the database files; undefined = in memory (gone on close). */
  dataDir?: string;
}

/** How long `ping()` waits for the session before answering false. */
const pingTimeoutMs = 3_000;

const isolationSql: Record<NonNullable<TransactionOptions['isolation']>, string> = {
  'read committed': 'BEGIN ISOLATION LEVEL READ COMMITTED',
  'repeatable read': 'BEGIN ISOLATION LEVEL REPEATABLE READ',
  serializable: 'BEGIN ISOLATION LEVEL SERIALIZABLE',
};

/**
 * A FIFO promise-chain mutex. PGlite is one session: whoever opens a transaction (or needs
 * session state such as advisory locks) must hold it exclusively until done.
 */
interface SessionMutex {
  run<T>(fn: () => Promise<T>): Promise<T>;
  readonly locked: boolean;
  readonly waiting: number;
}

function createSessionMutex(): SessionMutex {
  let tail: Promise<void> = Promise.resolve();
  let locked = false;
  let waiting = 0;
  return {
    run<T>(fn: () => Promise<T>): Promise<T> {
      waiting++;
      const previous = tail;
      let unlock!: () => void;
      tail = new Promise<void>((resolve) => {
        unlock = resolve;
      });
      return previous.then(async () => {
        waiting--;
        locked = true;
        try {
          return await fn();
        } finally {
          locked = false;
          unlock();
        }
      });
    },
    get locked() {
      return locked;
    },
    get waiting() {
      return waiting;
    },
  };
}

/** Quotes `name` as an identifier for PGlite's LISTEN (it interpolates the channel as given). */
function quoteChannel(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Builds the {@link ManagedDb} on an embedded PGlite (PostgreSQL in WASM; 2–9 s to start).
 * Results look like pg's: int8 as string, numeric as string, timestamptz as Date, `rowCount`
 * set. PGlite has a single session, so every call goes through a FIFO mutex: a transaction or
 * `withSession` holds it for its whole callback (other callers queue behind it) while queries
 * made through the `tx`/`session` handle bypass it (no self-deadlock). `stats()` reports that
 * one session: `{ total: 1, idle: 0|1, waiting: queued callers }`.
 */
export async function createPgliteDb(options: PgliteDbOptions = {}): Promise<ManagedDb> {
  const pglite = await PGlite.create({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    // pg hands int8 out as a string (no precision loss); PGlite would make it a bigint.
    parsers: { 20: (value: string) => value },
  });
  const mutex = createSessionMutex();

  const direct: ScriptQueryable = {
    async query<R>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
      const result = await pglite.query<R>(
        text,
        params ? [...params] : undefined,
        options?.rowMode ? { rowMode: options.rowMode } : undefined,
      );
      return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? result.rows.length, fields: result.fields };
    },
    async exec(sql: string): Promise<void> {
      await pglite.exec(sql);
    },
  };

  const db: ManagedDb = {
    kind: 'pglite',

    query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
      return mutex.run(() => direct.query<R>(text, params, options));
    },

    exec(sql: string): Promise<void> {
      return mutex.run(() => direct.exec(sql));
    },

    transaction<T>(fn: (tx: ScriptQueryable) => Promise<T>, txOptions?: TransactionOptions): Promise<T> {
      return mutex.run(async () => {
        await direct.query(isolationSql[txOptions?.isolation ?? 'read committed']);
        // The handle dies with the transaction so a leaked reference cannot run outside of it.
        let open = true;
        const guard = (): void => {
          if (!open) throw new Error('transaction is closed');
        };
        const tx: ScriptQueryable = {
          query: <R>(text: string, params?: readonly unknown[], options?: QueryOptions) => {
            guard();
            return direct.query<R>(text, params, options);
          },
          exec: (sql: string) => {
            guard();
            return direct.exec(sql);
          },
        };
        let result: T;
        try {
          result = await fn(tx);
        } catch (e) {
          open = false;
          await direct.query('ROLLBACK');
          throw e;
        }
        open = false;
        const commit = await pglite.query('COMMIT');
        // COMMIT of an aborted transaction (an error was swallowed inside fn) reports ROLLBACK.
        if (commit.command === 'ROLLBACK') {
          throw Object.assign(new Error('transaction was aborted by an earlier error and rolled back'), {
            code: '25P02',
          });
        }
        return result;
      });
    },

    withSession<T>(fn: (session: ScriptQueryable) => Promise<T>): Promise<T> {
      return mutex.run(() => fn(direct));
    },

    async ping(): Promise<boolean> {
      const probe = mutex
        .run(() => direct.query('SELECT 1'))
        .then(
          () => true,
          () => false,
        );
      // A long transaction holding the session makes the database not ready, not a hung probe.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), pingTimeoutMs);
      });
      try {
        return await Promise.race([probe, deadline]);
      } finally {
        clearTimeout(timer);
      }
    },

    async listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
      // Through the mutex: a LISTEN issued inside someone's open transaction would be undone by
      // its rollback.
      const quoted = quoteChannel(channel);
      await mutex.run(() => pglite.listen(quoted, handler));
      // Not the stop function listen() returns: it passes the unquoted name on, which PGlite
      // lowercases, so mixed-case channels would never be unlistened.
      return () => mutex.run(() => pglite.unlisten(quoted, handler));
    },

    async notify(channel: string, payload: string, via?: Queryable): Promise<void> {
      await (via ?? db).query('SELECT pg_notify($1, $2)', [channel, payload]);
    },

    stats() {
      return { total: 1, idle: mutex.locked ? 0 : 1, waiting: mutex.waiting };
    },

    // One in-process session, not a pool of servers: its queue is the event loop's own.
    queueSample: () => ({ shortestWaitMs: 0, taken: 0 }),
    queueLength: () => 0,

    onNotificationReconnect() {
      // One in-process session: the notification channel cannot drop.
      return () => undefined;
    },

    async close(): Promise<void> {
      // Queued callers finish first; PGlite fails whatever would come after close.
      await mutex.run(() => pglite.close());
    },
  };
  return db;
}
