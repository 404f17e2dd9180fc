import { AppError, isAppError } from '../errors/app-error.js';

/**
 * Network-level error codes (Node `net`/`dns`) that mean the database cannot be reached.
 * Any of them makes the request answer 503 instead of 500.
 */
const connectionErrnoCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/**
 * SQLSTATEs outside class 08 that mean "no usable session": admin/crash shutdown, cannot connect
 * now (starting up, recovery), database dropped, idle-session and idle-in-transaction timeouts
 * (the server closed our session), too many connections, and the refusals of a connection
 * attempt: authentication of our own role (28000, 28P01) and a database that does not exist
 * (3D000). Those last three are only ever raised while a session is being opened. And 25006
 * (read-only transaction): the API never opens read-only transactions, so a write refused as
 * read-only reached a standby — a primary demoted by a failover, or a host picked without
 * `target_session_attrs`; the connection is dropped and the request may succeed on the new primary.
 */
const connectionSqlStates = new Set(['57P01', '57P02', '57P03', '57P04', '57P05', '25P03', '53300', '28000', '28P01', '3D000', '25006']);

/**
 * SQLSTATEs of a refused connection attempt that no retry fixes without an operator: wrong
 * credentials or a role that may not log in (28000, 28P01), no such database (3D000), no CONNECT
 * privilege (42501). At runtime they still answer 503 (the database refuses us, the request is
 * not at fault); at startup they end the process instead of being retried.
 */
const permanentConnectSqlStates = new Set(['28000', '28P01', '3D000', '42501']);

/**
 * Marks errors raised while a session was being opened (see {@link asConnectFailure}): any
 * SQLSTATE then means the database refused us (e.g. 55000 `ALLOW_CONNECTIONS false`), whereas the
 * same SQLSTATE from a statement (55000 also means "currval not yet defined") is a query error.
 */
const connectPhase = Symbol('chompardo.connectPhase');

/**
 * Messages that `pg` / `pg-pool` put on plain `Error`s (no code) when the socket is gone, the
 * pool cannot hand out a client in time, or a client-side read timeout fired.
 */
const connectionMessageFragments = [
  'connection terminated',
  'timeout exceeded when trying to connect',
  'client has encountered a connection error',
  'query read timeout',
  'cannot use a pool after calling end on the pool',
  'not queryable',
  'connect econnrefused',
];

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function asErrorLike(e: unknown): ErrorLike | undefined {
  return typeof e === 'object' && e !== null ? (e as ErrorLike) : undefined;
}

/**
 * The driver error behind `e`: `e` itself, or for an AppError the error it was mapped from (its
 * `cause`; typed queries map every driver error, see typed-query.ts), so the predicates below
 * classify a mapped error as they classify the original.
 */
function driverErrorOf(e: unknown): unknown {
  return isAppError(e) ? e.cause : e;
}

/**
 * The SQLSTATE of a `pg` or PGlite error (5 characters), or of the driver error an AppError was
 * mapped from; undefined when there is none.
 */
