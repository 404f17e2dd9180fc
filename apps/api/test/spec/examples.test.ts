import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { bundledSpec } from '../../src/generated/openapi-spec.gen.js';
import { readOperations, resolveRefs, type JsonObject, type OperationSecurity } from '../../src/platform/http/spec.js';
import { startTestApp, type TestApp, type TestResponse } from '../harness/app.js';
import { exampleIssuer, startExampleIssuerJwks } from '../harness/example-issuer.js';
import { startTestIdentity } from '../harness/identity.js';

/**
 * The bundled spec's own examples against a running server. Spec-driven tools (contract testers,
 * the /docs page's "Try it out") send the examples the spec publishes; here every operation is
 * sent exactly that way on a fresh database: its request body example, an example for each of
 * its parameters and headers, path ids and `If-Match` ETags carried from earlier responses by the
 * spec's own `links`. Each must answer a 2xx its responses declare, with a body that validates
 * against the declared schema and the declared response headers present and valid. An operation
 * without examples, or one whose examples stopped working, fails here.
 */

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * The order of the walk: genesis (with its example), the public endpoints, then creates, reads,
 * updates and deletes (newest first). `linkIdentity` sends the token of the second provider its
 * example is written for (the server trusts it, see harness/example-issuer.ts). `grantRole` gives the caller the role the `createRole`
 * example defines, holding the permission the `createPermission` example creates (the genesis
 * example leaves it out), which `updateLogger` then needs.
 */
const walk = [
  'createGenesis',
  ...['getHealth', 'getReadiness', 'getPing', 'getOpenapiJson', 'getOpenapiYaml', 'getDocs'],
  ...[
    'createUser',
    'linkIdentity',
    'createOrg',
    'createApp',
    'createApiKey',
    'createPermission',
    'createRole',
    'grantRole',
    'createMovie',
    'createRecipe',
  ],
  ...['findGenesis', 'findMe', 'findOrgs', 'findOrgById', 'findOrgMembers', 'findApps', 'findAppById', 'findPermissions', 'findRoles'],
  ...['findRoleByCode', 'findLogger', 'findMovies', 'findMovieById', 'findRecipes', 'findRecipeById'],
  ...['updateLogger', 'updateOrg', 'updateApp', 'updateRole', 'updateMovie', 'updateRecipe'],
  ...['deleteRecipe', 'deleteMovie', 'revokeApiKey', 'deleteApp', 'deleteOrg', 'revokeRole', 'deleteRole', 'deletePermission'],
];

/** Parameters that cannot have a standing example: only values the server returned are valid. */
const withoutExample = new Set(['query:cursor']);

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}

interface Link {
  operationId: string;
  parameters?: Record<string, unknown>;
  requestBody?: unknown;
}

interface Response {
  content?: Record<string, { schema?: JsonObject }>;
  headers?: Record<string, { schema?: JsonObject }>;
  links?: Record<string, Link>;
}

interface Operation {
  operationId: string;
  method: string;
  path: string;
  security: OperationSecurity;
  parameters: Parameter[];
  /** The first example of the JSON request body, if the operation takes one. */
  body?: { present: boolean; value?: unknown };
  responses: Record<string, Response>;
}

/** The spec's operations with their parameters (path-level ones included) resolved. */
function specOperations(): Map<string, Operation> {
  const root = bundledSpec as unknown as JsonObject;
  const security = new Map(readOperations(bundledSpec).map((op) => [op.operationId, op.security]));
  const operations = new Map<string, Operation>();
  for (const [path, rawItem] of Object.entries(bundledSpec.paths)) {
    const item = resolveRefs(rawItem, root) as JsonObject;
    for (const method of ['get', 'put', 'post', 'delete', 'patch']) {
      const op = item[method] as JsonObject | undefined;
      if (!op) continue;
      const operationId = String(op.operationId);
      const own = (op.parameters ?? []) as Parameter[];
      const inherited = ((item.parameters ?? []) as Parameter[]).filter((p) => !own.some((o) => o.name === p.name && o.in === p.in));
      const media = ((op.requestBody as JsonObject | undefined)?.content as JsonObject | undefined)?.['application/json'] as
        JsonObject | undefined;
      operations.set(operationId, {
        operationId,
        method: method.toUpperCase(),
        path,
        security: security.get(operationId)!,
        parameters: [...inherited, ...own],
        ...(op.requestBody ? { body: firstExample(media) } : {}),
        responses: (op.responses ?? {}) as Record<string, Response>,
      });
    }
  }
  return operations;
}

/** The first of `example` / `examples` of a parameter or media type. */
function firstExample(node: { example?: unknown; examples?: unknown } | undefined): { present: boolean; value?: unknown } {
  if (node?.example !== undefined) return { present: true, value: node.example };
  const named = node?.examples as Record<string, { value?: unknown }> | undefined;
  const first = named ? Object.values(named)[0] : undefined;
  return first && 'value' in first ? { present: true, value: first.value } : { present: false };
}

