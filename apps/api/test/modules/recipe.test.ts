import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../harness/app.js';
import { recipeBody } from '../harness/fixtures.js';

const recipe = recipeBody;

describe('recipes', () => {
  let t: TestApp;
  let alice: string;
  let bob: string;
  before(async () => {
    t = await startTestApp();
    alice = await t.token({ sub: 'alice' });
    bob = await t.token({ sub: 'bob' });
  });
  after(async () => t.close());

  it('creates a recipe: 201, Location, ETag, normalised fields, owner subject only', async () => {
    const res = await t.request('POST', '/api/v1/recipes', { token: alice, json: recipe({ title: '  Shakshuka  ' }) });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), `/api/v1/recipes/${res.body.external_id}`);
    assert.equal(res.headers.get('etag'), '"1"');
    assert.match(res.body.external_id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(res.body.title, 'Shakshuka');
    assert.deepEqual(res.body.tags, ['breakfast', 'vegetarian']);
    assert.equal(res.body.visibility, 'private');
    assert.deepEqual(res.body.owner, { subject: 'alice' });
    assert.match(res.body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.ok(!('recipe_id' in res.body) && !('version' in res.body));
  });

  it('applies defaults for optional fields', async () => {
    const res = await t.request('POST', '/api/v1/recipes', {
      token: alice,
      json: { title: 'Toast', servings: 1, ingredients: [{ name: 'bread' }], steps: ['Toast it'] },
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.description, '');
    assert.equal(res.body.prep_minutes, 0);
    assert.equal(res.body.cook_minutes, 0);
    assert.deepEqual(res.body.tags, []);
    assert.deepEqual(res.body.ingredients, [{ name: 'bread' }]);
  });

  it('validates with clear messages and the param at fault', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [recipe({ title: '   ' }), 'title', 'title is required'],
      [recipe({ title: 'x'.repeat(201) }), 'title', 'title must be at most 200 characters'],
      [recipe({ servings: 0 }), 'servings', 'servings must be >= 1'],
      [recipe({ servings: 101 }), 'servings', 'servings must be <= 100'],
      [recipe({ cook_minutes: 10001 }), 'cook_minutes', 'cook_minutes must be <= 10000'],
      [recipe({ ingredients: [] }), 'ingredients', 'ingredients must have at least 1 item'],
      [recipe({ ingredients: [{ name: ' ' }] }), 'ingredients[0].name', 'ingredients[0].name is required'],
      [recipe({ steps: ['ok', ''] }), 'steps[1]', 'steps[1] is required'],
      [recipe({ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }), 'tags', 'tags must have at most 20 items'],
      [recipe({ visibility: 'friends' }), 'visibility', 'visibility must be one of: private, public'],
      [recipe({ description: 'd'.repeat(5001) }), 'description', 'description must be at most 5000 characters'],
    ];
    const { title: _t, ...withoutTitle } = recipe();
    cases.push([withoutTitle, 'title', 'title is required']);
    for (const [body, param, message] of cases) {
      const res = await t.request('POST', '/api/v1/recipes', { token: alice, json: body });
      assert.equal(res.status, 400, `${param}: ${res.text}`);
      assert.deepEqual(res.body.error, { kind: 'input_validation_error', param, message });
    }
  });

  it('shows a private recipe only to its owner; public ones to anyone, even anonymous', async () => {
    const priv = await t.request('POST', '/api/v1/recipes', { token: alice, json: recipe() });
    const pub = await t.request('POST', '/api/v1/recipes', { token: alice, json: recipe({ visibility: 'public' }) });
    assert.equal((await t.request('GET', `/api/v1/recipes/${priv.body.external_id}`, { token: alice })).status, 200);
    assert.equal((await t.request('GET', `/api/v1/recipes/${priv.body.external_id}`, { token: bob })).status, 404);
    assert.equal((await t.request('GET', `/api/v1/recipes/${priv.body.external_id}`)).status, 404);
    const anon = await t.request('GET', `/api/v1/recipes/${pub.body.external_id}`);
    assert.equal(anon.status, 200);
    assert.equal(anon.headers.get('etag'), '"1"');
    assert.equal((await t.request('GET', `/api/v1/recipes/${pub.body.external_id}`, { token: bob })).status, 200);
  });

  it('treats the same subject from another issuer as another owner', async () => {
    const res = await t.request('POST', '/api/v1/recipes', { token: alice, json: recipe() });
    // A token with the same sub but a different iss is rejected outright (wrong issuer): the
    // owner key includes the issuer, so it could never match alice's recipes anyway.
    const foreign = await t.identity.mintToken({ sub: 'alice', iss: 'https://other-idp.example' });
    assert.equal((await t.request('GET', `/api/v1/recipes/${res.body.external_id}`, { token: foreign })).status, 401);
  });

  it('lets only the owner update and delete (others get 404)', async () => {
    const created = await t.request('POST', '/api/v1/recipes', { token: alice, json: recipe({ visibility: 'public' }) });
    const id = created.body.external_id;
    assert.equal((await t.request('PUT', `/api/v1/recipes/${id}`, { token: bob, json: recipe({ title: 'Hijacked' }) })).status, 404);
    assert.equal((await t.request('DELETE', `/api/v1/recipes/${id}`, { token: bob })).status, 404);
    const still = await t.request('GET', `/api/v1/recipes/${id}`, { token: bob });
    assert.equal(still.body.title, 'Shakshuka');
  });

  it('updates with full replacement and bumps the ETag', async () => {
    const created = await t.request('POST', '/api/v1/recipes', { token: alice, json: recipe() });
    const id = created.body.external_id;
    const updated = await t.request('PUT', `/api/v1/recipes/${id}`, {
      token: alice,
      json: { title: 'Better shakshuka', servings: 3, ingredients: [{ name: 'eggs' }], steps: ['Cook'] },
    });
    assert.equal(updated.status, 200);
    assert.equal(updated.headers.get('etag'), '"2"');
    assert.equal(updated.body.title, 'Better shakshuka');
    assert.equal(updated.body.description, '');
    assert.deepEqual(updated.body.tags, []);
    assert.equal(updated.body.created_at, created.body.created_at);
    assert.ok(updated.body.updated_at >= created.body.updated_at);
    const read = await t.request('GET', `/api/v1/recipes/${id}`, { token: alice });
    assert.deepEqual(read.body, updated.body);
  });

  it('honours If-Match on update and delete (412 on mismatch, * matches)', async () => {
    const created = await t.request('POST', '/api/v1/recipes', { token: alice, json: recipe() });
    const id = created.body.external_id;
    const stale = await t.request('PUT', `/api/v1/recipes/${id}`, { token: alice, json: recipe(), headers: { 'If-Match': '"7"' } });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.error.kind, 'precondition_failed_error');
    const weak = await t.request('PUT', `/api/v1/recipes/${id}`, { token: alice, json: recipe(), headers: { 'If-Match': 'W/"1"' } });
    assert.equal(weak.status, 412);
    const ok = await t.request('PUT', `/api/v1/recipes/${id}`, { token: alice, json: recipe(), headers: { 'If-Match': '"1"' } });
    assert.equal(ok.status, 200);
    const any = await t.request('PUT', `/api/v1/recipes/${id}`, { token: alice, json: recipe(), headers: { 'If-Match': '*' } });
    assert.equal(any.status, 200);
    assert.equal(any.headers.get('etag'), '"3"');
    const delStale = await t.request('DELETE', `/api/v1/recipes/${id}`, { token: alice, headers: { 'If-Match': '"1"' } });
    assert.equal(delStale.status, 412);
    const del = await t.request('DELETE', `/api/v1/recipes/${id}`, { token: alice, headers: { 'If-Match': '"3"' } });
    assert.equal(del.status, 200);
    assert.deepEqual(del.body, { external_id: id, deleted: true });
    assert.equal((await t.request('GET', `/api/v1/recipes/${id}`, { token: alice })).status, 404);
    assert.equal((await t.request('DELETE', `/api/v1/recipes/${id}`, { token: alice })).status, 404);
  });

  it('lets exactly one of two concurrent updates with the same ETag win', async () => {
    const created = await t.request('POST', '/api/v1/recipes', { token: alice, json: recipe() });
    const id = created.body.external_id;
    const results = await Promise.all(
      ['A', 'B', 'C', 'D'].map((title) =>
        t.request('PUT', `/api/v1/recipes/${id}`, { token: alice, json: recipe({ title }), headers: { 'If-Match': '"1"' } }),
      ),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 412, 412, 412]);
  });

  it('answers unknown and malformed ids with 404', async () => {
    assert.equal((await t.request('GET', '/api/v1/recipes/AAAAAAAAAAAAAAAAAAAAAA', { token: alice })).status, 404);
    assert.equal((await t.request('GET', '/api/v1/recipes/bad%20id', { token: alice })).status, 404);
  });

  it('paginates the owner list newest first without duplicates or gaps, while rows are inserted', async () => {
    const carol = await t.token({ sub: 'carol' });
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) {
      const res = await t.request('POST', '/api/v1/recipes', {
        token: carol,
        json: recipe({ title: `R${i}`, tags: i % 2 ? ['odd'] : ['even'] }),
      });
      ids.push(res.body.external_id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Awaited<ReturnType<TestApp['request']>> = await t.request(
        'GET',
        `/api/v1/recipes?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { token: carol },
      );
      assert.equal(res.status, 200);
      assert.ok(res.body.items.length <= 5);
      seen.push(...res.body.items.map((r: { external_id: string }) => r.external_id));
      cursor = res.body.next_cursor;
      pages++;
      // Concurrent writers: new rows during paging must not shift or duplicate the old ones.
      if (pages === 2) await t.request('POST', '/api/v1/recipes', { token: carol, json: recipe({ title: 'late' }) });
    } while (cursor);
    const expected = [...ids].reverse();
    assert.deepEqual(
      seen.filter((id) => ids.includes(id)),
      expected,
    );
    assert.equal(new Set(seen).size, seen.length);
    assert.equal(pages, 5);

    const odd = await t.request('GET', '/api/v1/recipes?tag=ODD&limit=200', { token: carol });
    assert.equal(odd.body.items.length, 11);
    assert.equal(odd.body.next_cursor, null);
    const mine = await t.request('GET', '/api/v1/recipes', { token: alice });
    assert.ok(mine.body.items.every((r: { owner: { subject: string } }) => r.owner.subject === 'alice'));
  });

  it('returns an empty list with a null cursor for a new user', async () => {
    const res = await t.request('GET', '/api/v1/recipes', { token: await t.token({ sub: 'nobody-yet' }) });
    assert.deepEqual(res.body, { items: [], next_cursor: null });
  });
});
