/**
 * The closed set of error kinds of the contract (docs/conventions.md). Domain and application code throw
 * {@link AppError} with one of these; only the HTTP error handler knows their statuses.
 * `unauthenticated` (401) and `forbidden` (403) answer with an empty body.
 */
export type ErrorKind =
  | 'input_validation_error'
  | 'invalid_request_error'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found_error'
  | 'method_not_allowed_error'
  | 'conflict_error'
  | 'precondition_failed_error'
  | 'payload_too_large_error'
  | 'unsupported_media_type_error'
  | 'unprocessable_error'
  | 'rate_limit_error'
  | 'internal_error'
  | 'unavailable_error';

/** HTTP status of each kind; the error handler is the only reader. */
export const statusOfKind: Readonly<Record<ErrorKind, number>> = {
  input_validation_error: 400,
  invalid_request_error: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found_error: 404,
  method_not_allowed_error: 405,
  conflict_error: 409,
  precondition_failed_error: 412,
  payload_too_large_error: 413,
  unsupported_media_type_error: 415,
  unprocessable_error: 422,
  rate_limit_error: 429,
  internal_error: 500,
  unavailable_error: 503,
};

/** Optional details of an {@link AppError}. */
export interface AppErrorOptions {
  /** The request parameter or body property at fault (input validation). */
  param?: string;
  /** A short machine-readable code, e.g. `invalid_date_format`. */
  code?: string;
  /** The underlying error; logged, never sent to a client. */
  cause?: unknown;
  /**
   * Seconds a client should wait before trying again: the `Retry-After` of a `rate_limit_error`
   * or `unavailable_error` (1 when not given). Ignored for every other kind.
   */
  retryAfterSeconds?: number;
  /** The methods the resource supports: the `Allow` of a `method_not_allowed_error` (ignored otherwise). */
  allow?: readonly string[];
  /**
   * Further response headers that do not follow from the kind (e.g. `RateLimit-Policy`). Headers
   * that do — `Retry-After`, `Allow`, and the 401's `WWW-Authenticate` (from `code`, see
   * platform/auth) — come from the kind and the options above.
   */
  headers?: Record<string, string>;
  /** The operation that raised the error, first entry of the op stack in the log. */
  op?: string;
}

/** Retry-After (seconds) of a 429 or 503 whose thrower named no delay. */
const defaultRetryAfterSeconds = 1;

/**
 * The thrower's extra headers, then those that follow from `kind`: `Retry-After` for
 * `rate_limit_error` and `unavailable_error` (unless the extra headers already carry one),
 * `Allow` for `method_not_allowed_error` when `allow` names methods.
 */
function headersOf(kind: ErrorKind, options: AppErrorOptions): Record<string, string> {
  const headers: Record<string, string> = { ...options.headers };
  if ((kind === 'rate_limit_error' || kind === 'unavailable_error') && headers['Retry-After'] === undefined) {
    headers['Retry-After'] = String(options.retryAfterSeconds ?? defaultRetryAfterSeconds);
  } else if (kind === 'method_not_allowed_error' && options.allow?.length) {
    headers.Allow = options.allow.join(', ');
  }
  return headers;
}

/**
 * The one error type of the platform. `message` must be safe to show to a client: it is sent for
 * every kind except `internal_error` (masked), `unauthenticated` and `forbidden` (empty body).
 * Response headers that follow from the kind are derived here (see {@link AppErrorOptions}); the
 * error handler sends `headers` as they are.
 */
export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly param: string | undefined;
  readonly code: string | undefined;
  /** Response headers: those that follow from the kind, then the thrower's extra ones. */
  readonly headers: Record<string, string>;
  /** Operations the error passed through, innermost first (diygoapi's op stack). */
  readonly ops: string[];

  constructor(kind: ErrorKind, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.kind = kind;
    this.param = options.param;
    this.code = options.code;
    this.headers = headersOf(kind, options);
    this.ops = options.op ? [options.op] : [];
  }

  /** The HTTP status of this error's kind. */
  get status(): number {
    return statusOfKind[this.kind];
  }

  /** Records that the error passed through `op`; returns the same error for `throw e.withOp(...)`. */
  withOp(op: string): this {
    this.ops.push(op);
    return this;
  }
}

/** True when `e` is an {@link AppError}. */
export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** A missing or blank required field: `<param> is required` (diygoapi's MissingField). */
export function missingField(param: string): AppError {
  return new AppError('input_validation_error', `${param} is required`, { param });
}

/** An input validation failure on `param` with a client-safe message. */
export function invalidField(param: string, message: string, code?: string): AppError {
  return new AppError('input_validation_error', message, code ? { param, code } : { param });
}

/** The resource does not exist or the caller may not know it exists. */
export function notFound(what = 'resource'): AppError {
  return new AppError('not_found_error', `${what} not found`);
}

/** Wraps anything into an AppError, keeping AppErrors as they are and masking the rest. */
export function toAppError(e: unknown, op?: string): AppError {
  const err = isAppError(e) ? e : new AppError('internal_error', 'internal server error - please contact support', { cause: e });
  return op ? err.withOp(op) : err;
}
