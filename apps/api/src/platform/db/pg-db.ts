import pg from 'pg';
import type { NotificationHandler, QueryOptions, Queryable, QueryResult, TransactionOptions } from './db.js';
import { isConnectionError } from './db-errors.js';
import type { ManagedDb, ScriptQueryable } from './managed-db.js';

/** The logger calls the database layer makes (a pino logger fits). */
export interface DbLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of {@link createPgDb}. */
export interface PgDbOptions {
  connectionString: string;
  /** Maximum number of pooled connections (the LISTEN connection comes on top). */
  max: number;
  applicationName?: string;
  logger?: DbLogger;
  /** Server-side `statement_timeout` of every pooled session, ms (default 15000). */
  statementTimeoutMs?: number;
  /** How long to wait for a connection (new socket or free pool slot), ms (default 3000). */
  connectionTimeoutMs?: number;
  /** Called after the LISTEN connection came back (see {@link ManagedDb.onNotificationReconnect}). */
  onNotificationReconnect?: () => void;
  /** Prepare parameterized statements once per connection (default true); see {@link StatementNames}. */
  preparedStatements?: boolean;
}

/** OIDs whose text form we keep as strings regardless of pg's global parsers: int8, numeric. */
const stringTypeOids = new Set([20, 1700]);

/** Client-side timeout of scripts run through `exec` (migrations): generous but finite. */
const scriptTimeoutMs = 10 * 60_000;

/** Delay bounds of the LISTEN reconnect loop (doubling from min to max). */
const reconnectMinDelayMs = 100;
const reconnectMaxDelayMs = 5_000;

const isolationSql: Record<NonNullable<TransactionOptions['isolation']>, string> = {
  'read committed': 'BEGIN ISOLATION LEVEL READ COMMITTED',
  'repeatable read': 'BEGIN ISOLATION LEVEL REPEATABLE READ',
  serializable: 'BEGIN ISOLATION LEVEL SERIALIZABLE',
};

/** Quotes `name` as an SQL identifier (double quotes doubled), for LISTEN/UNLISTEN. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Per-pool type parsers: int8 and numeric stay strings even if some other code changed pg's
 * global parsers; everything else (timestamptz → Date, int4 → number, json → object) is pg's.
 */
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    stringTypeOids.has(oid)
      ? (value: string) => value
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** A query config with the per-query client timeout pg supports but @types/pg omits. */
type TimedQueryConfig = pg.QueryConfig & { query_timeout?: number };

/**
 * Names parameterized statements so pg prepares each once per connection (PostgreSQL then skips
 * parsing and planning on every later execution). Names are stable per SQL text; at most
 * `maxPrepared` distinct texts are named, any further ones run unnamed, so dynamic SQL cannot
 * grow the server-side cache without bound. Behind PgBouncer in transaction mode older than 1.21,
 * turn this off (`preparedStatements: false`).
 */
export class StatementNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly maxPrepared = 500) {}

  /** The query config for `text` with `params`: named when parameterized and within the limit. */
  config(text: string, params: readonly unknown[] | undefined, options?: QueryOptions): pg.QueryConfig {
    const rowMode = options?.rowMode === 'array' ? { rowMode: 'array' as const } : {};
    if (!params || params.length === 0) return { text, ...rowMode };
    let name = this.names.get(text);
    if (name === undefined) {
      if (this.names.size >= this.maxPrepared) return { text, values: params as unknown[], ...rowMode };
      name = `chompardo_${this.names.size + 1}`;
      this.names.set(text, name);
    }
    return { name, text, values: params as unknown[], ...rowMode };
  }
}

function toResult<R>(result: pg.QueryResult): QueryResult<R> {
  // pg reports null for commands without a row count (e.g. CREATE); the port wants a number.
  return { rows: result.rows as R[], rowCount: result.rowCount ?? 0, fields: result.fields };
}

/** A checked-out client wrapped for callers, with its health as seen while it was out. */
interface CheckedOutSession {
  session: ScriptQueryable;
  /** Records that the connection is unusable, so release destroys it instead of pooling it. */
  markBroken(err: unknown): void;
  /** Releases the client to the pool, or destroys it when it was marked broken. */
  release(): void;
}

/**
 * Wraps a checked-out client as a {@link ScriptQueryable}. pg emits `error` on a checked-out
 * client whose socket dies between queries; without a listener that would crash the process, so
 * we record it and destroy the client on release.
 */
