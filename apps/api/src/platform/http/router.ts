import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.js';
import type { RuntimeHandlers, OperationRequest, RuntimeResult } from './operation.js';
import { readOperations, type OpenApiDocument, type SpecOperation } from './spec.js';
import { createSecurityHook, type SecurityDeps } from './security.js';
import { optionalBodyMarker } from './server.js';
import type { Idempotency } from './idempotency/idempotency.js';

const routableMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Inputs of {@link registerOperations}. */
export interface RegisterOperationsOptions {
  /** The bundled spec of all modules. */
  spec: OpenApiDocument;
  /** Handlers of every module, keyed by operationId. */
  handlers: RuntimeHandlers;
  security: SecurityDeps;
  /** Makes every POST honour `Idempotency-Key`; without it the header is ignored. */
  idempotency?: Idempotency;
  /** Operations whose route a module registers itself (see `ApiModule.operationsWithOwnRoutes`). */
  operationsWithOwnRoutes?: readonly string[];
}

/**
 * Registers every operation of the bundled spec as a Fastify route: params, query, headers and
 * body validated by the operation's JSON Schemas, 2xx bodies serialized by its response schemas
 * (undeclared fields never leave), security applied by one hook from the operation's `security`
 * and `x-rbac`. Paths answer 405 with `Allow` for methods the spec does not declare. Throws at
 * startup when an operation has no handler (and is not one a module routes itself) or a handler
 * has no operation.
 */
export function registerOperations(app: FastifyInstance, options: RegisterOperationsOptions): SpecOperation[] {
  const operations = readOperations(options.spec);
  const declared = new Set(operations.map((op) => op.operationId));
  const ownRoutes = new Set(options.operationsWithOwnRoutes ?? []);
  const missing = operations
    .filter((op) => !options.handlers[op.operationId] && !ownRoutes.has(op.operationId))
    .map((op) => op.operationId);
  const extra = [...Object.keys(options.handlers), ...ownRoutes].filter((id) => !declared.has(id));
  if (missing.length) throw new Error(`operations without a handler: ${missing.join(', ')}`);
  if (extra.length) throw new Error(`handlers without an operation in the spec: ${extra.join(', ')}`);

  const hookFor = createSecurityHook(options.security);
  const methodsByUrl = new Map<string, Set<string>>();
  for (const op of operations) {
    const methods = methodsByUrl.get(op.url) ?? new Set<string>();
    methods.add(op.method);
    if (op.method === 'GET') methods.add('HEAD');
    methodsByUrl.set(op.url, methods);
    if (ownRoutes.has(op.operationId)) continue;
    const handler = options.handlers[op.operationId]!;
    app.route({
      method: op.method,
      url: op.url,
      schema: {
        ...(op.schema.params ? { params: op.schema.params } : {}),
        ...(op.schema.querystring ? { querystring: op.schema.querystring } : {}),
        ...(op.schema.headers ? { headers: op.schema.headers } : {}),
        ...(op.schema.body ? { body: op.bodyRequired ? op.schema.body : { ...op.schema.body, [optionalBodyMarker]: true } } : {}),
        ...(Object.keys(op.schema.response).length ? { response: op.schema.response } : {}),
      },
      config: { operationId: op.operationId, routeTemplate: op.path },
      preValidation: hookFor(op),
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const input: OperationRequest<unknown> = {
          params: request.params as never,
          query: request.query as never,
          body: request.body as never,
          headers: request.headers,
          auth: request.auth ?? {},
          log: request.log,
          requestId: request.id,
          route: op.path,
          method: op.method,
        };
        const key = op.method === 'POST' && options.idempotency ? request.headers['idempotency-key'] : undefined;
        let result: RuntimeResult;
        if (key === undefined) {
          result = await handler(input);
        } else {
          if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
            throw new AppError('input_validation_error', 'Idempotency-Key must be 1 to 255 characters', { param: 'Idempotency-Key' });
          }
          const user = input.auth.user;
          const outcome = await options.idempotency!.run(
            { appId: input.auth.app?.id, user: user ? `${user.issuer}\u0000${user.subject}` : undefined, route: op.path, key },
            request.body,
            () => handler(input),
          );
          if (outcome.replayed) reply.header('Idempotent-Replayed', 'true');
          result = outcome;
        }
        reply.code(result.status);
        if (result.headers) reply.headers(result.headers);
        if (result.contentType) reply.type(result.contentType);
        return result.body;
      },
    });
  }

  for (const [url, methods] of methodsByUrl) {
    const others = routableMethods.filter((m) => !methods.has(m));
    if (others.length === 0) continue;
    const allow = [...methods];
    app.route({
      method: others,
      url,
      onRequest: async () => {
        throw new AppError('method_not_allowed_error', 'method not allowed', { allow });
      },
      handler: async () => undefined,
    });
  }
  return operations;
}