/** The spec's parameter a link names: `name` or `in.name` (OpenAPI link parameter keys). */
function linkedParameter(target: Operation, key: string): Parameter | undefined {
  const dot = key.indexOf('.');
  const location = dot > 0 ? key.slice(0, dot) : undefined;
  const name = location && ['path', 'query', 'header', 'cookie'].includes(location) ? key.slice(dot + 1) : key;
  const matches = target.parameters.filter((p) => (p.in === 'header' ? p.name.toLowerCase() === name.toLowerCase() : p.name === name));
  return location && matches.length > 1 ? matches.find((p) => p.in === location) : matches[0];
}

const paramKey = (p: Parameter) => `${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`;

/** What a request sent, as runtime expressions see it. */
interface SentRequest {
  path: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
}

/** Reads an RFC 6901 pointer. */
function atPointer(value: unknown, pointer: string): unknown {
  if (pointer === '') return value;
  let node = value;
  for (const raw of pointer.replace(/^\//, '').split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  }
  return node;
}

/**
 * Evaluates an OpenAPI runtime expression of a link (`$response.body#/…`, `$response.header.X`,
 * `$request.path.x`, `$request.query.x`, `$request.header.X`) or returns a constant as is.
 */
function evaluate(expression: unknown, request: SentRequest, response: TestResponse): unknown {
  if (typeof expression !== 'string' || !expression.startsWith('$')) return expression;
  let match: RegExpExecArray | null;
  if ((match = /^\$response\.body#(.*)$/.exec(expression))) return atPointer(response.body, match[1]!);
  if ((match = /^\$response\.header\.(.+)$/.exec(expression))) return response.headers.get(match[1]!) ?? undefined;
  if ((match = /^\$request\.(path|query)\.(.+)$/.exec(expression))) return request[match[1] as 'path' | 'query'][match[2]!];
  if ((match = /^\$request\.header\.(.+)$/.exec(expression))) return request.headers[match[1]!.toLowerCase()];
  throw new Error(`unsupported runtime expression ${expression}`);
}

/** Every link of the spec: where it is declared and what it names. */
function allLinks(operations: Map<string, Operation>): { from: string; status: string; name: string; link: Link }[] {
  return [...operations.values()].flatMap((op) =>
    Object.entries(op.responses).flatMap(([status, res]) =>
      Object.entries(res.links ?? {}).map(([name, link]) => ({ from: op.operationId, status, name, link })),
    ),
  );
}

describe('the spec examples', () => {
  const operations = specOperations();

  it('names its servers relative to where it was fetched from (any host, port or proxy)', () => {
    const servers = (bundledSpec.servers ?? []) as { url: string }[];
    assert.ok(servers.length > 0, 'the spec declares servers');
    for (const { url } of servers) assert.match(url, /^\/(?!\/)/, `${url} is not a relative URL`);
  });

  it('walks every operation of the spec exactly once', () => {
    assert.deepEqual(
      walk.filter((id, i) => walk.indexOf(id) !== i),
      [],
      'operations walked twice',
    );
    const unknown = walk.filter((id) => !operations.has(id));
    const unwalked = [...operations.keys()].filter((id) => !walk.includes(id));
    assert.deepEqual(unknown, [], 'walked operations the spec does not have');
    assert.deepEqual(unwalked, [], 'operations of the spec missing from the walk: add them where their examples can succeed');
  });

  it('gives every operation an example for its request body and for each of its parameters', () => {
    const missing: string[] = [];
    for (const op of operations.values()) {
      if (op.body && !op.body.present) missing.push(`${op.operationId}: request body`);
      for (const p of op.parameters) {
        if (!withoutExample.has(paramKey(p)) && !firstExample(p).present) missing.push(`${op.operationId}: ${p.in} parameter ${p.name}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('has links that name existing operations, their parameters and expressions the walk can evaluate', () => {
    const problems: string[] = [];
    const probe: TestResponse = { status: 200, headers: new Headers(), body: {}, text: '{}' };
    for (const { from, status, name, link } of allLinks(operations)) {
      const where = `${from} ${status} → ${name}`;
      const target = operations.get(link.operationId);
      if (!target) {
        problems.push(`${where}: no operation ${link.operationId}`);
        continue;
      }
      if (link.requestBody !== undefined) problems.push(`${where}: request body links are not used by the walk`);
      for (const [key, expression] of Object.entries(link.parameters ?? {})) {
        if (!linkedParameter(target, key)) problems.push(`${where}: ${link.operationId} has no parameter ${key}`);
        try {
          evaluate(expression, { path: {}, query: {}, headers: {} }, probe);
        } catch (error) {
          problems.push(`${where}: ${(error as Error).message}`);
        }
      }
    }
    assert.ok(allLinks(operations).length > 0, 'the spec has links');
    assert.deepEqual(problems, []);
  });

  describe('sent in order to a fresh server', () => {
    let t: TestApp;
    let adminToken: string;
    let appCredentials: Record<string, string> | undefined;
    /** Values the links of earlier responses give to later operations' parameters. */
    const linked = new Map<string, Map<string, unknown>>();
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    const validators = new Map<JsonObject, ValidateFunction>();
    const validate = (schema: JsonObject, value: unknown): string | undefined => {
      let fn = validators.get(schema);
      if (!fn) validators.set(schema, (fn = ajv.compile(schema)));
      return fn(value) ? undefined : ajv.errorsText(fn.errors);
    };

    let exampleJwks: { close(): Promise<void> } | undefined;

    before(async () => {
      // Two trusted issuers: the test identity provider, and the one the linkIdentity example's token is from.
      const identity = await startTestIdentity();
      const jwks = await startExampleIssuerJwks();
      exampleJwks = jwks;
      const issuers = [
        { issuer: identity.issuer, audience: identity.audience, jwks_url: identity.jwksUrl },
        { issuer: exampleIssuer.issuer, audience: exampleIssuer.audience, jwks_url: jwks.jwksUrl },
      ];
      const app = await startTestApp({ identity, env: { AUTH_ISSUERS: JSON.stringify(issuers) } });
      const close = app.close.bind(app);
      t = {
        ...app,
        close: async () => {
          await close();
          await identity.close();
        },
      };
      adminToken = await t.identity.mintToken({ given_name: 'Ada', family_name: 'Admin', name: 'Ada Admin', email: 'ada@example.test' });
    });
    after(async () => {
      await t?.close();
      await exampleJwks?.close();
    });

    for (const operationId of walk) {
      const op = operations.get(operationId);
      if (!op) continue; // reported by the coverage test above
      it(`${op.method} ${op.path} (${operationId}) with its examples answers a documented 2xx`, async () => {
        const sent: SentRequest = { path: {}, query: {}, headers: {} };
        const fromLinks = linked.get(operationId) ?? new Map<string, unknown>();
        for (const p of op.parameters) {
          const value = fromLinks.has(paramKey(p)) ? fromLinks.get(paramKey(p)) : firstExample(p).value;
          if (value === undefined) {
            assert.ok(!p.required, `${p.in} parameter ${p.name} has neither an example nor a link from an earlier operation`);
            continue;
          }
          if (p.in === 'path') sent.path[p.name] = String(value);
          else if (p.in === 'query') sent.query[p.name] = String(value);
          else if (p.in === 'header') sent.headers[p.name.toLowerCase()] = String(value);
        }
        const headers: Record<string, string> = { ...sent.headers };
        if (op.security.user !== 'none') headers.authorization = `Bearer ${adminToken}`;
        if (op.security.app) {
          assert.ok(appCredentials, 'app credentials come from the genesis response');
          Object.assign(headers, appCredentials);
        }
        const path = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(sent.path[name]!));
        const query = new URLSearchParams(sent.query).toString();
        const res = await t.request(op.method, query ? `${path}?${query}` : path, {
          headers,
          ...(op.body?.present ? { json: op.body.value } : {}),
        });

        const declared = op.responses[String(res.status)];
        const hint = res.status === 403 ? ' (does the genesis example grant this route to the caller?)' : '';
        assert.ok(
          res.status >= 200 && res.status < 300 && declared,
          `answered ${res.status}, not a documented 2xx${hint}: ${res.text.slice(0, 500)}`,
        );
        const [mediaType, media] = Object.entries(declared.content ?? {})[0] ?? [];
        if (mediaType)
          assert.ok(
            res.headers.get('content-type')?.startsWith(mediaType),
            `content type ${res.headers.get('content-type')} is not ${mediaType}`,
          );
        if (mediaType === 'application/json' && media?.schema) {
          const problem = validate(media.schema, res.body);
          assert.equal(problem, undefined, `the body does not match the ${res.status} schema: ${problem}\n${res.text.slice(0, 500)}`);
        }
        for (const [name, header] of Object.entries(declared.headers ?? {})) {
          const value = res.headers.get(name);
          assert.ok(value !== null, `the documented ${name} header is missing`);
          if (header.schema) assert.equal(validate(header.schema, value), undefined, `${name}: ${value} does not match its schema`);
        }

        for (const link of Object.values(declared.links ?? {})) {
          const target = operations.get(link.operationId)!;
          const values = linked.get(link.operationId) ?? new Map<string, unknown>();
          for (const [key, expression] of Object.entries(link.parameters ?? {})) {
            const value = evaluate(expression, sent, res);
            assert.ok(value !== undefined && value !== null, `link to ${link.operationId}: ${String(expression)} is empty`);
            values.set(paramKey(linkedParameter(target, key)!), value);
          }
          linked.set(link.operationId, values);
        }
        if (operationId === 'createGenesis') {
          const app = res.body.principal.app;
          appCredentials = { 'x-app-id': app.external_id, 'x-api-key': app.api_keys[0].key };
        }
      });
    }
  });
});
