/**
 * Reading the bundled OpenAPI document: local `$ref` resolution and the list of operations with
 * everything the router needs (schemas per request part, success response schemas, security).
 */

/** A JSON value of the spec. */
export type JsonObject = { [key: string]: unknown };

/** The bundled OpenAPI 3.1 document (only what the router reads is typed). */
export interface OpenApiDocument extends JsonObject {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components?: JsonObject;
}

/** How an operation authenticates its caller, read from its `security` and `x-rbac`. */
export interface OperationSecurity {
  /** `required`: a valid JWT; `optional`: a JWT if one is sent; `none`: public. */
  user: 'required' | 'optional' | 'none';
  /** App credentials (`X-APP-ID` + `X-API-KEY`, or the token's client id). */
  app: boolean;
  /** RBAC on (route template, method) in the app's org. */
  rbac: boolean;
}

/** One operation of the spec, ready to register. */
export interface SpecOperation {
  operationId: string;
  method: string;
  /** OpenAPI path template, e.g. `/api/v1/recipes/{extlId}`. */
  path: string;
  /** Fastify URL, e.g. `/api/v1/recipes/:extlId`. */
  url: string;
  security: OperationSecurity;
  schema: {
    params?: JsonObject;
    querystring?: JsonObject;
    headers?: JsonObject;
    body?: JsonObject;
    response: Record<string, JsonObject>;
  };
  /** True when the operation declares a request body. */
  hasBody: boolean;
  bodyRequired: boolean;
}

const httpMethods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** Names of the spec's security schemes that stand for app credentials. */
const appSchemes = new Set(['appId', 'appKey']);

/** The node a local `#/…` reference of `root` points at. */
function lookupRef(ref: string, root: JsonObject): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local references are supported in the bundled spec: ${ref}`);
  let target: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    target = (target as JsonObject | undefined)?.[key];
  }
  if (target === undefined) throw new Error(`unresolved reference ${ref}`);
  return target;
}

/** Follows local `#/…` references of `root` recursively, returning a tree without `$ref`. */
export function resolveRefs(node: unknown, root: JsonObject, seen: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((item) => resolveRefs(item, root, seen));
  if (node === null || typeof node !== 'object') return node;
  const obj = node as JsonObject;
  const ref = obj.$ref;
  if (typeof ref === 'string') {
    if (seen.includes(ref)) throw new Error(`circular reference ${ref}`);
    return resolveRefs(lookupRef(ref, root), root, [...seen, ref]);
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(obj)) out[key] = resolveRefs(value, root, seen);
  return out;
}

/** Keywords of documentation only: the router never reads them, so they are not resolved for it. */
const documentationKeys = new Set(['example', 'examples', 'xml', 'externalDocs']);

/**
 * {@link resolveRefs} for the router: documentation-only keywords are left out (the examples of
 * every operation are most of the spec) and each `$ref` target is resolved once and shared.
 */
function resolveForRouting(node: unknown, root: JsonObject, resolved: Map<string, unknown>, seen: string[], names = false): unknown {
  if (Array.isArray(node)) return node.map((item) => resolveForRouting(item, root, resolved, seen));
  if (node === null || typeof node !== 'object') return node;
  const obj = node as JsonObject;
  const ref = obj.$ref;
  if (typeof ref === 'string' && !names) {
    const done = resolved.get(ref);
    if (done !== undefined) return done;
    if (seen.includes(ref)) throw new Error(`circular reference ${ref}`);
    const result = resolveForRouting(lookupRef(ref, root), root, resolved, [...seen, ref]);
    resolved.set(ref, result);
    return result;
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(obj)) {
    // Under `properties` every key is a property name, never a keyword.
    if (!names && documentationKeys.has(key)) continue;
    out[key] = resolveForRouting(value, root, resolved, seen, !names && key === 'properties');
  }
  return out;
}

