import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../errors/app-error.js';
import { isConnectionError, mapDbError, sqlStateOf } from '../db/db-errors.js';
import type { LogControl } from '../logging/logger.js';
import { bearerChallenge } from '../auth/auth-failure.js';

/** The exact body of every 500: nothing internal ever reaches a client. */
export const internalErrorBody = '{"error":{"kind":"internal_error","message":"internal server error - please contact support"}}';

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** `/ingredients/0/name` → `ingredients[0].name`. */
function pointerToParam(pointer: string): string {
  return pointer
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function join(base: string, name: unknown): string {
  const n = String(name);
  return base ? `${base}.${n}` : n;
}

/** Turns the first JSON Schema error of a request part into a client-safe AppError. */
export function validationToAppError(errors: AjvError[], context: string | undefined): AppError {
  const e = errors[0];
  if (!e) return new AppError('invalid_request_error', 'invalid request');
  const base = pointerToParam(e.instancePath);
  if (context === 'params') return new AppError('not_found_error', 'resource not found');
  if (context === 'body' && base === '' && e.keyword === 'type') {
    return new AppError('invalid_request_error', 'request body must be a JSON object');
  }
  // Header names are validated lower-case; report them the way clients write them (If-Match).
  let param = context === 'headers' ? base.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase()) : base;
  let message: string;
  switch (e.keyword) {
    case 'required':
      param = join(base, e.params.missingProperty);
      message = `${param} is required`;
      break;
    case 'additionalProperties':
      param = join(base, e.params.additionalProperty);
      message = `${param} is not an allowed property`;
      break;
    case 'type':
      message = `${param} must be of type ${String(e.params.type)}`;
      break;
    case 'maxLength':
      message = `${param} must be at most ${String(e.params.limit)} characters`;
      break;
    case 'minLength':
      message = Number(e.params.limit) === 1 ? `${param} is required` : `${param} must be at least ${String(e.params.limit)} characters`;
      break;
    case 'maximum':
    case 'minimum':
    case 'exclusiveMaximum':
    case 'exclusiveMinimum':
      message = `${param} must be ${String(e.params.comparison)} ${String(e.params.limit)}`;
      break;
    case 'maxItems':
      message = `${param} must have at most ${String(e.params.limit)} items`;
      break;
    case 'minItems':
      message = `${param} must have at least ${String(e.params.limit)} item${Number(e.params.limit) === 1 ? '' : 's'}`;
      break;
    case 'enum':
      message = `${param} must be one of: ${((e.params.allowedValues as unknown[]) ?? []).join(', ')}`;
      break;
    case 'const':
      message = `${param} must be ${JSON.stringify(e.params.allowedValue)}`;
      break;
    case 'pattern':
    case 'format':
      message = `${param} has an invalid format`;
      break;
    default:
      message = `${param || 'request'} is invalid`;
  }
  return new AppError('input_validation_error', message, param ? { param } : {});
}

/** Maps Fastify's own errors (parsing, limits, validation) and database errors to AppErrors; anything else is internal. */
export function toClientError(error: unknown): AppError {
  if (isAppError(error)) return error;
  // Database errors that reach the handler unmapped: unique violations → 409, data errors → 400,
  // connection loss → 503; the rest stay internal.
  if (sqlStateOf(error) !== undefined || isConnectionError(error)) return mapDbError(error);
  const fe = error as Partial<FastifyError> & { validation?: AjvError[]; validationContext?: string };
  if (fe && Array.isArray(fe.validation)) return validationToAppError(fe.validation, fe.validationContext);
  switch (fe?.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type_error', 'request body must be application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large_error', 'request body is too large');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('invalid_request_error', 'request body length does not match Content-Length');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('invalid_request_error', 'request body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('invalid_request_error', 'request body is not valid JSON');
    default:
      break;
  }
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status === 413) return new AppError('payload_too_large_error', 'request body is too large');
  if (status === 415) return new AppError('unsupported_media_type_error', 'request body must be application/json');
  if (status >= 400 && status < 500) return new AppError('invalid_request_error', 'invalid request', { cause: error });
  return new AppError('internal_error', 'internal server error - please contact support', { cause: error });
}

/**
 * The one error handler: 401 and 403 with empty bodies (401 with the Bearer challenge of its
 * reason, the `AppError.code`, and a debug line naming that reason), 500 masked, every other kind as `{"error":{kind,code,param,message}}`. Bodies are
 * serialized here, never through a route's response schema. Every error is logged with its kind,
 * param, code and op stack; 5xx with the full cause.
 */
export function createErrorHandler(logControl: LogControl) {
  return function handleError(this: unknown, error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const appError = toClientError(error);
    const status = appError.status;
    const logFields: Record<string, unknown> = {
      http_statuscode: status,
      kind: appError.kind,
      error: appError.message,
    };
    if (appError.param) logFields.param = appError.param;
    if (appError.code) logFields.code = appError.code;
    if (appError.ops.length) logFields.stack = appError.ops;
    const cause = appError.kind === 'internal_error' ? (appError.cause ?? error) : appError.cause;
    if (cause !== undefined && (status >= 500 || logControl.logErrorStack)) logFields.err = cause;
    if (status >= 500) request.log.error(logFields, 'error response sent to client');
    else request.log.info(logFields, 'error response sent to client');

    // Retry-After and Allow follow from the kind (AppError derives them); so does the 401 challenge.
    for (const [name, value] of Object.entries(appError.headers)) reply.header(name, value);
    reply.code(status);
    if (appError.kind === 'unauthenticated') {
      // The reason is the error's code; the challenge says it to the client (RFC 6750), debug says it to us.
      request.log.debug({ reason: appError.code }, `authentication failed: ${appError.message}`);
      reply.header('WWW-Authenticate', bearerChallenge(appError.code));
      void reply.send();
      return;
    }
    if (appError.kind === 'forbidden') {
      void reply.send();
      return;
    }
    reply.type('application/json; charset=utf-8');
    if (appError.kind === 'internal_error') {
      void reply.send(internalErrorBody);
      return;
    }
    const body: Record<string, string> = { kind: appError.kind };
    if (appError.code) body.code = appError.code;
    if (appError.param) body.param = appError.param;
    if (appError.message) body.message = appError.message;
    void reply.send(JSON.stringify({ error: body }));
  };
}
