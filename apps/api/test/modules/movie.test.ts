import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp, type TestResponse } from '../harness/app.js';
import { createTenant, type Tenant } from '../harness/iam.js';
import { movieBody } from '../harness/fixtures.js';

/**
 * The movie endpoints through HTTP (docs/conventions.md, docs/auth.md, the OpenAPI spec): JWT + app credentials + RBAC, the
 * tenant is the calling app's org. Every response is also checked against the bundled spec by
 * the harness.
 */

const movie = movieBody;

const rfc3339Utc = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

describe('movies', () => {
  let t: TestApp;
  let alice: Tenant;
  let bob: Tenant;
  let roleless: Tenant;

  before(async () => {
    t = await startTestApp();
    [alice, bob, roleless] = await Promise.all([createTenant(t), createTenant(t), createTenant(t, { roles: [] })]);
  });
  after(async () => t.close());

  const post = (tenant: Tenant, body: unknown, headers: Record<string, string> = {}) =>
    t.request('POST', '/api/v1/movies', { headers: { ...tenant.headers, ...headers }, json: body });
  const get = (tenant: Tenant, path: string) => t.request('GET', path, { headers: tenant.headers });
  const put = (tenant: Tenant, id: string, body: unknown, headers: Record<string, string> = {}) =>
    t.request('PUT', `/api/v1/movies/${id}`, { headers: { ...tenant.headers, ...headers }, json: body });
  const del = (tenant: Tenant, id: string, headers: Record<string, string> = {}) =>
    t.request('DELETE', `/api/v1/movies/${id}`, { headers: { ...tenant.headers, ...headers } });
  const create = async (tenant: Tenant, overrides: Record<string, unknown> = {}): Promise<TestResponse['body']> => {
    const res = await post(tenant, movie(overrides));
    assert.equal(res.status, 201, res.text);
    return res.body;
  };

  it('creates a movie: 201, Location, ETag, trimmed fields, release_date as YYYY-MM-DD, audit of app and user', async () => {
    const res = await post(alice, movie({ title: '  Repo Man  ', release_date: '1984-03-02T23:30:00-05:00' }));
    assert.equal(res.status, 201);
    const id = res.body.external_id;
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(res.headers.get('location'), `/api/v1/movies/${id}`);
    assert.equal(res.headers.get('etag'), '"1"');
    assert.equal(res.body.title, 'Repo Man');
    assert.equal(res.body.rated, 'R');
    assert.equal(res.body.release_date, '1984-03-02');
    assert.equal(res.body.run_time, 92);
    assert.equal(res.body.director, 'Alex Cox');
    assert.equal(res.body.writer, 'Alex Cox');
    assert.equal(res.body.create_app_extl_id, alice.appId);
    assert.equal(res.body.update_app_extl_id, alice.appId);
    assert.equal(res.body.create_user_first_name, alice.userClaims.given_name);
    assert.equal(res.body.create_user_last_name, alice.userClaims.family_name);
    assert.equal(res.body.update_user_first_name, alice.userClaims.given_name);
    assert.equal(res.body.update_user_last_name, alice.userClaims.family_name);
    assert.match(res.body.create_date_time, rfc3339Utc);
    assert.equal(res.body.update_date_time, res.body.create_date_time);
    for (const internal of ['movie_id', 'org_id', 'version', 'create_at']) assert.ok(!(internal in res.body), internal);

    const read = await get(alice, `/api/v1/movies/${id}`);
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('etag'), '"1"');
    assert.deepEqual(read.body, res.body);
  });

  it('accepts a plain YYYY-MM-DD release date and titles that are not unique', async () => {
    const first = await create(alice, { title: 'Twin', release_date: '2000-02-29' });
    const second = await create(alice, { title: 'Twin', release_date: '2000-02-29' });
    assert.notEqual(first.external_id, second.external_id);
    assert.equal(second.release_date, '2000-02-29');
  });

  it('validates with diygoapi messages and the param at fault', async () => {
    const cases: [unknown, Record<string, string>][] = [];
    for (const field of ['title', 'rated', 'release_date', 'director', 'writer']) {
      cases.push([movie({ [field]: '   ' }), { param: field, message: `${field} is required` }]);
      cases.push([movie({ [field]: '' }), { param: field, message: `${field} is required` }]);
    }
    for (const field of ['title', 'rated', 'release_date', 'run_time', 'director', 'writer']) {
      const body: Record<string, unknown> = movie();
      delete body[field];
      cases.push([body, { param: field, message: `${field} is required` }]);
    }
    cases.push(
      [movie({ title: 'x'.repeat(1001) }), { param: 'title', message: 'title must be at most 1000 characters' }],
      [movie({ rated: 'PG-13-EXTRA' }), { param: 'rated', message: 'rated must be at most 10 characters' }],
      [movie({ director: 'd'.repeat(1001) }), { param: 'director', message: 'director must be at most 1000 characters' }],
      [movie({ writer: 'w'.repeat(1001) }), { param: 'writer', message: 'writer must be at most 1000 characters' }],
      [movie({ run_time: 0 }), { param: 'run_time', message: 'run_time must be >= 1' }],
      [movie({ run_time: 10001 }), { param: 'run_time', message: 'run_time must be <= 10000' }],
      [movie({ run_time: 92.5 }), { param: 'run_time', message: 'run_time must be of type integer' }],
      [movie({ run_time: '92' }), { param: 'run_time', message: 'run_time must be of type integer' }],
      [movie({ title: 42 }), { param: 'title', message: 'title must be of type string' }],
      [movie({ external_id: 'mine' }), { param: 'external_id', message: 'external_id is not an allowed property' }],
      [movie({ create_app_extl_id: 'spoof' }), { param: 'create_app_extl_id', message: 'create_app_extl_id is not an allowed property' }],
      [movie({ org_id: 1 }), { param: 'org_id', message: 'org_id is not an allowed property' }],
    );
    const invalidDate = {
      param: 'release_date',
      code: 'invalid_date_format',
      message: 'release_date must be a date (YYYY-MM-DD) or an RFC 3339 timestamp',
    };
    for (const date of ['1984a-03-02T00:00:00Z', '1984-02-30', '03/02/1984', '1984-03-02T00:00:00', '1984-03-02T25:00:00Z']) {
      cases.push([movie({ release_date: date }), invalidDate]);
    }
    for (const [body, expected] of cases) {
      const res = await post(alice, body);
      assert.equal(res.status, 400, `${JSON.stringify(expected)}: ${res.text}`);
      assert.deepEqual(res.body.error, { kind: 'input_validation_error', ...expected });
    }
  });

  it('answers malformed bodies with 400 invalid_request_error', async () => {
    for (const rawBody of ['', 'null', '[]', '"movie"', '{"title":', '42']) {
      const res = await t.request('POST', '/api/v1/movies', {
        headers: { ...alice.headers, 'content-type': 'application/json' },
        rawBody,
      });
      assert.equal(res.status, 400, `${rawBody}: ${res.text}`);
      assert.equal(res.body.error.kind, 'invalid_request_error', rawBody);
    }
  });

  it('answers a non-JSON media type with 415 and an oversized body with 413', async () => {
    const created = await create(alice);
    const text = await t.request('POST', '/api/v1/movies', {
      headers: { ...alice.headers, 'content-type': 'text/plain' },
      rawBody: JSON.stringify(movie()),
    });
    assert.equal(text.status, 415);
    assert.equal(text.body.error.kind, 'unsupported_media_type_error');
    const form = await t.request('PUT', `/api/v1/movies/${created.external_id}`, {
      headers: { ...alice.headers, 'content-type': 'application/x-www-form-urlencoded' },
      rawBody: 'title=Repo+Man',
    });
    assert.equal(form.status, 415);
    const huge = await post(alice, movie({ title: 'x'.repeat(t.config.bodyLimit + 1) }));
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error.kind, 'payload_too_large_error');
  });

  it('requires the JWT and the app credentials (401 with a Bearer challenge)', async () => {
    const id = (await create(alice)).external_id;
    const bearer = `Bearer ${alice.token}`;
    const appOnly = { 'x-app-id': alice.appId, 'x-api-key': alice.apiKey };
    const tokenOnly = { authorization: bearer };
    const withoutKey = { authorization: bearer, 'x-app-id': alice.appId };
    const withoutAppId = { authorization: bearer, 'x-api-key': alice.apiKey };
    const wrongKey = { authorization: bearer, 'x-app-id': alice.appId, 'x-api-key': `${alice.apiKey}x` };
    const otherAppsKey = { authorization: bearer, 'x-app-id': alice.appId, 'x-api-key': bob.apiKey };
    const unknownApp = { authorization: bearer, 'x-app-id': 'AAAAAAAAAAAAAAAAAAAAAA', 'x-api-key': alice.apiKey };
    for (const headers of [appOnly, tokenOnly, withoutKey, withoutAppId, wrongKey, otherAppsKey, unknownApp]) {
      for (const [method, path, json] of [
        ['POST', '/api/v1/movies', movie()],
        ['GET', '/api/v1/movies', undefined],
        ['GET', `/api/v1/movies/${id}`, undefined],
        ['PUT', `/api/v1/movies/${id}`, movie()],
        ['DELETE', `/api/v1/movies/${id}`, undefined],
      ] as const) {
        const res = await t.request(method, path, { headers, ...(json ? { json } : {}) });
        assert.equal(res.status, 401, `${method} ${path} with ${Object.keys(headers).join(',')}`);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="chompardo"/);
        assert.equal(res.text, '');
      }
    }
    assert.equal((await get(alice, `/api/v1/movies/${id}`)).status, 200);
  });

  it('forbids a registered user without a movie role (403, empty body) and changes nothing', async () => {
    const id = (await create(alice)).external_id;
    for (const [method, path, json] of [
      ['POST', '/api/v1/movies', movie()],
      ['GET', '/api/v1/movies', undefined],
      ['GET', `/api/v1/movies/${id}`, undefined],
      ['PUT', `/api/v1/movies/${id}`, movie()],
      ['DELETE', `/api/v1/movies/${id}`, undefined],
    ] as const) {
      const res = await t.request(method, path, { headers: roleless.headers, ...(json ? { json } : {}) });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.text, '');
    }
    const untouched = await get(alice, `/api/v1/movies/${id}`);
    assert.equal(untouched.status, 200);
    assert.equal(untouched.headers.get('etag'), '"1"');
    // RBAC runs before body validation: an invalid body from a user without the role is still 403.
    const invalid = await t.request('POST', '/api/v1/movies', { headers: roleless.headers, json: { title: '' } });
    assert.equal(invalid.status, 403);
  });

  it("keeps orgs apart: another org's movie is 404 for read, update and delete and absent from its list", async () => {
    const created = await create(alice, { title: 'Alice only' });
    const id = created.external_id;
    const read = await get(bob, `/api/v1/movies/${id}`);
    assert.equal(read.status, 404);
    assert.equal(read.body.error.kind, 'not_found_error');
    assert.equal((await put(bob, id, movie({ title: 'Hijacked' }))).status, 404);
    // 404 before 412: a stale If-Match on a foreign movie reveals nothing.
    assert.equal((await put(bob, id, movie({ title: 'Hijacked' }), { 'If-Match': '"9"' })).status, 404);
    assert.equal((await del(bob, id)).status, 404);
    assert.equal((await del(bob, id, { 'If-Match': '"1"' })).status, 404);
    const bobs = await get(bob, '/api/v1/movies?limit=200');
    assert.equal(bobs.status, 200);
    assert.ok(bobs.body.items.every((m: { external_id: string }) => m.external_id !== id));
    const still = await get(alice, `/api/v1/movies/${id}`);
    assert.deepEqual(still.body, created);
    assert.equal(still.headers.get('etag'), '"1"');
  });

  it('replaces every field on PUT, bumps the ETag and keeps the create audit', async () => {
    const created = await create(alice);
    const id = created.external_id;
    const replacement = {
      title: 'Sid and Nancy',
      rated: 'R',
      release_date: '1986-10-03',
      run_time: 112,
      director: 'Alex Cox',
      writer: 'Abbe Wool',
    };
    const updated = await put(alice, id, replacement);
    assert.equal(updated.status, 200);
    assert.equal(updated.headers.get('etag'), '"2"');
    assert.deepEqual(
      {
        title: updated.body.title,
        rated: updated.body.rated,
        release_date: updated.body.release_date,
        run_time: updated.body.run_time,
        director: updated.body.director,
        writer: updated.body.writer,
      },
      replacement,
    );
    assert.equal(updated.body.external_id, id);
    assert.equal(updated.body.create_date_time, created.create_date_time);
    assert.equal(updated.body.create_app_extl_id, alice.appId);
    assert.equal(updated.body.update_app_extl_id, alice.appId);
    assert.equal(updated.body.update_user_first_name, alice.userClaims.given_name);
    assert.equal(updated.body.update_user_last_name, alice.userClaims.family_name);
    assert.ok(updated.body.update_date_time >= created.update_date_time);
    assert.deepEqual((await get(alice, `/api/v1/movies/${id}`)).body, updated.body);

    // Full replacement, not a patch: leaving a field out is a 400 and changes nothing.
    const partial = await put(alice, id, { title: 'Only a title' });
    assert.equal(partial.status, 400);
    assert.equal(partial.body.error.param, 'rated');
    assert.equal((await get(alice, `/api/v1/movies/${id}`)).body.title, 'Sid and Nancy');
  });

  it('honours If-Match on PUT and DELETE (412 on mismatch, weak tags never match, * matches)', async () => {
    const id = (await create(alice)).external_id;
    const stale = await put(alice, id, movie(), { 'If-Match': '"7"' });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.error.kind, 'precondition_failed_error');
    assert.equal((await put(alice, id, movie(), { 'If-Match': 'W/"1"' })).status, 412);
    const ok = await put(alice, id, movie({ run_time: 91 }), { 'If-Match': '"1"' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('etag'), '"2"');
    assert.equal((await put(alice, id, movie(), { 'If-Match': '"5", "2"' })).status, 200);
    const any = await put(alice, id, movie(), { 'If-Match': '*' });
    assert.equal(any.status, 200);
    assert.equal(any.headers.get('etag'), '"4"');
    // Validation (400) comes before the precondition (412).
    assert.equal((await put(alice, id, movie({ title: '' }), { 'If-Match': '"1"' })).status, 400);

    assert.equal((await del(alice, id, { 'If-Match': '"3"' })).status, 412);
    const deleted = await del(alice, id, { 'If-Match': '"4"' });
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, { external_id: id, deleted: true });
    assert.equal((await get(alice, `/api/v1/movies/${id}`)).status, 404);
    assert.equal((await del(alice, id)).status, 404);
    assert.equal((await put(alice, id, movie())).status, 404);
  });

  it('deletes without If-Match and answers {external_id, deleted: true}', async () => {
    const id = (await create(alice)).external_id;
    const deleted = await del(alice, id);
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, { external_id: id, deleted: true });
    const list = await get(alice, '/api/v1/movies?limit=200');
    assert.ok(list.body.items.every((m: { external_id: string }) => m.external_id !== id));
  });

  it('lets exactly one of concurrent updates holding the same ETag win', async () => {
    const id = (await create(alice)).external_id;
    const results = await Promise.all(['A', 'B', 'C', 'D'].map((title) => put(alice, id, movie({ title }), { 'If-Match': '"1"' })));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 412, 412, 412]);
    const winner = results.find((r) => r.status === 200)!;
    const read = await get(alice, `/api/v1/movies/${id}`);
    assert.equal(read.body.title, winner.body.title);
    assert.equal(read.headers.get('etag'), '"2"');
  });

  it('answers unknown and malformed ids with 404', async () => {
    assert.equal((await get(alice, '/api/v1/movies/AAAAAAAAAAAAAAAAAAAAAA')).status, 404);
    assert.equal((await get(alice, '/api/v1/movies/bad%20id')).status, 404);
    assert.equal((await del(alice, 'AAAAAAAAAAAAAAAAAAAAAA')).status, 404);
  });

  it('loses nothing under 50 concurrent creates: every one readable and listed', async () => {
    const tenant = await createTenant(t);
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => post(tenant, movie({ title: `Concurrent ${i}` }))));
    assert.deepEqual(new Set(responses.map((r) => r.status)), new Set([201]));
    const ids = responses.map((r) => r.body.external_id as string);
    assert.equal(new Set(ids).size, 50);
    const reads = await Promise.all(ids.map((id) => get(tenant, `/api/v1/movies/${id}`)));
    assert.ok(reads.every((r) => r.status === 200));
    const list = await get(tenant, '/api/v1/movies?limit=200');
    assert.equal(list.body.items.length, 50);
    assert.equal(list.body.next_cursor, null);
    assert.deepEqual(new Set(list.body.items.map((m: { external_id: string }) => m.external_id)), new Set(ids));
  });

  it('paginates newest first without duplicates or gaps while movies are created', async () => {
    const tenant = await createTenant(t);
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push((await create(tenant, { title: `Page ${i}` })).external_id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: TestResponse = await get(tenant, `/api/v1/movies?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(res.status, 200);
      assert.ok(res.body.items.length <= 5);
      seen.push(...res.body.items.map((m: { external_id: string }) => m.external_id));
      cursor = res.body.next_cursor;
      pages++;
      // Concurrent writers: movies created during paging must not shift or duplicate the older ones.
      if (pages === 2) await Promise.all([1, 2, 3].map((n) => post(tenant, movie({ title: `Late ${n}` }))));
    } while (cursor);
    assert.deepEqual(seen, [...ids].reverse());
    assert.equal(pages, 5);

    const first = await get(tenant, '/api/v1/movies');
    assert.equal(first.body.items.length, 26);
    assert.equal(first.body.next_cursor, null);
    assert.deepEqual(
      first.body.items
        .slice(0, 3)
        .map((m: { title: string }) => m.title)
        .sort(),
      ['Late 1', 'Late 2', 'Late 3'],
    );
  });

  it('returns an empty list with a null cursor for an org without movies', async () => {
    const tenant = await createTenant(t);
    const res = await get(tenant, '/api/v1/movies');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { items: [], next_cursor: null });
  });

  it('filters by title, director and release years', async () => {
    const tenant = await createTenant(t);
    await create(tenant, { title: 'Repo Man', director: 'Alex Cox', release_date: '1984-03-02' });
    await create(tenant, { title: 'Sid and Nancy', director: 'Alex Cox', release_date: '1986-10-03' });
    await create(tenant, { title: 'Straight to Hell', director: 'alex cox', release_date: '1987-06-26' });
    await create(tenant, { title: 'Paris, Texas', director: 'Wim Wenders', release_date: '1984-05-19T12:00:00+02:00' });
    await create(tenant, { title: '100% Repo_Man', director: 'Alex Coxe', release_date: '1999-01-01' });
    const titles = async (query: string) => {
      const res = await get(tenant, `/api/v1/movies?${query}`);
      assert.equal(res.status, 200, `${query}: ${res.text}`);
      return (res.body.items as { title: string }[]).map((m) => m.title).sort();
    };
    assert.deepEqual(await titles('title=rEpO'), ['100% Repo_Man', 'Repo Man']);
    assert.deepEqual(await titles(`title=${encodeURIComponent('%')}`), ['100% Repo_Man']);
    assert.deepEqual(await titles('director=ALEX%20COX'), ['Repo Man', 'Sid and Nancy', 'Straight to Hell']);
    assert.deepEqual(await titles('director=Alex'), []);
    assert.deepEqual(await titles('release_year_from=1984&release_year_to=1984'), ['Paris, Texas', 'Repo Man']);
    assert.deepEqual(await titles('release_year_from=1987'), ['100% Repo_Man', 'Straight to Hell']);
    assert.deepEqual(await titles('release_year_to=1986'), ['Paris, Texas', 'Repo Man', 'Sid and Nancy']);
    assert.deepEqual(await titles('director=alex%20cox&release_year_from=1985&title=TO'), ['Straight to Hell']);
    assert.equal((await titles('title=')).length, 5);
  });

  it('rejects invalid list parameters with 400 and the param at fault', async () => {
    const cases: [string, string][] = [
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=abc', 'limit'],
      ['cursor=not-a-cursor', 'cursor'],
      [`cursor=${Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url')}`, 'cursor'],
      ['release_year_from=1799', 'release_year_from'],
      ['release_year_to=3001', 'release_year_to'],
      ['release_year_from=nineteen', 'release_year_from'],
      ['release_year_from=1990&release_year_to=1980', 'release_year_to'],
      [`title=${'x'.repeat(1001)}`, 'title'],
    ];
    for (const [query, param] of cases) {
      const res = await get(alice, `/api/v1/movies?${query}`);
      assert.equal(res.status, 400, `${query}: ${res.text}`);
      assert.equal(res.body.error.kind, 'input_validation_error', query);
      assert.equal(res.body.error.param, param, query);
    }
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const res = await t.request('PATCH', '/api/v1/movies/AAAAAAAAAAAAAAAAAAAAAA', { headers: alice.headers, json: movie() });
    assert.equal(res.status, 405);
    assert.match(res.headers.get('allow') ?? '', /PUT/);
  });
});
