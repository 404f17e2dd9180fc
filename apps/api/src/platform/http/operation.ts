import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { RequestAuth } from '../auth/ports.js';

/**
 * Typed operation handlers derived from openapi-typescript's `operations` interface: the
 * TypeScript counterpart of oapi-codegen's ServerInterface. A module declares
 * `const handlers: OperationHandlers<operations> = {...}`; a missing operation, a wrong body type
 * or an undeclared status is a compile error.
 */

type JsonContent<C> = C extends { content: { 'application/json': infer B } } ? B : never;

/** The body type of one response object: its JSON schema type, a string for other media types. */
type ResponseBody<R> = R extends { content: { 'application/json': infer B } }
  ? B
  : R extends { content: object }
    ? string | Buffer
    : undefined;

type PartOf<O, K extends string> = O extends { parameters: infer P }
  ? P extends Record<K, infer X>
    ? [NonNullable<X>] extends [never]
      ? Record<string, never>
      : NonNullable<X>
    : P extends Partial<Record<K, infer Y>>
      ? [NonNullable<Y>] extends [never]
        ? Record<string, never>
        : NonNullable<Y>
      : Record<string, never>
  : Record<string, never>;

type BodyOf<O> = O extends { requestBody: infer RB }
  ? JsonContent<RB>
  : O extends { requestBody?: infer RB }
    ? [NonNullable<RB>] extends [never]
      ? undefined
      : JsonContent<NonNullable<RB>> | undefined
    : undefined;

/** What a handler receives: validated params, query and body, the caller, a request logger. */
export interface OperationRequest<O> {
  params: PartOf<O, 'path'>;
  query: PartOf<O, 'query'>;
  body: BodyOf<O>;
  /** Raw request headers (lower-case names), e.g. `if-match`. */
  headers: IncomingHttpHeaders;
  auth: RequestAuth;
  /** The request's logger (its lines carry `request_id`): the level methods, `child` and `level`. */
  log: FastifyBaseLogger;
  requestId: string;
  /** The route template of the operation, e.g. `/api/v1/recipes/{extlId}`. */
  route: string;
  method: string;
}

/**
 * What a handler returns: one of the operation's declared statuses with its body. Errors are
 * thrown as AppError instead; returning a status is for successes and for documented non-error
 * answers such as readiness' 503.
 */
export type OperationResult<O> = O extends { responses: infer R }
  ? {
      [S in keyof R & number]: {
        status: S;
        body: ResponseBody<R[S]>;
        headers?: Record<string, string>;
        /** Overrides the response media type (non-JSON bodies). */
        contentType?: string;
        /**
         * What an Idempotency-Key retry replays instead of `body`, when `body` holds a secret that
         * is shown once and must never be stored (e.g. a new API key).
         */
        replayBody?: ResponseBody<R[S]>;
      };
    }[keyof R & number]
  : never;

/** One typed operation handler. */
export type OperationHandler<O> = (request: OperationRequest<O>) => Promise<OperationResult<O>>;

/** Handlers for every operation of a module's spec, keyed by operationId. */
export type OperationHandlers<Ops> = { [K in keyof Ops]: OperationHandler<Ops[K]> };

/** The type-erased form the router works with at runtime. */
export interface RuntimeResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  contentType?: string;
  replayBody?: unknown;
}

/** A type-erased handler as registered with the router. */
export type RuntimeHandler = (request: OperationRequest<unknown>) => Promise<RuntimeResult>;

/** Type-erased handlers keyed by operationId. */
export type RuntimeHandlers = Record<string, RuntimeHandler>;

/**
 * Erases the types of a checked handler map so the platform router can hold handlers of every
 * module in one map. The only cast between typed and untyped handlers lives here.
 */
export function toRuntimeHandlers<Ops>(handlers: OperationHandlers<Ops>): RuntimeHandlers {
  return handlers as unknown as RuntimeHandlers;
}
