import type { Db, QueryOptions, QueryResult, QueueSample } from './db.js';
import { isConnectionError, PoolExhaustedError, sqlStateOf } from './db-errors.js';
import { laneOfStatement } from './pool-admission.js';

/** The logger calls the router makes (a pino logger fits). */
export interface ReadRouterLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

/** Options of {@link createReadRouter}. */
export interface ReadRouterOptions {
  /** Where writes, transactions and every read the replica may not serve go. */
  primary: Db;
  /** A hot standby of `primary` (its own pool); the router owns it and closes it. */
  replica: Db;
  /** Schemas whose plain reads the replica may serve (e.g. `movie`, `recipe`). */
  schemas: readonly string[];
  logger?: ReadRouterLogger;
  /** How often the replica's replay position is read while it is behind this instance's writes, ms (default 20). */
  catchUpPollMs?: number;
  /** How often a replica found down is probed again, ms (default 1000). */
  recheckMs?: number;
}

/** The replica as the router sees it, for metrics. */
export interface ReplicaState {
  /** The replica answers (false after a connection failure, until a probe succeeds). */
  up: boolean;
  /** The replica has replayed every write this instance made: reads go to it. */
  current: boolean;
  /** Reads served by the replica so far. */
  reads: number;
}

/** Sends the reads it may to a hot standby (see {@link createReadRouter}). */
export interface ReadRouter {
  /** Runs `text` on the replica when it may serve it and is current, else on the primary. */
  query<R>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
  /** Records that this instance wrote (or may have): reads wait for the replica to replay it. */
  noteWrite(): void;
  state(): ReplicaState;
  /** The replica pool's {@link Db.queueSample} and {@link Db.queueLength}. */
  queueSample(): QueueSample;
  queueLength(): number;
  close(): Promise<void>;
}

/** What the router does with one statement text (decided once per text). */
type Route = 'replica' | 'primary' | 'write' | 'fencing-write';

const relation = /\b(?:from|join|into|update)\s+"?([a-z_][a-z0-9_]*)"?\s*\./gi;
/** String literals and comments: their words name no relation. */
const literalsAndComments = /'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\//g;
const maxRememberedRoutes = 1_000;

