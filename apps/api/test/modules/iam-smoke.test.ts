import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../harness/app.js';
import { createTenant, runGenesis } from '../harness/iam.js';

describe('iam smoke', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => t.close());

  it('runs genesis and creates a tenant', async () => {
    const g = await runGenesis(t);
    assert.ok(g.principal.apiKey.startsWith('chk_'));
    const tenant = await createTenant(t);
    assert.ok(tenant.appId);
  });
});