function checkOut(client: pg.PoolClient, statements: StatementNames | undefined): CheckedOutSession {
  let brokenBy: unknown;
  const markBroken = (err: unknown): void => {
    brokenBy ??= err ?? new Error('connection broken');
  };
  client.on('error', markBroken);
  const session: ScriptQueryable = {
    async query<R>(text: string, params?: readonly unknown[], options?: QueryOptions) {
      return toResult<R>(
        await (statements
          ? client.query(statements.config(text, params, options))
          : client.query({ text, values: params as unknown[] | undefined, ...(options?.rowMode ? { rowMode: options.rowMode } : {}) })),
      );
    },
    async exec(sql: string) {
      const config: TimedQueryConfig = { text: sql, query_timeout: scriptTimeoutMs };
      await client.query(config);
    },
  };
  return {
    session,
    markBroken,
    release() {
      client.removeListener('error', markBroken);
      client.release(brokenBy === undefined ? undefined : brokenBy instanceof Error ? brokenBy : true);
    },
  };
}

/**
 * Builds the {@link ManagedDb} on a `pg.Pool`. Every pooled session gets `statement_timeout`
 * and `idle_in_transaction_session_timeout`, a client-side read timeout just above the statement
 * timeout, TCP keep-alive and a connect timeout, so no call waits forever on a dead server.
 * Errors of idle clients are logged, never thrown. LISTEN uses one dedicated client outside the
 * pool that reconnects with backoff; see {@link ManagedDb.onNotificationReconnect}.
 * Errors are raw `pg` errors: callers map them with `mapDbError`.
 */
export function createPgDb(options: PgDbOptions): ManagedDb {
  const statementTimeoutMs = options.statementTimeoutMs ?? 15_000;
  const connectionTimeoutMs = options.connectionTimeoutMs ?? 3_000;
  const logger = options.logger;
  const clientConfig: pg.ClientConfig = {
    connectionString: options.connectionString,
    application_name: options.applicationName ?? 'chompardo-api',
    connectionTimeoutMillis: connectionTimeoutMs,
    keepAlive: true,
    types: typeParsers,
  };
  const pool = new pg.Pool({
    ...clientConfig,
    max: options.max,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeoutMs,
    idle_in_transaction_session_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + 1_000,
  });
  pool.on('error', (err) => {
    // An idle client lost its connection (server restart, network); the pool drops it by itself.
    logger?.warn({ err }, 'idle database client error');
  });

  const statements = options.preparedStatements === false ? undefined : new StatementNames();
  const notifications = createNotificationListener(clientConfig, logger);
  if (options.onNotificationReconnect) notifications.onReconnect(options.onNotificationReconnect);

  async function runOnClient<T>(fn: (checkedOut: CheckedOutSession, client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    const checkedOut = checkOut(client, statements);
    try {
      return await fn(checkedOut, client);
    } catch (e) {
      // A client whose connection failed must not go back to the pool.
      if (isConnectionError(e)) checkedOut.markBroken(e);
      throw e;
    } finally {
      checkedOut.release();
    }
  }

  return {
    kind: 'postgres',

    async query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
      return toResult<R>(
        await (statements
          ? pool.query(statements.config(text, params, options))
          : pool.query({ text, values: params as unknown[] | undefined, ...(options?.rowMode ? { rowMode: options.rowMode } : {}) })),
      );
    },

    async exec(sql: string): Promise<void> {
      await runOnClient(({ session }) => session.exec(sql));
    },

    transaction<T>(fn: (tx: ScriptQueryable) => Promise<T>, txOptions?: TransactionOptions): Promise<T> {
      return runOnClient(async (checkedOut, client) => {
        await client.query(isolationSql[txOptions?.isolation ?? 'read committed']);
        let result: T;
        try {
          result = await fn(checkedOut.session);
        } catch (e) {
          try {
            await client.query('ROLLBACK');
          } catch (rollbackError) {
            // The session state is unknown: never reuse it. The caller needs the original error.
            checkedOut.markBroken(rollbackError);
            logger?.warn({ err: rollbackError }, 'rollback failed');
          }
          throw e;
        }
        const commit = await client.query('COMMIT');
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
      return runOnClient(({ session }) => fn(session));
    },

    async ping(): Promise<boolean> {
      const config: TimedQueryConfig = { text: 'SELECT 1', query_timeout: connectionTimeoutMs };
      const probe = pool.query(config).then(
        () => true,
        () => false,
      );
      // Waiting for a pool slot and then for the answer could add up to two timeouts; readiness
      // checks want one bounded answer.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), connectionTimeoutMs);
      });
      try {
        return await Promise.race([probe, deadline]);
      } finally {
        clearTimeout(timer);
      }
    },

    listen: (channel: string, handler: NotificationHandler) => notifications.listen(channel, handler),

    async notify(channel: string, payload: string, via?: Queryable): Promise<void> {
      if (via) await via.query('SELECT pg_notify($1, $2)', [channel, payload]);
      else await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },

    stats() {
      return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
    },

    onNotificationReconnect: (callback: () => void) => notifications.onReconnect(callback),

    async close(): Promise<void> {
      await notifications.close();
      await pool.end();
    },
  };
}

