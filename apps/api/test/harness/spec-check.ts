import assert from 'node:assert/strict';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { bundledSpec } from '../../src/generated/openapi-spec.gen.js';
import { resolveRefs, type JsonObject } from '../../src/platform/http/spec.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Statuses any operation may answer without declaring them (platform-level behaviour). */
const platformStatuses = new Set([400, 401, 403, 404, 405, 413, 415, 429, 500, 503]);

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  responses: Record<string, JsonObject>;
}

/**
 * Checks HTTP responses against the bundled spec: the status must be declared by the matched
 * operation (or be a platform status), JSON bodies must validate against the declared schema,
 * error bodies against the shared Error schema, 401/403 bodies must be empty.
 */
export class SpecChecker {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly routes: Route[] = [];
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly errorValidator: ValidateFunction;

  constructor() {
    addFormats(this.ajv);
    const spec = bundledSpec as unknown as JsonObject;
    for (const [template, item] of Object.entries(bundledSpec.paths)) {
      const resolved = resolveRefs(item, spec) as Record<string, JsonObject>;
      for (const method of ['get', 'put', 'post', 'delete', 'patch']) {
        const op = resolved[method];
        if (!op) continue;
        const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
        this.routes.push({
          method: method.toUpperCase(),
          template,
          pattern,
          responses: (op.responses ?? {}) as Record<string, JsonObject>,
        });
      }
    }
    const errorSchema = resolveRefs((spec.components as JsonObject).schemas, spec) as JsonObject;
    this.errorValidator = this.ajv.compile(errorSchema.Error as JsonObject);
  }

  /** Asserts that a response conforms; throws an AssertionError naming what does not. */
  check(method: string, path: string, status: number, contentType: string | null, body: unknown, rawBody: string): void {
    const route = this.routes.find((r) => r.method === (method === 'HEAD' ? 'GET' : method) && r.pattern.test(path.split('?')[0]!));
    if (status === 401 || status === 403) {
      assert.equal(rawBody, '', `${method} ${path} → ${status} must have an empty body`);
      return;
    }
    if (status >= 400 && !route?.responses[String(status)]?.content) {
      assert.ok(contentType?.startsWith('application/json'), `${method} ${path} → ${status} must be JSON`);
      assert.ok(
        this.errorValidator(body),
        `${method} ${path} → ${status} error body ${rawBody} does not match Error: ${this.ajv.errorsText(this.errorValidator.errors)}`,
      );
      return;
    }
    if (!route) return; // not an API operation (docs assets)
    const declared = route.responses[String(status)];
    assert.ok(declared || platformStatuses.has(status), `${method} ${route.template} answered ${status}, which the spec does not declare`);
    const schema = ((declared?.content as JsonObject | undefined)?.['application/json'] as JsonObject | undefined)?.schema;
    if (!schema || method === 'HEAD') return;
    assert.ok(contentType?.startsWith('application/json'), `${method} ${route.template} → ${status} must be JSON`);
    const key = `${route.method} ${route.template} ${status}`;
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(schema as JsonObject);
      this.validators.set(key, validate);
    }
    assert.ok(validate(body), `${key} body does not match the spec: ${this.ajv.errorsText(validate.errors)}\n${rawBody.slice(0, 500)}`);
  }
}