/** `X/Y` (pg_lsn as text) as a number that orders like the LSN. */
function lsnValue(text: string): bigint {
  const [high = '0', low = '0'] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

function routeOf(text: string, schemas: ReadonlySet<string>): Route {
  const named = new Set<string>();
  for (const match of text.replace(literalsAndComments, ' ').matchAll(relation)) named.add((match[1] ?? '').toLowerCase());
  const touchesServed = named.size === 0 || [...named].some((schema) => schemas.has(schema));
  if (laneOfStatement(text) === 'write') return touchesServed ? 'fencing-write' : 'write';
  return named.size > 0 && [...named].every((schema) => schemas.has(schema)) ? 'replica' : 'primary';
}

/**
 * Read routing to a hot standby, with read-your-writes for every caller of this instance.
 *
 * A statement goes to the replica when it is a plain read (the pool's `read` lane: a `SELECT`
 * without locking clause, advisory lock or NOTIFY) that names only relations of `schemas`, it runs
 * outside a transaction (the handle sends transactions to the primary), the replica is up, and
 * the replica has replayed every write this instance made. That last condition is an LSN fence:
 * after a write (a statement writing to a served schema, or any transaction), the router reads the
 * primary's `pg_current_wal_insert_lsn()` — at or past the write's commit record even with
 * `synchronous_commit = off` (the write position may still be before it) — and polls the
 * replica's `pg_last_wal_replay_lsn()` every `catchUpPollMs` until it has reached it; meanwhile
 * reads go to the primary. So a replica made to lag (`recovery_min_apply_delay`) serves nothing
 * that this instance wrote and it has not replayed, and serves everything once it has.
 *
 * A replica read that fails because the replica cannot be reached, is saturated, or cancelled the
 * statement for a recovery conflict runs again on the primary (the caller sees no error); a
 * connection failure also marks the replica down until a probe every `recheckMs` succeeds. Per
 * query the hot path costs one map lookup and a flag check.
 */
export function createReadRouter(options: ReadRouterOptions): ReadRouter {
  const { primary, replica, logger } = options;
  const schemas = new Set(options.schemas.map((schema) => schema.toLowerCase()));
  const catchUpPollMs = options.catchUpPollMs ?? 20;
  const recheckMs = options.recheckMs ?? 1_000;
  const routes = new Map<string, Route>();
  let up = false;
  /** Writes noted so far; the fence covers those up to `fencedWrites`. Migrations ran before: one write. */
  let writes = 1;
  let fencedWrites = 0;
  let fenceLsn = 0n;
  /** `up` and the replica has replayed `fenceLsn` and the fence covers every write: the hot-path flag. */
  let current = false;
  let reads = 0;
  let catchingUp = false;
  let recheck: NodeJS.Timeout | undefined;
  let closed = false;

  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

  async function catchUp(): Promise<void> {
    if (catchingUp || closed) return;
    catchingUp = true;
    try {
      while (!closed && up && !current) {
        const covering = writes;
        if (fencedWrites !== covering) {
          const { rows } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
          fenceLsn = lsnValue(rows[0]?.lsn ?? '0/0');
          fencedWrites = covering;
        }
        let replayed: bigint | undefined;
        try {
          const { rows } = await replica.query<{ lsn: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS lsn');
          // NULL: not in recovery (a promoted replica) — it has everything it will ever replay.
          const lsn = rows[0]?.lsn;
          replayed = lsn === null || lsn === undefined ? undefined : lsnValue(lsn);
        } catch (e) {
          if (isConnectionError(e)) markDown(e);
          return;
        }
        if ((replayed === undefined || replayed >= fenceLsn) && fencedWrites === writes) {
          current = up;
          return;
        }
        await sleep(catchUpPollMs);
      }
    } catch {
      // The primary did not answer the fence query: stay on the primary and try again shortly.
      if (!closed) setTimeout(() => void catchUp(), recheckMs).unref();
    } finally {
      catchingUp = false;
      // A write noted while this loop was finishing needs another round.
      if (!closed && up && !current && fencedWrites !== writes) void catchUp();
    }
  }

  function markUp(): void {
    if (up || closed) return;
    up = true;
    logger?.info({ replica: 'up' }, "read replica reachable: reads go to it once it has replayed this instance's writes");
    void catchUp();
  }

  function markDown(err: unknown): void {
    if (closed) return;
    current = false;
    if (up) logger?.warn({ err, replica: 'down' }, 'read replica unreachable: reads go to the primary');
    up = false;
    scheduleRecheck();
  }

  function scheduleRecheck(): void {
    if (recheck || closed) return;
    recheck = setTimeout(() => {
      recheck = undefined;
      void replica.ping().then((ok) => (ok ? markUp() : scheduleRecheck()));
    }, recheckMs);
    recheck.unref();
  }

  // The first probe: until it answers, reads go to the primary.
  void replica.ping().then((ok) => (ok ? markUp() : scheduleRecheck()));

  function routeFor(text: string): Route {
    let route = routes.get(text);
    if (route === undefined) {
      route = routeOf(text, schemas);
      if (routes.size < maxRememberedRoutes) routes.set(text, route);
    }
    return route;
  }

  return {
    async query<R>(text: string, params?: readonly unknown[], queryOptions?: QueryOptions): Promise<QueryResult<R>> {
      const route = routeFor(text);
      if (route === 'replica' && current) {
        try {
          const result = await replica.query<R>(text, params, queryOptions);
          reads++;
          return result;
        } catch (e) {
          // 40001 on a standby: cancelled for a recovery conflict; the primary has no such conflict.
          const fallBack = isConnectionError(e) || sqlStateOf(e) === '40001';
          if (!fallBack) throw e;
          if (isConnectionError(e) && !(e instanceof PoolExhaustedError)) markDown(e);
          return primary.query<R>(text, params, queryOptions);
        }
      }
      if (route !== 'fencing-write') return primary.query<R>(text, params, queryOptions);
      try {
        return await primary.query<R>(text, params, queryOptions);
      } finally {
        this.noteWrite();
      }
    },
    noteWrite() {
      writes++;
      current = false;
      void catchUp();
    },
    state: () => ({ up, current, reads }),
    queueSample: () => replica.queueSample(),
    queueLength: () => replica.queueLength(),
    async close() {
      closed = true;
      if (recheck) clearTimeout(recheck);
      await replica.close();
    },
  };
}
