/** Result of one SQL statement, the subset shared by `pg` and PGlite. */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
  /** Column names in order (present for row-returning statements). */
  fields?: { name: string }[];
}

/** What a connection queue did over an interval (see {@link Db.queueSample}). */
export interface QueueSample {
  /**
   * The shortest wait (ms) for a connection handed out in the interval, 0 when one was free at
   * once; when none was handed out, how long the oldest caller has waited (0 when nobody waits).
   * Above zero only while a queue stood throughout the interval.
   */
  shortestWaitMs: number;
  /** Connections handed out in the interval (at once or after a wait). */
  taken: number;
}

/** Options of one query. */
export interface QueryOptions {
  /** `array`: each row is an array of column values in `fields` order (no object per row). */
  rowMode?: 'array';
}

/**
 * Anything that runs SQL: the pool, a transaction, PGlite. The shape matches what pgtyped's
 * generated `run(params, conn)` expects, so generated queries run on all of them.
 */
export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
}

/** A handler for NOTIFY payloads on one channel. */
export type NotificationHandler = (payload: string) => void;

/**
 * The database as the application sees it. Built once in main.ts (or per test) and passed down;
 * repositories receive a {@link Queryable} (the Db itself or a transaction).
 */
export interface Db extends Queryable {
  /** `postgres` for a real server (pg Pool), `pglite` for the embedded database. */
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `fn` in one transaction (READ COMMITTED unless `isolation` says otherwise); commits when
   * it resolves, rolls back when it throws and rethrows the error.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Runs `fn` on one dedicated session (advisory locks, migrations). */
  withSession<T>(fn: (session: Queryable) => Promise<T>): Promise<T>;
  /** True when a trivial query succeeds within the connect timeout. Never throws. */
  ping(): Promise<boolean>;
  /** LISTEN on `channel`; returns a function that stops listening. */
  listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>>;
  /**
   * Registers `callback` to run after the notification connection was lost and re-established;
   * notifications sent in the gap are lost, so NOTIFY-fed caches flush here. Returns an
   * unregister function.
   */
  onNotificationReconnect(callback: () => void): () => void;
  /** Sends NOTIFY `channel` with `payload` (pg_notify). */
  notify(channel: string, payload: string, via?: Queryable): Promise<void>;
  /** Pool statistics for metrics and readiness. */
  stats(): { total: number; idle: number; waiting: number };
  /**
   * The connection queue since the last call: the shortest wait for a connection (0 when one
   * was free) and the connections handed out. Read every 100 ms by the HTTP load monitor (ADR 30).
   */
  queueSample(): QueueSample;
  /** Callers waiting for a connection now (cheap: read per request while load is shed). */
  queueLength(): number;
  /** Closes every connection; pending queries fail. */
  close(): Promise<void>;
}

/** Options of {@link Db.transaction}. */
export interface TransactionOptions {
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
}