export function sqlStateOf(e: unknown): string | undefined {
  const code = asErrorLike(driverErrorOf(e))?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Tags `e` (in place; it is returned) as raised while a session was being opened, so that
 * {@link isConnectionError} recognises it whatever its SQLSTATE. The pg Db calls it on every
 * failure of `pool.connect()` and of its dedicated clients' `connect()`. Non-objects are returned
 * unchanged.
 */
export function asConnectFailure<E>(e: E): E {
  if (typeof e === 'object' && e !== null && !Object.hasOwn(e, connectPhase)) {
    // Not enumerable: log serializers and deep equality checks see the driver's error unchanged.
    Object.defineProperty(e, connectPhase, { value: true });
  }
  return e;
}

function isConnectFailure(e: unknown): boolean {
  return typeof e === 'object' && e !== null && Object.hasOwn(e, connectPhase);
}

/** Why {@link PoolExhaustedError} was raised. */
export type PoolExhaustedReason = 'queue_full' | 'wait_timeout' | 'closed';

/**
 * A commit the server reported with the warning "canceling wait for synchronous replication": it
 * is committed on the primary but maybe not on its synchronous standby, so a failover may lose it.
 * The API must not acknowledge it: a connection error (503); the connection is dropped.
 */
export class UnconfirmedCommitError extends Error {
  constructor() {
    super('the commit was not confirmed by the synchronous standby (wait cancelled)');
    this.name = 'UnconfirmedCommitError';
  }
}

/**
 * True for the server's warning that a commit stopped waiting for synchronous replication
 * (statement timeout or cancel while the standby did not answer): see {@link UnconfirmedCommitError}.
 */
export function isUnconfirmedCommitNotice(notice: { message?: string }): boolean {
  return typeof notice.message === 'string' && /wait for synchronous replication/i.test(notice.message);
}

/**
 * No database connection could be had for this caller: the wait queue of its lane was full
 * (refused at once), its wait passed the connection timeout, or the Db was closed meanwhile.
 * A connection error for every purpose: 503 with `Retry-After`, retried at startup.
 */
export class PoolExhaustedError extends Error {
  readonly reason: PoolExhaustedReason;

  constructor(reason: PoolExhaustedReason, message: string) {
    super(message);
    this.name = 'PoolExhaustedError';
    this.reason = reason;
  }
}

/**
 * True when `e` says no usable database session could be had: refused/reset/timed-out sockets,
 * a refused connection attempt (any error tagged by {@link asConnectFailure}: authentication,
 * no such database, `ALLOW_CONNECTIONS false`, too many connections…), server shutdown
 * (57P01/57P02/57P03), class 08 SQLSTATEs, sessions the server closed (idle timeouts, database
 * dropped), pg's "Connection terminated…", the pool's connect timeout, a client-side query read
 * timeout, and {@link PoolExhaustedError}. Looks through `cause` and `AggregateError.errors`
 * (Node reports multi-address connect failures as an AggregateError); an AppError is judged by
 * the driver error it was mapped from, if any.
 */
export function isConnectionError(e: unknown, depth = 0): boolean {
  if (isAppError(e)) return e.cause !== undefined && isConnectionError(e.cause, depth + 1);
  const err = asErrorLike(e);
  if (!err || depth > 4) return false;
  if (e instanceof PoolExhaustedError || e instanceof UnconfirmedCommitError || isConnectFailure(e)) return true;
  const code = typeof err.code === 'string' ? err.code : undefined;
  if (code !== undefined) {
    if (connectionErrnoCodes.has(code) || connectionSqlStates.has(code)) return true;
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (typeof err.message === 'string') {
    const message = err.message.toLowerCase();
    if (connectionMessageFragments.some((fragment) => message.includes(fragment))) return true;
  }
  if (Array.isArray(err.errors) && err.errors.some((inner) => isConnectionError(inner, depth + 1))) return true;
  return err.cause !== undefined && isConnectionError(err.cause, depth + 1);
}

/**
 * True when `e` is a connection error that retrying will not fix without an operator: the
 * server refused the connection attempt for our role's credentials or LOGIN right (28000,
 * 28P01), for a database that does not exist (3D000) or for a missing CONNECT privilege (42501
 * while connecting). main.ts ends the process on these at startup instead of retrying; everything
 * else {@link isConnectionError} accepts (refused or unreachable server, too many connections,
 * database not accepting connections, starting up, pool exhausted) is retried.
 */
export function isPermanentConnectionError(e: unknown, depth = 0): boolean {
  if (isAppError(e)) return e.cause !== undefined && isPermanentConnectionError(e.cause, depth + 1);
  const err = asErrorLike(e);
  if (!err || depth > 4) return false;
  const state = sqlStateOf(e);
  if (state !== undefined && permanentConnectSqlStates.has(state) && (isConnectFailure(e) || connectionSqlStates.has(state))) return true;
  if (Array.isArray(err.errors) && err.errors.some((inner) => isPermanentConnectionError(inner, depth + 1))) return true;
  return err.cause !== undefined && isPermanentConnectionError(err.cause, depth + 1);
}

/**
 * True when `e` is a serialization failure (40001) or a deadlock (40P01): the transaction lost a
 * race and running it again from the start may succeed. See {@link withTxRetry}.
 */
export function isRetryableTxError(e: unknown): boolean {
  const state = sqlStateOf(e);
  return state === '40001' || state === '40P01';
}

/**
 * True when a write was refused because the session is read-only (25006): on this API, a session
 * on a standby (see the SQLSTATE list above).
 */
export function isReadOnlyTransactionError(e: unknown): boolean {
  return sqlStateOf(e) === '25006';
}

/** True when the statement was cancelled, typically by `statement_timeout` (57014). */
export function isStatementTimeout(e: unknown): boolean {
  return sqlStateOf(e) === '57014';
}

/** True when a lock was not granted within `lock_timeout` (55P03, lock_not_available). */
export function isLockTimeout(e: unknown): boolean {
  return sqlStateOf(e) === '55P03';
}

/** Options of {@link mapDbError}. */
export interface MapDbErrorOptions {
  /** Noun used in the client message of a unique violation: `<resource> already exists`. */
  resource?: string;
  /** Operation name recorded on the resulting AppError's op stack. */
  op?: string;
}

function unavailable(cause: unknown): AppError {
  // Retry-After follows from the kind (1 s).
  return new AppError('unavailable_error', 'the service is temporarily unavailable, please retry', { cause });
}

/**
 * Maps any error thrown by the database layer to an {@link AppError} whose message is safe for
 * clients (never SQL, constraint, table or column names):
 * - AppError → unchanged;
 * - 23505 unique violation → `conflict_error` "`<resource>` already exists";
 * - 23503 foreign key → `conflict_error` when the row is still referenced (delete/update of a
 *   parent), else `invalid_request_error` "a referenced resource does not exist";
 * - 23502 / 23514 / class 22 data exceptions → `input_validation_error` with a generic message;
 * - connection failures (any failure to obtain a session included), 57014 statement timeout,
 *   55P03 lock timeout, 40001/40P01 (after retries) → `unavailable_error` with `Retry-After`:
 *   the request lost a race with other work and the same request may succeed later, so it is
 *   not a 409 (409 is for conflicts the client's own request causes: duplicates, rows still
 *   referenced, an idempotency key or genesis already in progress);
 * - anything else → `internal_error` (the original error kept as `cause` for the log).
 */
export function mapDbError(e: unknown, options: MapDbErrorOptions = {}): AppError {
  const mapped = mapWithoutOp(e, options.resource ?? 'resource');
  return options.op ? mapped.withOp(options.op) : mapped;
}

function mapWithoutOp(e: unknown, resource: string): AppError {
  if (isAppError(e)) return e;
  const state = sqlStateOf(e);
  // Before the SQLSTATE switch: a refused connection attempt carries SQLSTATEs (55000, 42501)
  // that mean something else when a statement raises them.
  if (isConnectFailure(e)) return unavailable(e);
  if (state === undefined) {
    return isConnectionError(e)
      ? unavailable(e)
      : new AppError('internal_error', 'internal server error - please contact support', { cause: e });
  }
  switch (state) {
    case '23505':
      return new AppError('conflict_error', `${resource} already exists`, { cause: e, code: 'already_exists' });
    case '23503': {
      const detail = asErrorLike(e)?.detail;
      const stillReferenced = typeof detail === 'string' && detail.includes('is still referenced');
      return stillReferenced
        ? new AppError('conflict_error', `${resource} is still in use`, { cause: e, code: 'still_referenced' })
        : new AppError('invalid_request_error', 'a referenced resource does not exist', {
            cause: e,
            code: 'reference_not_found',
          });
    }
    case '23502':
      return new AppError('input_validation_error', 'a required value is missing', { cause: e, code: 'missing_value' });
    case '23514':
      return new AppError('input_validation_error', 'a value is not allowed', { cause: e, code: 'invalid_value' });
    case '22001':
      return new AppError('input_validation_error', 'a value is too long', { cause: e, code: 'value_too_long' });
    case '22003':
      return new AppError('input_validation_error', 'a number is out of range', { cause: e, code: 'out_of_range' });
    case '22007':
    case '22008':
      return new AppError('input_validation_error', 'a date or time value is invalid', {
        cause: e,
        code: 'invalid_datetime',
      });
    case '22P02':
      return new AppError('input_validation_error', 'a value has an invalid format', { cause: e, code: 'invalid_format' });
    case '57014':
    case '55P03':
    case '40001':
    case '40P01':
      return unavailable(e);
    default:
      if (state.startsWith('22')) {
        return new AppError('input_validation_error', 'a value is invalid', { cause: e, code: 'invalid_value' });
      }
      if (isConnectionError(e)) return unavailable(e);
      return new AppError('internal_error', 'internal server error - please contact support', { cause: e });
  }
}

/**
 * Runs `fn` (which should open its own transaction) and runs it again when it fails with a
 * serialization failure or deadlock, at most `attempts` times in total; the last error is
 * rethrown unchanged. Other errors are rethrown at once. A short jittered pause between tries
 * lets the competing transaction finish.
 */
export async function withTxRetry<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= attempts || !isRetryableTxError(e)) throw e;
      // Backing off with jitter breaks the lock-step that made both transactions collide.
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 10 * attempt) + 1));
    }
  }
}