/** Removes OpenAPI-only keywords that JSON Schema validators and serializers do not know. */
function toJsonSchema(schema: unknown): JsonObject {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (node === null || typeof node !== 'object') return node;
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node as JsonObject)) {
      if (key === 'example' || key === 'examples' || key === 'xml' || key === 'externalDocs' || key.startsWith('x-')) continue;
      // `properties` maps names to schemas: keep every name, strip inside.
      out[key] =
        key === 'properties' && value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value as JsonObject).map(([k, v]) => [k, strip(v)]))
          : strip(value);
    }
    return out;
  };
  return strip(schema) as JsonObject;
}

function readSecurity(op: JsonObject, doc: OpenApiDocument): OperationSecurity {
  const requirements = (op.security ?? doc.security ?? []) as Array<Record<string, unknown>>;
  const rbac = op['x-rbac'] === true;
  if (requirements.length === 0) return { user: 'none', app: false, rbac };
  const anonymousAllowed = requirements.some((r) => Object.keys(r).length === 0);
  const withUser = requirements.filter((r) => 'bearerAuth' in r);
  const app = requirements.some((r) => Object.keys(r).some((k) => appSchemes.has(k)));
  const user = withUser.length === 0 ? 'none' : anonymousAllowed ? 'optional' : 'required';
  return { user, app, rbac };
}

function parameterSchemas(params: JsonObject[], location: string): JsonObject | undefined {
  const selected = params.filter((p) => p.in === location);
  if (selected.length === 0) return undefined;
  const properties: JsonObject = {};
  const required: string[] = [];
  for (const p of selected) {
    // Header names are matched lower-case by Node.
    const name = location === 'header' ? String(p.name).toLowerCase() : String(p.name);
    properties[name] = toJsonSchema(p.schema ?? {});
    if (p.required === true) required.push(name);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}) };
}

/** Operations already read, per document: the app and the router read the same spec. */
const operationsOf = new WeakMap<OpenApiDocument, SpecOperation[]>();

/**
 * Lists the operations of a bundled spec with their request schemas, success response schemas
 * (JSON only, used for fast serialization; error bodies bypass them) and security. Throws on a spec the router cannot
 * serve (missing operationId, non-local references).
 */
export function readOperations(doc: OpenApiDocument): SpecOperation[] {
  const known = operationsOf.get(doc);
  if (known !== undefined) return known;
  const operations: SpecOperation[] = [];
  const resolved = new Map<string, unknown>();
  for (const [path, rawItem] of Object.entries(doc.paths)) {
    const item = resolveForRouting(rawItem, doc, resolved, []) as JsonObject;
    const shared = (item.parameters ?? []) as JsonObject[];
    for (const method of httpMethods) {
      const op = item[method] as JsonObject | undefined;
      if (!op) continue;
      if (typeof op.operationId !== 'string') throw new Error(`${method.toUpperCase()} ${path} has no operationId`);
      const params = [...shared, ...((op.parameters ?? []) as JsonObject[])];
      const requestBody = op.requestBody as JsonObject | undefined;
      const bodySchema = (requestBody?.content as JsonObject | undefined)?.['application/json'] as JsonObject | undefined;
      const response: Record<string, JsonObject> = {};
      for (const [status, res] of Object.entries((op.responses ?? {}) as Record<string, JsonObject>)) {
        const json = (res.content as JsonObject | undefined)?.['application/json'] as JsonObject | undefined;
        if (/^\d\d\d$/.test(status) && json?.schema) response[status] = toJsonSchema(json.schema);
      }
      operations.push({
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        url: path.replace(/\{([^}]+)\}/g, ':$1'),
        security: readSecurity(op, doc),
        schema: {
          params: parameterSchemas(params, 'path'),
          querystring: parameterSchemas(params, 'query'),
          headers: parameterSchemas(params, 'header'),
          body: bodySchema?.schema ? toJsonSchema(bodySchema.schema) : undefined,
          response,
        },
        hasBody: requestBody !== undefined,
        bodyRequired: requestBody?.required === true,
      });
    }
  }
  operationsOf.set(doc, operations);
  return operations;
}
