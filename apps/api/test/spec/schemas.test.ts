import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { bundledSpec } from '../../src/generated/openapi-spec.gen.js';
import { readOperations, resolveRefs, type JsonObject, type OpenApiDocument } from '../../src/platform/http/spec.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const spec = bundledSpec as unknown as OpenApiDocument;

/**
 * The server compiles the spec's schemas without Ajv's meta-schema check (it would cost every
 * start); this suite is that check, once, for every schema the router compiles.
 */
describe('the schemas the router compiles', () => {
  const operations = readOperations(spec);

  it('are valid JSON Schema (Ajv meta-schema), every request part and success response', () => {
    const ajv = addFormats(new Ajv({ strict: false, validateSchema: true }));
    let checked = 0;
    for (const op of operations) {
      const { response, ...request } = op.schema;
      for (const [part, schema] of [
        ...Object.entries(request),
        ...Object.entries(response).map(([s, v]) => [`response ${s}`, v] as const),
      ]) {
        if (schema === undefined) continue;
        assert.equal(ajv.validateSchema(schema), true, `${op.operationId} ${part}: ${ajv.errorsText(ajv.errors)}`);
        checked += 1;
      }
    }
    assert.ok(checked > operations.length, `only ${checked} schemas checked`);
  });

  it('are what the full resolution gives, without the documentation-only keywords', () => {
    const strip = (node: unknown, names = false): unknown => {
      if (Array.isArray(node)) return node.map((item) => strip(item));
      if (node === null || typeof node !== 'object') return node;
      const out: JsonObject = {};
      for (const [key, value] of Object.entries(node as JsonObject)) {
        if (!names && ['example', 'examples', 'xml', 'externalDocs'].includes(key)) continue;
        if (!names && key.startsWith('x-')) continue;
        out[key] = strip(value, !names && key === 'properties');
      }
      return out;
    };
    for (const op of operations) {
      const item = resolveRefs(spec.paths[op.path], spec) as JsonObject;
      const raw = item[op.method.toLowerCase()] as JsonObject;
      const body = ((raw.requestBody as JsonObject | undefined)?.content as JsonObject | undefined)?.['application/json'] as
        JsonObject | undefined;
      if (body?.schema) assert.deepEqual(op.schema.body, strip(body.schema), `${op.operationId} body`);
      for (const [status, res] of Object.entries(raw.responses as Record<string, JsonObject>)) {
        const json = (res.content as JsonObject | undefined)?.['application/json'] as JsonObject | undefined;
        if (/^2\d\d$/.test(status) && json?.schema)
          assert.deepEqual(op.schema.response[status], strip(json.schema), `${op.operationId} ${status}`);
      }
    }
  });

  it('are read once per document', () => {
    assert.equal(readOperations(spec), operations);
  });
});