/** The dedicated LISTEN connection of a pg Db. */
interface NotificationListener {
  listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>>;
  onReconnect(callback: () => void): () => void;
  close(): Promise<void>;
}

/**
 * One long-lived client (not from the pool, so LISTEN never occupies a pool slot and survives
 * pool churn) carrying every LISTEN of the process. When its connection drops it reconnects
 * with exponential backoff, LISTENs all channels again, then runs the reconnect callbacks.
 */
function createNotificationListener(clientConfig: pg.ClientConfig, logger: DbLogger | undefined): NotificationListener {
  const handlers = new Map<string, Set<NotificationHandler>>();
  const reconnectCallbacks = new Set<() => void>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let reconnectDelay = reconnectMinDelayMs;
  let closed = false;

  function dispatch(message: pg.Notification): void {
    const set = handlers.get(message.channel);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        handler(message.payload ?? '');
      } catch (err) {
        // One faulty handler must not starve the others nor kill the connection.
        logger?.error({ err, channel: message.channel }, 'notification handler failed');
      }
    }
  }

  function onLost(lost: pg.Client, err?: unknown): void {
    if (client !== lost) return;
    client = undefined;
    lost.removeAllListeners('notification');
    lost.end().catch(() => undefined);
    if (closed) return;
    logger?.warn({ err }, 'notification connection lost; reconnecting');
    scheduleReconnect();
  }

  function scheduleReconnect(): void {
    if (closed || reconnectTimer || handlers.size === 0) return;
    const delay = reconnectDelay;
    reconnectDelay = Math.min(reconnectDelay * 2, reconnectMaxDelayMs);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect().then(
        () => {
          reconnectDelay = reconnectMinDelayMs;
          for (const callback of [...reconnectCallbacks]) {
            try {
              callback();
            } catch (err) {
              logger?.error({ err }, 'notification reconnect callback failed');
            }
          }
        },
        (err: unknown) => {
          logger?.warn({ err }, 'notification reconnect failed');
          scheduleReconnect();
        },
      );
    }, delay);
    // Reconnecting must not keep an otherwise finished process alive.
    reconnectTimer.unref();
  }

  function connect(): Promise<pg.Client> {
    if (client) return Promise.resolve(client);
    if (connecting) return connecting;
    connecting = (async () => {
      // Its own application_name tells operators (and tests) which backend carries the LISTENs.
      const fresh = new pg.Client({ ...clientConfig, application_name: `${clientConfig.application_name ?? 'chompardo-api'}:listen` });
      fresh.on('error', (err) => onLost(fresh, err));
      fresh.on('end', () => onLost(fresh));
      fresh.on('notification', dispatch);
      try {
        await fresh.connect();
        for (const channel of handlers.keys()) await fresh.query(`LISTEN ${quoteIdent(channel)}`);
      } catch (e) {
        fresh.removeAllListeners('end');
        await fresh.end().catch(() => undefined);
        throw e;
      }
      if (closed) {
        await fresh.end().catch(() => undefined);
        throw new Error('database closed');
      }
      client = fresh;
      return fresh;
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  }

  async function unlisten(channel: string, handler: NotificationHandler): Promise<void> {
    const set = handlers.get(channel);
    if (!set?.delete(handler) || set.size > 0) return;
    handlers.delete(channel);
    const current = client;
    if (current) {
      // Best effort: a dead connection has forgotten its LISTENs anyway.
      await current.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
    }
  }

  return {
    async listen(channel, handler) {
      if (closed) throw new Error('database closed');
      const existing = handlers.get(channel);
      if (existing) {
        existing.add(handler);
      } else {
        handlers.set(channel, new Set([handler]));
        try {
          const active = await connect();
          // A connect already in flight may have missed this channel; LISTEN twice is harmless.
          await active.query(`LISTEN ${quoteIdent(channel)}`);
        } catch (e) {
          handlers.get(channel)?.delete(handler);
          if (handlers.get(channel)?.size === 0) handlers.delete(channel);
          throw e;
        }
      }
      return () => unlisten(channel, handler);
    },
    onReconnect(callback) {
      reconnectCallbacks.add(callback);
      return () => reconnectCallbacks.delete(callback);
    },
    async close() {
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      const current = client ?? (await connecting?.catch(() => undefined));
      client = undefined;
      if (current) {
        current.removeAllListeners('end');
        await current.end().catch(() => undefined);
      }
    },
  };
}
