import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../harness/app.js';
import { principalHeaders, runGenesis } from '../harness/iam.js';

describe('concurrent duplicate creates', () => {
  let t: TestApp;

  before(async () => {
    t = await startTestApp();
  });

  after(async () => {
    await t?.close();
  });

  it('creates an org once when ten identical POSTs race: one 201, nine 409', async () => {
    const headers = principalHeaders(await runGenesis(t));
    const json = { name: `Race ${Date.now()}`, description: 'raced' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => t.request('POST', '/api/v1/orgs', { headers, json })));
    const statuses = answers.map((res) => res.status).sort();
    assert.deepEqual(statuses, [201, ...Array(9).fill(409)]);
    for (const res of answers.filter((r) => r.status === 409)) {
      assert.equal(res.body.error.kind, 'conflict_error');
      assert.doesNotMatch(res.text, /org_name_uk|duplicate key|iam\./);
    }
    const list = await t.request('GET', '/api/v1/orgs?limit=200', { headers });
    assert.equal(list.body.items.filter((org: { name: string }) => org.name === json.name).length, 1);
  });
});
