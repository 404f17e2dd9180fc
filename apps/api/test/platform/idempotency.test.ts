import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../harness/app.js';
import { createTenant, type Tenant } from '../harness/iam.js';

const recipe = (title: string) => ({ title, servings: 2, ingredients: [{ name: 'rice' }], steps: ['Cook'] });
const movie = (title: string) => ({
  title,
  rated: 'R',
  release_date: '1984-03-02',
  run_time: 92,
  director: 'Alex Cox',
  writer: 'Alex Cox',
});

describe('Idempotency-Key on POST', () => {
  let t: TestApp;
  let tenant: Tenant;
  before(async () => {
    t = await startTestApp();
    tenant = await createTenant(t);
  });
  after(async () => t.close());

  it('replays the first response for a retry with the same key and body, creating nothing new', async () => {
    const token = await t.token({ sub: 'idem-seq' });
    const headers = { 'Idempotency-Key': 'seq-1' };
    const first = await t.request('POST', '/api/v1/recipes', { token, json: recipe('Once'), headers });
    assert.equal(first.status, 201);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const retry = await t.request('POST', '/api/v1/recipes', { token, json: recipe('Once'), headers });
    assert.equal(retry.status, 201);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(retry.body, first.body);
    assert.equal(retry.headers.get('location'), first.headers.get('location'));
    assert.equal(retry.headers.get('etag'), first.headers.get('etag'));
    const list = await t.request('GET', '/api/v1/recipes', { token });
    assert.equal(list.body.items.length, 1);
  });

  it('treats the same body with keys in another order as the same request', async () => {
    const token = await t.token({ sub: 'idem-order' });
    const headers = { 'Idempotency-Key': 'order-1' };
    const body = recipe('Order');
    const reordered = { steps: body.steps, ingredients: body.ingredients, servings: body.servings, title: body.title };
    assert.equal((await t.request('POST', '/api/v1/recipes', { token, json: body, headers })).status, 201);
    const retry = await t.request('POST', '/api/v1/recipes', { token, json: reordered, headers });
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
  });

  it('answers 422 when the key is reused with a different body', async () => {
    const token = await t.token({ sub: 'idem-422' });
    const headers = { 'Idempotency-Key': 'reuse-1' };
    assert.equal((await t.request('POST', '/api/v1/recipes', { token, json: recipe('A'), headers })).status, 201);
    const other = await t.request('POST', '/api/v1/recipes', { token, json: recipe('B'), headers });
    assert.equal(other.status, 422);
    assert.equal(other.body.error.kind, 'unprocessable_error');
  });

  it('scopes keys per user: another user with the same key creates its own resource', async () => {
    const headers = { 'Idempotency-Key': 'shared-key' };
    const a = await t.request('POST', '/api/v1/recipes', { token: await t.token({ sub: 'idem-a' }), json: recipe('Shared'), headers });
    const b = await t.request('POST', '/api/v1/recipes', { token: await t.token({ sub: 'idem-b' }), json: recipe('Shared'), headers });
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.equal(b.headers.get('idempotent-replayed'), null);
    assert.notEqual(a.body.external_id, b.body.external_id);
  });

  it('lets concurrent retries create exactly one resource: the rest replay or get 409', async () => {
    const token = await t.token({ sub: 'idem-concurrent' });
    const headers = { 'Idempotency-Key': 'burst-1' };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => t.request('POST', '/api/v1/recipes', { token, json: recipe('Burst'), headers })),
    );
    const created = results.filter((r) => r.status === 201);
    assert.ok(created.length >= 1);
    assert.ok(
      results.every((r) => r.status === 201 || r.status === 409),
      results.map((r) => r.status).join(','),
    );
    assert.equal(new Set(created.map((r) => r.body.external_id)).size, 1);
    for (const conflict of results.filter((r) => r.status === 409)) assert.equal(conflict.body.error.kind, 'conflict_error');
    const list = await t.request('GET', '/api/v1/recipes', { token });
    assert.equal(list.body.items.length, 1);
  });

  it('works on tenant-scoped movie creates (app + user + route scope)', async () => {
    const headers = { ...tenant.headers, 'Idempotency-Key': 'movie-1' };
    const first = await t.request('POST', '/api/v1/movies', { headers, json: movie('Repo Man') });
    assert.equal(first.status, 201, first.text);
    const retry = await t.request('POST', '/api/v1/movies', { headers, json: movie('Repo Man') });
    assert.equal(retry.status, 201);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(retry.body.external_id, first.body.external_id);
  });

  it('does not store failures: a retry after a 400 runs again', async () => {
    const token = await t.token({ sub: 'idem-fail' });
    const headers = { 'Idempotency-Key': 'fail-1' };
    const bad = await t.request('POST', '/api/v1/recipes', { token, json: { ...recipe('x'), title: ' ' }, headers });
    assert.equal(bad.status, 400);
    const good = await t.request('POST', '/api/v1/recipes', { token, json: { ...recipe('x'), title: ' ' }, headers });
    assert.equal(good.status, 400);
  });

  it('rejects a key over 255 characters with 400', async () => {
    const token = await t.token({ sub: 'idem-long' });
    const res = await t.request('POST', '/api/v1/recipes', {
      token,
      json: recipe('Long'),
      headers: { 'Idempotency-Key': 'k'.repeat(256) },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.param, 'Idempotency-Key');
  });

  it('deletes records past the retention period', async () => {
    const token = await t.token({ sub: 'idem-expiry' });
    const headers = { 'Idempotency-Key': 'expire-1' };
    assert.equal((await t.request('POST', '/api/v1/recipes', { token, json: recipe('Old'), headers })).status, 201);
    await t.database.db.query(`UPDATE platform.idempotency_key SET created_at = created_at - interval '25 hours'`);
    // An expired key is no longer remembered: the same key runs again.
    const again = await t.request('POST', '/api/v1/recipes', { token, json: recipe('Old'), headers });
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), null);
    await t.database.db.query(`UPDATE platform.idempotency_key SET created_at = created_at - interval '25 hours'`);
    const { rows } = await t.database.db.query<{ n: string }>('SELECT count(*) AS n FROM platform.idempotency_key');
    assert.ok(Number(rows[0]!.n) >= 1);
  });
});
