import pg from 'pg';
import type { NotificationHandler, QueryOptions, Queryable, QueryResult, TransactionOptions } from './db.js';
import {
  asConnectFailure,
  isConnectionError,
  isReadOnlyTransactionError,
  isUnconfirmedCommitNotice,
  UnconfirmedCommitError,
} from './db-errors.js';
import { defaultWriteSlots, laneOfStatement, PoolAdmission, type Lane } from './pool-admission.js';
import type { ManagedDb, ScriptQueryable } from './managed-db.js';
import { HostSelector, hostIndexOf, selectedHostClient } from './host-selector.js';
import { quoteIdent } from './sql-ident.js';

/** The logger calls the database layer makes (a pino logger fits). */
export interface DbLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of {@link createPgDb}. Defaults match the settings table (DB_* settings). */
export interface PgDbOptions {
  /**
   * Where the pool connects: a `postgres://` URL, also in libpq's multi-host form with
   * `target_session_attrs` (see {@link HostSelector}).
   */
  connectionString: string;
  /**
   * Where the LISTEN connection goes instead (a direct PostgreSQL address when
   * `connectionString` is a transaction-mode PgBouncer, which cannot carry LISTEN); default
   * `connectionString`.
   */
  listenConnectionString?: string;
  /**
   * How the session limits reach the server: `startup` (default) sends them as startup
   * parameters; `server` sends nothing and relies on the role's or database's own settings
   * (`ALTER ROLE … SET lock_timeout = …`), for poolers that refuse or drop startup parameters.
   */
  sessionLimits?: 'startup' | 'server';
  /** Maximum number of pooled connections (the LISTEN and health-check connections come on top). */
  max: number;
  applicationName?: string;
  logger?: DbLogger;
  /** Server-side `statement_timeout` of every session, ms (default 15000). */
  statementTimeoutMs?: number;
  /**
   * Server-side `lock_timeout` of every session, ms (default 1000): a lock held elsewhere fails the
   * statement (55P03) instead of stalling it. It bounds each lock acquisition: a write to a row
   * others also wait for may wait twice (the row's queue, then the holder's transaction).
   */
  lockTimeoutMs?: number;
  /** Server-side `idle_in_transaction_session_timeout` of every session, ms (default 10000). */
  idleInTransactionTimeoutMs?: number;
  /** How long opening a connection may take, ms (default 2000); also the deadline of `ping()`. */
  connectionTimeoutMs?: number;
  /** How long a caller may wait for a free pool slot before `PoolExhaustedError`, ms (default 1000). */
  poolWaitTimeoutMs?: number;
  /** Most callers waiting for a connection per lane (reads, writes); the next gets 503 at once (default 200). */
  poolQueueMax?: number;
  /** Connections that writes and transactions may hold at once (default {@link defaultWriteSlots} of `max`). */
  writeSlots?: number;
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
const reconnectMaxDelayMs = 2_000;

const isolationSql: Record<NonNullable<TransactionOptions['isolation']>, string> = {
  'read committed': 'BEGIN ISOLATION LEVEL READ COMMITTED',
  'repeatable read': 'BEGIN ISOLATION LEVEL REPEATABLE READ',
  serializable: 'BEGIN ISOLATION LEVEL SERIALIZABLE',
};

/**
 * Per-pool type parsers: int8 and numeric stay strings even if some other code changed pg's
 * global parsers; everything else (timestamptz → Date, int4 → number, json → object) is pg's.
 */
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    stringTypeOids.has(oid) ? (value: string) => value : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
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

/** Most statement texts whose lane is remembered (dynamic SQL beyond it is classified each time). */
const maxRememberedLanes = 1_000;

/**
 * Builds the {@link ManagedDb} on a `pg.Pool`. Every session (pooled, LISTEN, health check) opens
 * with `statement_timeout`, `lock_timeout` and `idle_in_transaction_session_timeout` as startup
 * parameters (no statement per query; `sessionLimits: 'server'` leaves them to the server's role
 * settings), TCP keep-alive and a connect timeout; pooled queries also get a client-side read
 * timeout just above the statement timeout, so no call waits forever on a dead server.
 *
 * Hosts: a multi-host connection string and `target_session_attrs` work as in libpq (see
 * {@link HostSelector}): new sessions go to the host that last fitted, each new session is
 * checked with one query when `target_session_attrs` is not `any`, and a caller whose connect
 * fails tries each further host once before it gets the error. A statement that fails with 25006
 * (a write on a server that was demoted to a standby) drops its connection and moves the
 * preference on; it answers 503 like any connection failure.
 *
 * Pooled connections are handed out through {@link PoolAdmission}: writes and transactions may
 * hold all but a few of them, so writes stalled on a lock held elsewhere never leave reads
 * without a connection; a caller that finds its lane's queue full fails at once, one that waits
 * past the pool wait timeout fails then, both with `PoolExhaustedError` (503). `ping()` runs on a
 * dedicated connection outside the pool, so a saturated pool is never reported as a database
 * that is down. Every failure to open a session is tagged with `asConnectFailure`. Errors of idle
 * clients are logged, never thrown. LISTEN uses one dedicated client outside the pool that
 * reconnects with backoff (following the primary); see {@link ManagedDb.onNotificationReconnect}.
 * Errors are raw `pg` errors: callers map them with `mapDbError`.
 */
export function createPgDb(options: PgDbOptions): ManagedDb {
  const statementTimeoutMs = options.statementTimeoutMs ?? 15_000;
  const connectionTimeoutMs = options.connectionTimeoutMs ?? 2_000;
  const logger = options.logger;
  const applicationName = options.applicationName ?? 'chompardo-api';
  const clientConfig: pg.ClientConfig = {
    application_name: applicationName,
    connectionTimeoutMillis: connectionTimeoutMs,
    keepAlive: true,
    types: typeParsers,
    ...(options.sessionLimits === 'server'
      ? {}
      : {
          // Sent in the startup packet: the server applies them as the session opens.
          statement_timeout: statementTimeoutMs,
          lock_timeout: options.lockTimeoutMs ?? 1_000,
          idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 10_000,
        }),
  };
  const hosts = new HostSelector(options.connectionString);
  const listenHosts = options.listenConnectionString ? new HostSelector(options.listenConnectionString) : hosts;
  const pool = new pg.Pool({
    ...clientConfig,
    Client: selectedHostClient(hosts),
    // pg-pool awaits what onConnect returns and drops the client when it rejects; @types/pg types it as void.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    ...(hosts.checksKind ? { onConnect: (client: pg.ClientBase) => hosts.check(client, hostIndexOf(client)) } : {}),
    max: options.max,
    idleTimeoutMillis: 30_000,
    // Capped: a longer timer would overflow Node's setTimeout and fire at once.
    query_timeout: Math.min(statementTimeoutMs + 1_000, 2_147_483_647),
  } as pg.PoolConfig);
  pool.on('error', (err) => {
    // An idle client lost its connection (server restart, network); the pool drops it by itself.
    logger?.warn({ err }, 'idle database client error');
  });
  const admission = new PoolAdmission({
    size: options.max,
    writeSlots: options.writeSlots ?? defaultWriteSlots(options.max),
    queueMax: options.poolQueueMax ?? 200,
    waitTimeoutMs: options.poolWaitTimeoutMs ?? 1_000,
  });
  const lanes = new Map<string, Lane>();
  const laneOf = (text: string): Lane => {
    let lane = lanes.get(text);
    if (lane === undefined) {
      lane = laneOfStatement(text);
      if (lanes.size < maxRememberedLanes) lanes.set(text, lane);
    }
    return lane;
  };

  const statements = options.preparedStatements === false ? undefined : new StatementNames();
  const notifications = createNotificationListener(listenHosts, { ...clientConfig, application_name: `${applicationName}:listen` }, logger);
  if (options.onNotificationReconnect) notifications.onReconnect(options.onNotificationReconnect);
  const health = createHealthProbe(hosts, { ...clientConfig, application_name: `${applicationName}:health` }, connectionTimeoutMs);

  /** A pooled client for `lane`, its admission slot held; give both back with {@link releaseClient} and `admission.release`. */
  async function acquire(lane: Lane): Promise<pg.PoolClient> {
    const admitted = admission.acquire(lane);
    if (admitted) await admitted;
    // As libpq does: a failed connect tries the next host (the selector has moved on), once each.
    for (let attempt = 1; ; attempt++) {
      try {
        return await pool.connect();
      } catch (e) {
        if (attempt < hosts.count && isConnectionError(e)) continue;
        admission.release(lane);
        throw asConnectFailure(e);
      }
    }
  }

  /** `broken`: why the connection must not be reused; a demoted server also loses the preference. */
  function releaseClient(client: pg.PoolClient, broken: unknown): void {
    if (broken !== undefined && isReadOnlyTransactionError(broken)) {
      hosts.failed(hostIndexOf(client));
      logger?.warn({ host: hosts.label(hostIndexOf(client)) }, 'a write reached a read-only server (demoted?): dropping the connection');
    }
    client.release(broken === undefined ? undefined : broken instanceof Error ? broken : true);
  }

  /**
   * What is watched on each client for as long as it lives (listeners attached once, when the pool
   * connects it, not per statement): `error` (its socket died between queries; unheard it would
   * crash the process) marks it broken, and a commit that stopped waiting for the synchronous
   * standby (the server's warning) must fail rather than be acknowledged (ADR 19).
   */
  const watched = new WeakMap<pg.ClientBase, ClientWatch>();
  pool.on('connect', (client) => {
    const state: ClientWatch = { broken: undefined, unconfirmed: false };
    watched.set(client, state);
    client.on('error', (err) => markBroken(state, err));
    client.on('notice', (notice: { message?: string }) => {
      if (isUnconfirmedCommitNotice(notice)) state.unconfirmed = true;
    });
  });

  /** The watch of a client just checked out, cleared for this use. */
  function watch(client: pg.PoolClient): ClientWatch {
    let state = watched.get(client);
    if (state === undefined) {
      state = { broken: undefined, unconfirmed: false };
      watched.set(client, state);
    }
    state.broken = undefined;
    state.unconfirmed = false;
    return state;
  }

  async function runOnClient<T>(
    fn: (session: ScriptQueryable, client: pg.PoolClient, markBroken: (err: unknown) => void) => Promise<T>,
  ): Promise<T> {
    const client = await acquire('write');
    const state = watch(client);
    try {
      const result = await fn(sessionOf(client, statements), client, (err) => markBroken(state, err));
      checkConfirmed(state);
      return result;
    } catch (e) {
      // A client whose connection failed must not go back to the pool.
      if (isConnectionError(e)) markBroken(state, e);
      throw e;
    } finally {
      releaseClient(client, state.broken);
      admission.release('write');
    }
  }

  async function runStatement<R>(lane: Lane, config: pg.QueryConfig): Promise<QueryResult<R>> {
    const client = await acquire(lane);
    const state = watch(client);
    try {
      const result = toResult<R>(await client.query(config));
      checkConfirmed(state);
      return result;
    } catch (e) {
      if (isConnectionError(e)) markBroken(state, e);
      throw e;
    } finally {
      releaseClient(client, state.broken);
      admission.release(lane);
    }
  }

  return {
    kind: 'postgres',

    query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
      const config = statements
        ? statements.config(text, params, options)
        : { text, values: params as unknown[] | undefined, ...(options?.rowMode ? { rowMode: options.rowMode } : {}) };
      return runStatement<R>(laneOf(text), config);
    },

    async exec(sql: string): Promise<void> {
      await runOnClient((session) => session.exec(sql));
    },

    transaction<T>(fn: (tx: ScriptQueryable) => Promise<T>, txOptions?: TransactionOptions): Promise<T> {
      return runOnClient(async (session, client, markBroken) => {
        await client.query(isolationSql[txOptions?.isolation ?? 'read committed']);
        let result: T;
        try {
          result = await fn(session);
        } catch (e) {
          try {
            await client.query('ROLLBACK');
          } catch (rollbackError) {
            // The session state is unknown: never reuse it. The caller needs the original error.
            markBroken(rollbackError);
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
      return runOnClient((session) => fn(session));
    },

    ping: () => health.ping(),

    listen: (channel: string, handler: NotificationHandler) => notifications.listen(channel, handler),

    async notify(channel: string, payload: string, via?: Queryable): Promise<void> {
      if (via) await via.query('SELECT pg_notify($1, $2)', [channel, payload]);
      else await runStatement('write', { text: 'SELECT pg_notify($1, $2)', values: [channel, payload] });
    },

    stats() {
      return { total: pool.totalCount, idle: pool.idleCount, waiting: admission.waiting + pool.waitingCount };
    },

    queueSample: () => admission.takeQueueSample(),
    queueLength: () => admission.waiting,

    onNotificationReconnect: (callback: () => void) => notifications.onReconnect(callback),

    async close(): Promise<void> {
      admission.close();
      await Promise.all([notifications.close(), health.close()]);
      await pool.end();
    },
  };
}

/** What {@link createPgDb} watches on one pooled client; reset each time it is checked out. */
interface ClientWatch {
  /** Why the connection must not be reused (its socket failed, a commit went unconfirmed). */
  broken: unknown;
  /** The server warned that a commit's synchronous-standby wait was cancelled. */
  unconfirmed: boolean;
}

function markBroken(state: ClientWatch, err: unknown): void {
  state.broken ??= err ?? new Error('connection broken');
}

/** Throws (and marks the connection broken) when the last commit was not confirmed by the standby. */
function checkConfirmed(state: ClientWatch): void {
  if (!state.unconfirmed) return;
  const err = new UnconfirmedCommitError();
  markBroken(state, err);
  throw err;
}

/** A checked-out client as a {@link ScriptQueryable}: named statements unless turned off, long scripts. */
function sessionOf(client: pg.PoolClient, statements: StatementNames | undefined): ScriptQueryable {
  return {
    async query<R>(text: string, params?: readonly unknown[], options?: QueryOptions) {
      return toResult<R>(
        await client.query(
          statements
            ? statements.config(text, params, options)
            : { text, values: params as unknown[] | undefined, ...(options?.rowMode ? { rowMode: options.rowMode } : {}) },
        ),
      );
    },
    async exec(sql: string) {
      const config: TimedQueryConfig = { text: sql, query_timeout: scriptTimeoutMs };
      await client.query(config);
    },
  };
}

/** The health-check connection of a pg Db. */
interface HealthProbe {
  /** True when `SELECT 1` succeeds on the probe's own session within the deadline. Never throws. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * One client outside the pool, opened on first use and kept, that only runs `SELECT 1`: what
 * readiness asks is "can this instance reach its database", which a pool whose every connection
 * is busy (writes stalled on a lock, a burst) cannot answer. Concurrent pings share one probe.
 * A probe that fails on a kept connection (the server restarted, failed over) is tried once more
 * on a new one, opened on whichever host fits now. Every ping answers within `timeoutMs`.
 */
function createHealthProbe(hosts: HostSelector, clientConfig: pg.ClientConfig, timeoutMs: number): HealthProbe {
  let client: pg.Client | undefined;
  let inFlight: Promise<boolean> | undefined;
  let closed = false;

  function drop(stale: pg.Client): void {
    if (client === stale) client = undefined;
    stale.end().catch(() => undefined);
  }

  async function open(): Promise<pg.Client> {
    const fresh = await hosts.open(clientConfig);
    // An error between probes (server restart, idle timeout) only means: reconnect next time.
    fresh.on('error', () => drop(fresh));
    if (closed) {
      await fresh.end().catch(() => undefined);
      throw new Error('database closed');
    }
    client = fresh;
    return fresh;
  }

  async function selectOne(on: pg.Client): Promise<void> {
    try {
      const config: TimedQueryConfig = { text: 'SELECT 1', query_timeout: timeoutMs };
      await on.query(config);
    } catch (e) {
      drop(on);
      throw e;
    }
  }

  async function probe(): Promise<boolean> {
    const kept = client;
    if (kept) {
      try {
        await selectOne(kept);
        return true;
      } catch {
        // Fall through to a new connection.
      }
    }
    if (closed) return false;
    try {
      await selectOne(await open());
      return true;
    } catch {
      return false;
    }
  }

  return {
    async ping() {
      if (closed) return false;
      inFlight ??= probe().finally(() => {
        inFlight = undefined;
      });
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        return await Promise.race([inFlight, deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      closed = true;
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
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
 * One long-lived client outside the pool carrying every LISTEN of the process (a LISTEN never
 * takes a pool slot and survives pool churn). It is opened on the host that fits (the primary:
 * NOTIFY is not replicated to standbys). When it drops it is opened again with backoff (100 ms
 * doubling to 2 s) while any channel is listened to, LISTENs every channel again, then runs the
 * reconnect callbacks: notifications sent in the gap are lost, so NOTIFY-fed caches flush there.
 * Hand-written rather than pg-listen for the reasons in docs/adr/0018.
 */
function createNotificationListener(
  hosts: HostSelector,
  clientConfig: pg.ClientConfig,
  logger: DbLogger | undefined,
): NotificationListener {
  const handlers = new Map<string, Set<NotificationHandler>>();
  const reconnectCallbacks = new Set<() => void>();
  let current: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let delay = reconnectMinDelayMs;
  let closed = false;
  const ignore = (): void => undefined;

  function dispatch(message: pg.Notification): void {
    for (const handler of [...(handlers.get(message.channel) ?? [])]) {
      try {
        handler(message.payload ?? '');
      } catch (err) {
        // One faulty handler must not starve the others nor kill the connection.
        logger?.error({ err, channel: message.channel }, 'notification handler failed');
      }
    }
  }

  function discard(stale: pg.Client): Promise<void> {
    stale.removeAllListeners('notification');
    stale.removeAllListeners('end');
    stale.removeAllListeners('error');
    stale.on('error', ignore);
    return stale.end().catch(ignore);
  }

  /** The connection, opened (every channel LISTENed) when there is none; concurrent callers share one attempt. */
  function connection(): Promise<pg.Client> {
    if (current) return Promise.resolve(current);
    connecting ??= (async () => {
      const fresh = await hosts.open(clientConfig);
      fresh.on('notification', dispatch);
      fresh.on('error', (err) => lose(fresh, err));
      fresh.on('end', () => lose(fresh));
      try {
        for (const channel of handlers.keys()) await fresh.query(`LISTEN ${quoteIdent(channel)}`);
        if (closed) throw new Error('database closed');
      } catch (e) {
        await discard(fresh);
        throw e;
      }
      current = fresh;
      return fresh;
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  }

  function lose(lost: pg.Client, err?: unknown): void {
    if (current !== lost) return;
    current = undefined;
    void discard(lost);
    if (closed) return;
    logger?.warn({ err }, 'notification connection lost; reconnecting');
    scheduleReconnect();
  }

  function scheduleReconnect(): void {
    if (closed || retryTimer || handlers.size === 0) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connection().then(
        () => {
          delay = reconnectMinDelayMs;
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
          delay = Math.min(delay * 2, reconnectMaxDelayMs);
          scheduleReconnect();
        },
      );
    }, delay);
    // Reconnecting must not keep an otherwise finished process alive.
    retryTimer.unref();
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
          // A connect already in flight may have missed this channel; LISTEN twice is harmless.
          await (await connection()).query(`LISTEN ${quoteIdent(channel)}`);
        } catch (e) {
          handlers.get(channel)?.delete(handler);
          if (handlers.get(channel)?.size === 0) handlers.delete(channel);
          throw e;
        }
      }
      return async () => {
        const set = handlers.get(channel);
        if (!set?.delete(handler) || set.size > 0) return;
        handlers.delete(channel);
        // Best effort: a dead connection has forgotten its LISTENs anyway.
        await current?.query(`UNLISTEN ${quoteIdent(channel)}`).catch(ignore);
      };
    },
    onReconnect(callback) {
      reconnectCallbacks.add(callback);
      return () => reconnectCallbacks.delete(callback);
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      const open = current ?? (await connecting?.catch(() => undefined));
      current = undefined;
      if (open) await discard(open);
    },
  };
}
