import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeferredCompiles } from '../../src/platform/http/deferred-compile.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { skipWithoutPostgres } from '../harness/fixtures.js';

/**
 * Validators and serializers compile on first use or in compileSchemas(), once each; the whole
 * API's schemas compile (what a start used to prove), and the answers are the same either way.
 */
describe('deferred compiles', () => {
  it('compile once, on first call or in compileAll, and expose the last errors', async () => {
    const compiles = new DeferredCompiles();
    let compiled = 0;
    const validate = compiles.defer(
      () => {
        compiled += 1;
        const fn = ((data: unknown) => {
          fn.errors = data === 1 ? null : [{ message: 'must be 1' }];
          return data === 1;
        }) as ((data: unknown) => boolean) & { errors?: unknown };
        return fn;
      },
      { errors: true },
    );
    assert.equal(compiled, 0);
    assert.equal(validate(2), false);
    assert.deepEqual(validate.errors, [{ message: 'must be 1' }]);
    assert.equal(validate(1), true);
    assert.equal(compiled, 1);

    let other = 0;
    const serialize = compiles.defer(() => {
      other += 1;
      return (data: unknown) => JSON.stringify(data);
    });
    await compiles.compileAll();
    assert.equal(other, 1);
    assert.equal(serialize({ a: 1 }), '{"a":1}');
    assert.equal(other, 1);
    assert.equal(compiled, 1);
  });

  it('reject compileAll with the first compile error', async () => {
    const compiles = new DeferredCompiles();
    compiles.defer(() => {
      throw new Error('schema is invalid');
    });
    await assert.rejects(compiles.compileAll(), /schema is invalid/);
  });

  describe('the API', { skip: skipWithoutPostgres() }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp();
    });
    after(async () => {
      await t?.close();
    });

    it('compiles every validator and serializer of the spec, and answers the same before and after', async () => {
      // A body that fails genesis's validator (deferred: compiled by this first call) gets the
      // validator's 400, serialized by the deferred error serializer; nothing is created.
      const token = await t.token();
      const badBody = { org: { name: 42 } };
      const before = await t.request('POST', '/api/v1/genesis', { token, json: badBody });
      assert.equal(before.status, 400);
      const error = (before.body as { error: { kind: string; param?: string } }).error;
      assert.equal(error.kind, 'input_validation_error');
      assert.ok(error.param, 'the failing field is named');
      await t.app.compileSchemas();
      const after = await t.request('POST', '/api/v1/genesis', { token, json: badBody });
      assert.equal(after.status, 400);
      assert.deepEqual(after.body, before.body);
      // A success body through a deferred serializer.
      const health = await t.request('GET', '/healthz');
      assert.equal(health.status, 200);
    });
  });
});
