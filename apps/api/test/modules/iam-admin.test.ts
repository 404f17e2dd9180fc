import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp, type TestResponse } from '../harness/app.js';
import { appHeaders, createTenant, principalHeaders, runGenesis, type GenesisKeys, type Tenant } from '../harness/iam.js';
import { movieBody } from '../harness/fixtures.js';

/**
 * The iam administration endpoints through HTTP (docs/conventions.md, docs/auth.md, the OpenAPI spec, README "Operations"): orgs, members and
 * grants, apps and keys, permissions and roles, self-registration and the logger, with tenancy
 * (a non-Principal app never sees another org: 404) checked on every org-scoped route.
 */

const movie = movieBody();
const apiKeyShape = /^chk_[A-Za-z0-9_-]{48}$/;
const unknownId = 'AAAAAAAAAAAAAAAAAAAAAA';

function unique(prefix: string): string {
  return `${prefix} ${randomUUID().slice(0, 8)}`;
}

function assertError(res: TestResponse, status: number, kind: string, what: string): void {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.text}`);
  assert.equal(res.body?.error?.kind, kind, `${what}: ${res.text}`);
}

function assertNotFound(res: TestResponse, what: string): void {
  assertError(res, 404, 'not_found_error', what);
}

describe('orgs', () => {
  let t: TestApp;
  let g: GenesisKeys;
  before(async () => {
    t = await startTestApp();
    g = await runGenesis(t);
  });
  after(async () => t.close());

  const admin = () => ({ headers: principalHeaders(g) });

  it('creates an org with a nested app: 201, Location, the key shown once and never again', async () => {
    const name = unique('Org');
    const res = await t.request('POST', '/api/v1/orgs', {
      ...admin(),
      json: { name: `  ${name}  `, description: 'd', app: { name: 'First app', description: 'fa' } },
    });
    assert.equal(res.status, 201, res.text);
    const org = res.body;
    assert.equal(res.headers.get('location'), `/api/v1/orgs/${org.external_id}`);
    assert.equal(org.name, name, 'trimmed');
    assert.equal(org.kind_description, 'standard');
    assert.match(org.create_date_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'RFC 3339 UTC');
    assert.equal(org.create_app_extl_id, g.principal.appId);
    assert.equal(org.app.org_external_id, org.external_id);
    assert.equal(org.app.api_keys.length, 1);
    const key: string = org.app.api_keys[0].key;
    assert.match(key, apiKeyShape);
    assert.equal(org.app.api_keys[0].key_id, key.slice(4, 20));
    assert.ok(key.startsWith(org.app.api_keys[0].prefix), 'the prefix is the start of the key');

    const read = await t.request('GET', `/api/v1/orgs/${org.external_id}`, admin());
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.name, name);
    assert.ok(!read.text.includes(key.slice(20)), 'GET org shows no key');
    const app = await t.request('GET', `/api/v1/apps/${org.app.external_id}`, admin());
    assert.equal(app.status, 200, app.text);
    assert.ok(!app.text.includes(key.slice(20)), 'GET app shows no key');
    assert.ok(!('key' in app.body.api_keys[0]));
    assert.equal(app.body.api_keys[0].key_id, key.slice(4, 20));
    const list = await t.request('GET', '/api/v1/orgs?limit=200', admin());
    assert.ok(!list.text.includes(key.slice(20)), 'GET orgs shows no key');

    // The key works: a user registers through the new app.
    const user = await t.token();
    assert.equal((await t.request('POST', '/api/v1/users', { token: user, headers: appHeaders(org.app.external_id, key) })).status, 201);
  });

  it('creates an org without an app (no `app` in the response)', async () => {
    const res = await t.request('POST', '/api/v1/orgs', { ...admin(), json: { name: unique('Bare org') } });
    assert.equal(res.status, 201, res.text);
    assert.ok(!('app' in res.body));
    assert.equal(res.body.description, '');
  });

  it('409s a duplicate org name; 400s a blank name or an unknown property', async () => {
    const name = unique('Dup org');
    assert.equal((await t.request('POST', '/api/v1/orgs', { ...admin(), json: { name } })).status, 201);
    assertError(await t.request('POST', '/api/v1/orgs', { ...admin(), json: { name } }), 409, 'conflict_error', 'duplicate name');
    const trimmed = await t.request('POST', '/api/v1/orgs', { ...admin(), json: { name: `  ${name} ` } });
    assertError(trimmed, 409, 'conflict_error', 'duplicate after trimming');
    assert.deepEqual(trimmed.body.error, {
      kind: 'conflict_error',
      code: 'already_exists',
      message: `an org named "${name}" already exists`,
    });
    const blank = await t.request('POST', '/api/v1/orgs', { ...admin(), json: { name: '   ' } });
    assertError(blank, 400, 'input_validation_error', 'blank name');
    assert.equal(blank.body.error.param, 'name');
    const extra = await t.request('POST', '/api/v1/orgs', { ...admin(), json: { name: unique('x'), kind: 'principal' } });
    assertError(extra, 400, 'input_validation_error', 'unknown property');
    assert.equal(extra.body.error.param, 'kind');
  });

  it('updates name and description; 409 on a taken name', async () => {
    const created = await t.request('POST', '/api/v1/orgs', { ...admin(), json: { name: unique('Old'), description: 'old' } });
    const id = created.body.external_id;
    const name = unique('New');
    const updated = await t.request('PUT', `/api/v1/orgs/${id}`, { ...admin(), json: { name, description: 'new' } });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.name, name);
    assert.equal(updated.body.description, 'new');
    assert.equal(updated.body.external_id, id);
    assert.equal(updated.body.create_date_time, created.body.create_date_time);
    assert.equal(updated.body.update_app_extl_id, g.principal.appId);
    assert.equal(updated.body.update_user_first_name, 'Ada');
    const read = await t.request('GET', `/api/v1/orgs/${id}`, admin());
    assert.deepEqual(read.body, updated.body);
    const taken = await t.request('PUT', `/api/v1/orgs/${id}`, { ...admin(), json: { name: 'Principal' } });
    assertError(taken, 409, 'conflict_error', 'taken name');
  });

  it('deletes an org with its apps: 200 {external_id, deleted}, then 404, and its keys stop working', async () => {
    const created = await t.request('POST', '/api/v1/orgs', { ...admin(), json: { name: unique('Doomed'), app: { name: 'Doomed app' } } });
    const id = created.body.external_id;
    const appKey = appHeaders(created.body.app.external_id, created.body.app.api_keys[0].key);
    const user = await t.token();
    assert.equal((await t.request('POST', '/api/v1/users', { token: user, headers: appKey })).status, 201);
    const del = await t.request('DELETE', `/api/v1/orgs/${id}`, admin());
    assert.equal(del.status, 200, del.text);
    assert.deepEqual(del.body, { external_id: id, deleted: true });
    assertNotFound(await t.request('GET', `/api/v1/orgs/${id}`, admin()), 'deleted org');
    assertNotFound(await t.request('GET', `/api/v1/apps/${created.body.app.external_id}`, admin()), "deleted org's app");
    assertNotFound(await t.request('DELETE', `/api/v1/orgs/${id}`, admin()), 'deleted twice');
    assert.equal((await t.request('POST', '/api/v1/users', { token: user, headers: appKey })).status, 401, "deleted org's key");
  });

  it('refuses to delete the Principal org (409)', async () => {
    assertError(await t.request('DELETE', `/api/v1/orgs/${g.principal.orgId}`, admin()), 409, 'conflict_error', 'delete Principal');
    assert.equal((await t.request('GET', `/api/v1/orgs/${g.principal.orgId}`, admin())).status, 200);
  });

  it('404s an unknown org on every org route', async () => {
    assertNotFound(await t.request('GET', `/api/v1/orgs/${unknownId}`, admin()), 'GET');
    assertNotFound(await t.request('PUT', `/api/v1/orgs/${unknownId}`, { ...admin(), json: { name: unique('x') } }), 'PUT');
    assertNotFound(await t.request('DELETE', `/api/v1/orgs/${unknownId}`, admin()), 'DELETE');
    assertNotFound(await t.request('GET', `/api/v1/orgs/${unknownId}/members`, admin()), 'members');
  });

  it('lists orgs newest first with keyset pagination; limit above 200 → 400', async () => {
    const a = await t.request('POST', '/api/v1/orgs', { ...admin(), json: { name: unique('Page A') } });
    const b = await t.request('POST', '/api/v1/orgs', { ...admin(), json: { name: unique('Page B') } });
    const first = await t.request('GET', '/api/v1/orgs?limit=1', admin());
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(
      first.body.items.map((o: { external_id: string }) => o.external_id),
      [b.body.external_id],
    );
    assert.equal(typeof first.body.next_cursor, 'string');
    const second = await t.request('GET', `/api/v1/orgs?limit=1&cursor=${encodeURIComponent(first.body.next_cursor)}`, admin());
    assert.deepEqual(
      second.body.items.map((o: { external_id: string }) => o.external_id),
      [a.body.external_id],
    );
    const all = await t.request('GET', '/api/v1/orgs?limit=200', admin());
    assert.equal(all.body.next_cursor, null);
    const tooMany = await t.request('GET', '/api/v1/orgs?limit=201', admin());
    assert.equal(tooMany.status, 400, tooMany.text);
    assert.equal(tooMany.body.error.param, 'limit');
  });

  it('docs/conventions.md: every list is {items, next_cursor} and pages with ?limit (permissions, roles, members)', async () => {
    // The user-initiated org has two members: the genesis admin and a self-registered user.
    const extra = await t.identity.mintToken({ sub: unique('member') });
    const reg = await t.request('POST', '/api/v1/users', {
      token: extra,
      headers: appHeaders(g.userInitiated.appId, g.userInitiated.apiKey),
    });
    assert.equal(reg.status, 201, reg.text);
    for (const path of ['/api/v1/permissions', '/api/v1/roles', `/api/v1/orgs/${g.userInitiated.orgId}/members`]) {
      const all = await t.request('GET', path, admin());
      assert.equal(all.status, 200, `${path}: ${all.text}`);
      assert.ok(Array.isArray(all.body.items), path);
      assert.ok('next_cursor' in all.body, `${path}: the list has next_cursor`);
      const page = await t.request('GET', `${path}?limit=1`, { ...admin(), skipSpecCheck: true });
      assert.equal(page.status, 200, `${path}?limit=1: ${page.text}`);
      assert.equal(page.body.items.length, 1, `${path}?limit=1 returns one item`);
      assert.equal(typeof page.body.next_cursor, 'string', `${path}?limit=1 has a next cursor`);
    }
  });

  it('docs/conventions.md: single org/app/role resources carry an ETag and PUT honours If-Match (412)', async () => {
    const created = await t.request('POST', '/api/v1/orgs', { ...admin(), json: { name: unique('Etag org'), app: { name: 'Etag app' } } });
    const org = await t.request('GET', `/api/v1/orgs/${created.body.external_id}`, admin());
    assert.ok(org.headers.get('etag'), 'GET /orgs/{extlId} has an ETag');
    const stale = await t.request('PUT', `/api/v1/orgs/${created.body.external_id}`, {
      json: { name: unique('x') },
      headers: { ...principalHeaders(g), 'if-match': '"999"' },
    });
    assertError(stale, 412, 'precondition_failed_error', 'PUT org with a stale If-Match');
    const fresh = await t.request('PUT', `/api/v1/orgs/${created.body.external_id}`, {
      json: { name: unique('y') },
      headers: { ...principalHeaders(g), 'if-match': org.headers.get('etag')! },
    });
    assert.equal(fresh.status, 200, fresh.text);
    assert.notEqual(fresh.headers.get('etag'), org.headers.get('etag'));
    const staleDelete = await t.request('DELETE', `/api/v1/orgs/${created.body.external_id}`, {
      headers: { ...principalHeaders(g), 'if-match': org.headers.get('etag')! },
    });
    assertError(staleDelete, 412, 'precondition_failed_error', 'DELETE org with the old ETag');
    const app = await t.request('GET', `/api/v1/apps/${created.body.app.external_id}`, admin());
    assert.ok(app.headers.get('etag'), 'GET /apps/{extlId} has an ETag');
    const role = await t.request('GET', '/api/v1/roles/movieAdmin', admin());
    assert.ok(role.headers.get('etag'), 'GET /roles/{roleCode} has an ETag');
  });
});

describe('tenancy: a non-Principal app sees only its own org', () => {
  let t: TestApp;
  let g: GenesisKeys;
  let a: Tenant;
  let b: Tenant;
  let bKeyId: string;
  before(async () => {
    t = await startTestApp();
    g = await runGenesis(t);
    [a, b] = await Promise.all([createTenant(t, { roles: ['sysAdmin'] }), createTenant(t, { roles: ['sysAdmin'] })]);
    bKeyId = b.apiKey.slice(4, 20);
  });
  after(async () => t.close());

  it("lists only the caller's own org; the Principal app sees both", async () => {
    const own = await t.request('GET', '/api/v1/orgs', { headers: a.headers });
    assert.equal(own.status, 200, own.text);
    assert.deepEqual(
      own.body.items.map((o: { external_id: string }) => o.external_id),
      [a.orgExternalId],
    );
    const all = await t.request('GET', '/api/v1/orgs?limit=200', { headers: principalHeaders(g) });
    const ids = all.body.items.map((o: { external_id: string }) => o.external_id);
    assert.ok(ids.includes(a.orgExternalId) && ids.includes(b.orgExternalId) && ids.includes(g.principal.orgId));
  });

  it('reads its own org, members and apps', async () => {
    assert.equal((await t.request('GET', `/api/v1/orgs/${a.orgExternalId}`, { headers: a.headers })).status, 200);
    const members = await t.request('GET', `/api/v1/orgs/${a.orgExternalId}/members`, { headers: a.headers });
    assert.equal(members.status, 200);
    assert.deepEqual(
      members.body.items.map((m: { user_external_id: string }) => m.user_external_id),
      [a.userExternalId],
    );
    const apps = await t.request('GET', '/api/v1/apps', { headers: a.headers });
    assert.deepEqual(
      apps.body.items.map((x: { external_id: string }) => x.external_id),
      [a.appId],
    );
  });

  it("answers 404 for every route addressing tenant B's org, app, members, grants and keys", async () => {
    const as = { headers: a.headers };
    const grant = `/api/v1/orgs/${b.orgExternalId}/members/${b.userExternalId}/roles/movieAdmin`;
    const cases: [string, string, unknown?][] = [
      ['GET', `/api/v1/orgs/${b.orgExternalId}`],
      ['PUT', `/api/v1/orgs/${b.orgExternalId}`, { name: unique('Hijacked') }],
      ['DELETE', `/api/v1/orgs/${b.orgExternalId}`],
      ['GET', `/api/v1/orgs/${b.orgExternalId}/members`],
      ['PUT', grant],
      ['DELETE', `/api/v1/orgs/${b.orgExternalId}/members/${b.userExternalId}/roles/sysAdmin`],
      ['GET', `/api/v1/apps/${b.appId}`],
      ['PUT', `/api/v1/apps/${b.appId}`, { name: unique('Hijacked app') }],
      ['DELETE', `/api/v1/apps/${b.appId}`],
      ['POST', `/api/v1/apps/${b.appId}/api-keys`, {}],
      ['DELETE', `/api/v1/apps/${b.appId}/api-keys/${bKeyId}`],
    ];
    for (const [method, path, json] of cases) {
      assertNotFound(await t.request(method, path, { ...as, ...(json !== undefined ? { json } : {}) }), `A: ${method} ${path}`);
    }
    const apps = await t.request('GET', '/api/v1/apps', as);
    assert.ok(!apps.body.items.some((x: { external_id: string }) => x.external_id === b.appId));
    // Nothing of B changed: same name, same roles, its key works.
    const bOrg = await t.request('GET', `/api/v1/orgs/${b.orgExternalId}`, { headers: b.headers });
    assert.equal(bOrg.status, 200);
    assert.match(bOrg.body.name, /^Tenant /);
    const bMembers = await t.request('GET', `/api/v1/orgs/${b.orgExternalId}/members`, { headers: b.headers });
    assert.deepEqual(bMembers.body.items[0].role_codes, ['sysAdmin']);
    const bApp = await t.request('GET', `/api/v1/apps/${b.appId}`, { headers: b.headers });
    assert.deepEqual(
      bApp.body.api_keys.map((k: { key_id: string }) => k.key_id),
      [bKeyId],
    );
    assert.match(bApp.body.name, /^Tenant app /);
  });

  it("lets the Principal app address B's org and app", async () => {
    const p = { headers: principalHeaders(g) };
    assert.equal((await t.request('GET', `/api/v1/orgs/${b.orgExternalId}`, p)).status, 200);
    assert.equal((await t.request('GET', `/api/v1/orgs/${b.orgExternalId}/members`, p)).status, 200);
    assert.equal((await t.request('GET', `/api/v1/apps/${b.appId}`, p)).status, 200);
  });
});

describe('members and role grants', () => {
  let t: TestApp;
  let g: GenesisKeys;
  before(async () => {
    t = await startTestApp();
    g = await runGenesis(t);
  });
  after(async () => t.close());

  const admin = () => ({ headers: principalHeaders(g) });
  const grantPath = (org: string, user: string, role: string) => `/api/v1/orgs/${org}/members/${user}/roles/${role}`;

  it('lists members with their role codes', async () => {
    const tenant = await createTenant(t, { roles: ['movieAdmin', 'sysAdmin'] });
    const res = await t.request('GET', `/api/v1/orgs/${tenant.orgExternalId}/members`, admin());
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.items.length, 1);
    const [member] = res.body.items;
    assert.equal(member.user_external_id, tenant.userExternalId);
    assert.equal(member.email, tenant.userClaims.email);
    assert.deepEqual([...member.role_codes].sort(), ['movieAdmin', 'sysAdmin']);
  });

  it('grants a role (the user can then use movies) and revokes it (403 again)', async () => {
    const tenant = await createTenant(t, { roles: [] });
    assert.equal((await t.request('GET', '/api/v1/movies', { headers: tenant.headers })).status, 403);
    const path = grantPath(tenant.orgExternalId, tenant.userExternalId, 'movieAdmin');
    const granted = await t.request('PUT', path, admin());
    assert.equal(granted.status, 200, granted.text);
    assert.deepEqual(granted.body.role_codes, ['movieAdmin']);
    assert.equal(granted.body.user_external_id, tenant.userExternalId);
    assert.equal((await t.request('GET', '/api/v1/movies', { headers: tenant.headers })).status, 200);
    assert.equal((await t.request('POST', '/api/v1/movies', { headers: tenant.headers, json: movie })).status, 201);
    assertError(await t.request('PUT', path, { ...admin(), json: {} }), 400, 'invalid_request_error', 'a grant takes no body');
    const again = await t.request('PUT', path, admin());
    assert.equal(again.status, 200, 'granting twice is idempotent');
    assert.deepEqual(again.body.role_codes, ['movieAdmin']);
    const revoked = await t.request('DELETE', path, admin());
    assert.equal(revoked.status, 200, revoked.text);
    assert.deepEqual(revoked.body.role_codes, []);
    assert.equal((await t.request('GET', '/api/v1/movies', { headers: tenant.headers })).status, 403);
  });

  it('grants in one org only: the role does not apply through another org', async () => {
    const one = await createTenant(t, { roles: [] });
    const other = await createTenant(t, { roles: [] });
    // one's user is granted movieAdmin in other's org: a user may belong to several orgs.
    const res = await t.request('PUT', grantPath(other.orgExternalId, one.userExternalId, 'movieAdmin'), admin());
    assert.equal(res.status, 200, res.text);
    assert.equal((await t.request('GET', '/api/v1/movies', { headers: one.headers })).status, 403, "through one's own app");
    const viaOther = await t.request('GET', '/api/v1/movies', { token: one.token, headers: appHeaders(other.appId, other.apiKey) });
    assert.equal(viaOther.status, 200, "through other's app");
    const members = await t.request('GET', `/api/v1/orgs/${other.orgExternalId}/members`, admin());
    assert.deepEqual(
      members.body.items.map((m: { user_external_id: string }) => m.user_external_id).sort(),
      [one.userExternalId, other.userExternalId].sort(),
    );
  });

  it('404s an unknown user, role or org on grant and revoke', async () => {
    const tenant = await createTenant(t, { roles: [] });
    for (const method of ['PUT', 'DELETE']) {
      assertNotFound(await t.request(method, grantPath(tenant.orgExternalId, unknownId, 'movieAdmin'), admin()), `${method} unknown user`);
      assertNotFound(
        await t.request(method, grantPath(tenant.orgExternalId, tenant.userExternalId, 'noSuchRole'), admin()),
        `${method} unknown role`,
      );
      assertNotFound(await t.request(method, grantPath(unknownId, tenant.userExternalId, 'movieAdmin'), admin()), `${method} unknown org`);
    }
  });
});

describe('apps and API keys', () => {
  let t: TestApp;
  let g: GenesisKeys;
  let a: Tenant;
  let b: Tenant;
  before(async () => {
    t = await startTestApp();
    g = await runGenesis(t);
    [a, b] = await Promise.all([createTenant(t, { roles: ['sysAdmin'] }), createTenant(t, { roles: ['sysAdmin'] })]);
  });
  after(async () => t.close());

  it("creates an app in the caller's org: 201, Location, its key shown once and working", async () => {
    const res = await t.request('POST', '/api/v1/apps', { headers: a.headers, json: { name: ' Second app ', description: 'two' } });
    assert.equal(res.status, 201, res.text);
    const app = res.body;
    assert.equal(res.headers.get('location'), `/api/v1/apps/${app.external_id}`);
    assert.equal(app.name, 'Second app');
    assert.equal(app.oauth2_client_id, null);
    assert.equal(app.org_external_id, a.orgExternalId, "in the caller's org");
    assert.equal(app.create_app_extl_id, a.appId);
    assert.equal(app.api_keys.length, 1);
    const key: string = app.api_keys[0].key;
    assert.match(key, apiKeyShape);
    assert.ok(Date.parse(app.api_keys[0].deactivation_date) > Date.now());
    // A user of org A works through the new app (same org, same roles).
    assert.equal((await t.request('GET', '/api/v1/orgs', { token: a.token, headers: appHeaders(app.external_id, key) })).status, 200);
    const read = await t.request('GET', `/api/v1/apps/${app.external_id}`, { headers: a.headers });
    assert.equal(read.status, 200);
    assert.ok(!read.text.includes(key.slice(20)));
    assert.deepEqual(Object.keys(read.body.api_keys[0]).sort(), ['created_at', 'deactivation_date', 'key_id', 'prefix']);
    const list = await t.request('GET', '/api/v1/apps', { headers: a.headers });
    assert.deepEqual(
      list.body.items.map((x: { external_id: string }) => x.external_id),
      [app.external_id, a.appId],
      'newest first',
    );
    assert.ok(!list.text.includes(key.slice(20)));
  });

  it('lets only Principal apps bind an OAuth2 client id (tokens with that azp act as the app)', async () => {
    const clientId = `client-${randomUUID()}`;
    const refused = await t.request('POST', '/api/v1/apps', {
      headers: a.headers,
      json: { name: unique('Bound'), oauth2_client_id: clientId },
    });
    assertError(refused, 400, 'input_validation_error', 'tenant binding a client id');
    assert.equal(refused.body.error.param, 'oauth2_client_id');
    const created = await t.request('POST', '/api/v1/apps', { headers: a.headers, json: { name: unique('Unbound') } });
    const update = await t.request('PUT', `/api/v1/apps/${created.body.external_id}`, {
      headers: a.headers,
      json: { name: unique('Unbound'), oauth2_client_id: clientId },
    });
    assertError(update, 400, 'input_validation_error', 'tenant binding a client id on update');
    const principal = await t.request('PUT', `/api/v1/apps/${created.body.external_id}`, {
      headers: principalHeaders(g),
      json: { name: unique('Bound by principal'), oauth2_client_id: clientId },
    });
    assert.equal(principal.status, 200, principal.text);
    assert.equal(principal.body.oauth2_client_id, clientId);
  });

  it('400s what a client may never set (org, external id, keys) naming the property', async () => {
    for (const extra of [{ org_external_id: b.orgExternalId }, { external_id: 'mine' }, { api_keys: [] }]) {
      const res = await t.request('POST', '/api/v1/apps', { headers: a.headers, json: { name: unique('Strict'), ...extra } });
      assertError(res, 400, 'input_validation_error', JSON.stringify(extra));
      assert.equal(res.body.error.param, Object.keys(extra)[0]);
    }
  });

  it('409s a duplicate app name in the same org; the same name in another org is fine', async () => {
    const name = unique('Twin');
    assert.equal((await t.request('POST', '/api/v1/apps', { headers: a.headers, json: { name } })).status, 201);
    assertError(await t.request('POST', '/api/v1/apps', { headers: a.headers, json: { name } }), 409, 'conflict_error', 'same org');
    const inB = await t.request('POST', '/api/v1/apps', { headers: b.headers, json: { name } });
    assert.equal(inB.status, 201, inB.text);
    assert.equal(inB.body.org_external_id, b.orgExternalId);
  });

  it('updates name, description and client id; 409 on a taken name; 400 on a blank name', async () => {
    const created = await t.request('POST', '/api/v1/apps', { headers: a.headers, json: { name: unique('Upd') } });
    const id = created.body.external_id;
    const name = unique('Updated');
    const updated = await t.request('PUT', `/api/v1/apps/${id}`, { headers: a.headers, json: { name, description: 'desc' } });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.name, name);
    assert.equal(updated.body.description, 'desc');
    assert.deepEqual(
      updated.body.api_keys.map((k: { key_id: string }) => k.key_id),
      created.body.api_keys.map((k: { key_id: string }) => k.key_id),
    );
    const read = await t.request('GET', `/api/v1/apps/${id}`, { headers: a.headers });
    assert.deepEqual(read.body, updated.body);
    const taken = await t.request('GET', `/api/v1/apps/${a.appId}`, { headers: a.headers });
    assertError(
      await t.request('PUT', `/api/v1/apps/${id}`, { headers: a.headers, json: { name: taken.body.name } }),
      409,
      'conflict_error',
      'taken name',
    );
    const blank = await t.request('PUT', `/api/v1/apps/${id}`, { headers: a.headers, json: { name: ' ' } });
    assertError(blank, 400, 'input_validation_error', 'blank');
    assert.equal(blank.body.error.param, 'name');
  });

  it('deletes an app: 200 {external_id, deleted}, then 404, and its key stops working', async () => {
    const created = await t.request('POST', '/api/v1/apps', { headers: a.headers, json: { name: unique('Doomed') } });
    const id = created.body.external_id;
    const headers = { authorization: `Bearer ${a.token}`, ...appHeaders(id, created.body.api_keys[0].key) };
    assert.equal((await t.request('GET', '/api/v1/orgs', { headers })).status, 200);
    const del = await t.request('DELETE', `/api/v1/apps/${id}`, { headers: a.headers });
    assert.equal(del.status, 200, del.text);
    assert.deepEqual(del.body, { external_id: id, deleted: true });
    assertNotFound(await t.request('GET', `/api/v1/apps/${id}`, { headers: a.headers }), 'deleted app');
    assertNotFound(await t.request('DELETE', `/api/v1/apps/${id}`, { headers: a.headers }), 'deleted twice');
    assert.equal((await t.request('GET', '/api/v1/orgs', { headers })).status, 401, "deleted app's key");
  });

  it('404s an unknown app on every app route', async () => {
    assertNotFound(await t.request('GET', `/api/v1/apps/${unknownId}`, { headers: a.headers }), 'GET');
    assertNotFound(await t.request('PUT', `/api/v1/apps/${unknownId}`, { headers: a.headers, json: { name: 'x' } }), 'PUT');
    assertNotFound(await t.request('DELETE', `/api/v1/apps/${unknownId}`, { headers: a.headers }), 'DELETE');
    assertNotFound(await t.request('POST', `/api/v1/apps/${unknownId}/api-keys`, { headers: a.headers, json: {} }), 'POST key');
  });

  it('creates a key: 201 {key, key_id, prefix, deactivation_date}, shown once, working at once', async () => {
    const res = await t.request('POST', `/api/v1/apps/${a.appId}/api-keys`, { headers: a.headers });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['deactivation_date', 'key', 'key_id', 'prefix']);
    assert.match(res.body.key, apiKeyShape);
    assert.equal(res.body.key_id, res.body.key.slice(4, 20));
    assert.ok(res.body.key.startsWith(res.body.prefix) && res.body.prefix.startsWith('chk_'));
    assert.ok(Date.parse(res.body.deactivation_date) > Date.now());
    assert.equal((await t.request('GET', '/api/v1/orgs', { headers: { ...a.headers, 'x-api-key': res.body.key } })).status, 200);
    const app = await t.request('GET', `/api/v1/apps/${a.appId}`, { headers: a.headers });
    const listed = app.body.api_keys.find((k: { key_id: string }) => k.key_id === res.body.key_id);
    assert.ok(listed, 'the new key id is listed');
    assert.equal(listed.prefix, res.body.prefix);
    assert.ok(!app.text.includes(res.body.key.slice(20)), 'the key is never shown again');
    const withBody = await t.request('POST', `/api/v1/apps/${a.appId}/api-keys`, {
      headers: a.headers,
      json: { deactivation_date: '2098-01-01T00:00:00Z' },
    });
    assert.equal(withBody.status, 201);
    assert.equal(withBody.body.deactivation_date, '2098-01-01T00:00:00.000Z');
  });

  it('revokes a key: 200, then the key fails; unknown or already revoked key → 404', async () => {
    const made = await t.request('POST', `/api/v1/apps/${a.appId}/api-keys`, { headers: a.headers, json: {} });
    const path = `/api/v1/apps/${a.appId}/api-keys/${made.body.key_id}`;
    const res = await t.request('DELETE', path, { headers: a.headers });
    assert.equal(res.status, 200, res.text);
    assert.equal((await t.request('GET', '/api/v1/orgs', { headers: { ...a.headers, 'x-api-key': made.body.key } })).status, 401);
    assertNotFound(await t.request('DELETE', path, { headers: a.headers }), 'revoked twice');
    assertNotFound(await t.request('DELETE', `/api/v1/apps/${a.appId}/api-keys/noSuchKeyId00000`, { headers: a.headers }), 'unknown key');
    // A key id of another app of the caller's org, addressed through the wrong app: 404.
    const other = await t.request('POST', '/api/v1/apps', { headers: a.headers, json: { name: unique('Other') } });
    assertNotFound(
      await t.request('DELETE', `/api/v1/apps/${a.appId}/api-keys/${other.body.api_keys[0].key_id}`, { headers: a.headers }),
      'key of another app',
    );
  });
});

describe('permissions and roles', () => {
  let t: TestApp;
  let g: GenesisKeys;
  let tenantAdmin: Tenant;
  before(async () => {
    t = await startTestApp();
    g = await runGenesis(t);
    tenantAdmin = await createTenant(t, { roles: ['sysAdmin'] });
  });
  after(async () => t.close());

  const admin = () => ({ headers: principalHeaders(g) });
  const findPermission = async (resource: string, operation: string) =>
    (await t.request('GET', '/api/v1/permissions', admin())).body.items.find(
      (p: { resource: string; operation: string }) => p.resource === resource && p.operation === operation,
    );

  it('lists the genesis permissions', async () => {
    const res = await t.request('GET', '/api/v1/permissions', admin());
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.items.length > 0);
    for (const p of res.body.items) assert.equal(p.active, true);
    assert.ok(await findPermission('/api/v1/movies/{extlId}', 'DELETE'));
  });

  it('deletes a permission (200, then 404) and creates one for a real RBAC route (201); duplicate → 409', async () => {
    const existing = await findPermission('/api/v1/movies/{extlId}', 'DELETE');
    const del = await t.request('DELETE', `/api/v1/permissions/${existing.external_id}`, admin());
    assert.equal(del.status, 200, del.text);
    assert.deepEqual(del.body, { external_id: existing.external_id, deleted: true });
    assertNotFound(await t.request('DELETE', `/api/v1/permissions/${existing.external_id}`, admin()), 'deleted twice');
    assert.equal(await findPermission('/api/v1/movies/{extlId}', 'DELETE'), undefined);
    const movieAdmin = await t.request('GET', '/api/v1/roles/movieAdmin', admin());
    assert.ok(
      !movieAdmin.body.permissions.some(
        (p: { resource: string; operation: string }) => p.resource === '/api/v1/movies/{extlId}' && p.operation === 'DELETE',
      ),
      'the deleted permission left the roles',
    );

    const created = await t.request('POST', '/api/v1/permissions', {
      ...admin(),
      json: { resource: '/api/v1/movies/{extlId}', operation: 'DELETE', description: 'Delete a movie' },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers.get('location'), `/api/v1/permissions/${created.body.external_id}`);
    assert.equal(created.body.resource, '/api/v1/movies/{extlId}');
    assert.equal(created.body.operation, 'DELETE');
    assert.equal(created.body.active, true);
    assert.equal(created.body.create_app_extl_id, g.principal.appId);
    const dup = await t.request('POST', '/api/v1/permissions', {
      ...admin(),
      json: { resource: '/api/v1/movies/{extlId}', operation: 'DELETE' },
    });
    assertError(dup, 409, 'conflict_error', 'duplicate permission');
    assertNotFound(await t.request('DELETE', `/api/v1/permissions/${unknownId}`, admin()), 'unknown permission');
  });

  it('400s a permission that names no RBAC route', async () => {
    const cases = [
      { resource: '/api/v1/recipes', operation: 'POST' },
      { resource: '/api/v1/made-up', operation: 'GET' },
      { resource: '/api/v1/movies', operation: 'PATCH' },
      { resource: '/api/v1/movies/:extlId', operation: 'GET' },
      { resource: '/api/v1/movies/123', operation: 'GET' },
      { resource: '/api/v1/users', operation: 'POST' },
      { resource: '/healthz', operation: 'GET' },
    ];
    for (const body of cases) {
      const res = await t.request('POST', '/api/v1/permissions', { ...admin(), json: body });
      assertError(res, 400, 'input_validation_error', `${body.operation} ${body.resource}`);
      assert.ok(res.body.error.param, 'names the field at fault');
    }
  });

  it('lets only Principal apps write permissions and roles (403), while reading is RBAC only', async () => {
    const as = { headers: tenantAdmin.headers };
    const perm = await findPermission('/api/v1/movies', 'GET');
    const movieAdminBefore = (await t.request('GET', '/api/v1/roles/movieAdmin', admin())).body;
    const writes: [string, string, unknown?][] = [
      ['POST', '/api/v1/permissions', { resource: '/api/v1/movies', operation: 'GET' }],
      ['DELETE', `/api/v1/permissions/${perm.external_id}`],
      ['POST', '/api/v1/roles', { code: 'tenantRole' }],
      ['PUT', '/api/v1/roles/movieAdmin', { permissions: [] }],
      ['DELETE', '/api/v1/roles/movieAdmin'],
    ];
    for (const [method, path, json] of writes) {
      const res = await t.request(method, path, { ...as, ...(json !== undefined ? { json } : {}) });
      assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
      assert.equal(res.text, '');
    }
    assert.equal((await t.request('GET', '/api/v1/permissions', as)).status, 200);
    assert.equal((await t.request('GET', '/api/v1/roles', as)).status, 200);
    assert.equal((await t.request('GET', '/api/v1/roles/movieAdmin', as)).status, 200);
    // Nothing changed.
    assert.ok(await findPermission('/api/v1/movies', 'GET'));
    assert.equal((await t.request('GET', '/api/v1/roles/tenantRole', admin())).status, 404);
    assert.deepEqual((await t.request('GET', '/api/v1/roles/movieAdmin', admin())).body, movieAdminBefore);
  });

  it('creates a role with permissions (201); duplicate code → 409; unknown permission → 400 naming permissions[i]', async () => {
    const res = await t.request('POST', '/api/v1/roles', {
      ...admin(),
      json: {
        code: 'movieReader',
        description: 'Reads movies',
        permissions: [
          { resource: '/api/v1/movies/{extlId}', operation: 'GET' },
          { resource: '/api/v1/movies', operation: 'GET' },
        ],
      },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers.get('location'), '/api/v1/roles/movieReader');
    assert.equal(res.body.code, 'movieReader');
    assert.equal(res.body.active, true);
    assert.deepEqual(res.body.permissions.map((p: { resource: string; operation: string }) => `${p.operation} ${p.resource}`).sort(), [
      'GET /api/v1/movies',
      'GET /api/v1/movies/{extlId}',
    ]);
    assertError(
      await t.request('POST', '/api/v1/roles', { ...admin(), json: { code: 'movieReader' } }),
      409,
      'conflict_error',
      'duplicate code',
    );
    const bad = await t.request('POST', '/api/v1/roles', {
      ...admin(),
      json: {
        code: 'badRole',
        permissions: [
          { resource: '/api/v1/movies', operation: 'GET' },
          { resource: '/api/v1/nope', operation: 'GET' },
        ],
      },
    });
    assertError(bad, 400, 'input_validation_error', 'unknown permission');
    assert.equal(bad.body.error.param, 'permissions[1]');
    assertNotFound(await t.request('GET', '/api/v1/roles/badRole', admin()), 'the failed role was not created');
    const list = await t.request('GET', '/api/v1/roles', admin());
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.items.map((r: { code: string }) => r.code).sort(), ['movieAdmin', 'movieReader', 'sysAdmin']);
    const one = await t.request('GET', '/api/v1/roles/movieReader', admin());
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, res.body);
    assertNotFound(await t.request('GET', '/api/v1/roles/noSuchRole', admin()), 'unknown role');
  });

  it('applies role changes to RBAC: PUT replaces the permissions, inactive roles grant nothing, DELETE removes grants', async () => {
    const created = await t.request('POST', '/api/v1/roles', {
      ...admin(),
      json: { code: 'movieLister', permissions: [{ resource: '/api/v1/movies', operation: 'GET' }] },
    });
    assert.equal(created.status, 201, created.text);
    const tenant = await createTenant(t, { roles: ['movieLister'] });
    const list = () => t.request('GET', '/api/v1/movies', { headers: tenant.headers });
    const post = () => t.request('POST', '/api/v1/movies', { headers: tenant.headers, json: movie });
    assert.equal((await list()).status, 200);
    assert.equal((await post()).status, 403);

    const replaced = await t.request('PUT', '/api/v1/roles/movieLister', {
      ...admin(),
      json: { description: 'now a creator', permissions: [{ resource: '/api/v1/movies', operation: 'POST' }] },
    });
    assert.equal(replaced.status, 200, replaced.text);
    assert.deepEqual(replaced.body.permissions, [{ resource: '/api/v1/movies', operation: 'POST' }]);
    assert.equal(replaced.body.description, 'now a creator');
    assert.deepEqual((await t.request('GET', '/api/v1/roles/movieLister', admin())).body.permissions, [
      { resource: '/api/v1/movies', operation: 'POST' },
    ]);
    assert.equal((await list()).status, 403, 'the old permission is gone');
    assert.equal((await post()).status, 201, 'the new permission applies');

    const badPut = await t.request('PUT', '/api/v1/roles/movieLister', {
      ...admin(),
      json: { permissions: [{ resource: '/api/v1/nope', operation: 'GET' }] },
    });
    assertError(badPut, 400, 'input_validation_error', 'PUT unknown permission');
    assert.equal(badPut.body.error.param, 'permissions[0]');
    assert.equal((await post()).status, 201, 'a failed PUT changed nothing');

    const inactive = await t.request('PUT', '/api/v1/roles/movieLister', { ...admin(), json: { active: false } });
    assert.equal(inactive.status, 200);
    assert.equal(inactive.body.active, false);
    assert.deepEqual(inactive.body.permissions, [{ resource: '/api/v1/movies', operation: 'POST' }], 'omitted permissions are kept');
    assert.equal((await post()).status, 403, 'an inactive role grants nothing');
    assert.equal((await t.request('PUT', '/api/v1/roles/movieLister', { ...admin(), json: { active: true } })).status, 200);
    assert.equal((await post()).status, 201);

    const del = await t.request('DELETE', '/api/v1/roles/movieLister', admin());
    assert.equal(del.status, 200, del.text);
    assert.equal(del.body.deleted, true);
    assert.equal((await post()).status, 403, 'the deleted role grants nothing');
    assertNotFound(await t.request('GET', '/api/v1/roles/movieLister', admin()), 'deleted role');
    assertNotFound(await t.request('DELETE', '/api/v1/roles/movieLister', admin()), 'deleted twice');
    assertNotFound(await t.request('PUT', '/api/v1/roles/movieLister', { ...admin(), json: { active: true } }), 'PUT unknown role');
    const members = await t.request('GET', `/api/v1/orgs/${tenant.orgExternalId}/members`, admin());
    assert.deepEqual(members.body.items[0].role_codes, [], 'the grant went with the role');
  });
});

describe('self-registration', () => {
  let t: TestApp;
  let tenant: Tenant;
  before(async () => {
    t = await startTestApp();
    tenant = await createTenant(t, { roles: [] });
  });
  after(async () => t.close());

  it('registers once (201) and returns the existing user after (200); /users/me 404 before, 200 after', async () => {
    const claims = { sub: `self-${randomUUID()}`, email: 'sam@example.test', name: 'Sam Self', given_name: 'Sam', family_name: 'Self' };
    const token = await t.identity.mintToken(claims);
    const headers = appHeaders(tenant.appId, tenant.apiKey);
    assertNotFound(await t.request('GET', '/api/v1/users/me', { token }), 'before registration');
    const first = await t.request('POST', '/api/v1/users', { token, headers });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.headers.get('location'), '/api/v1/users/me');
    assert.equal(first.body.subject, claims.sub);
    assert.equal(first.body.issuer, t.identity.issuer);
    assert.equal(first.body.email, claims.email);
    assert.equal(first.body.given_name, 'Sam');
    assert.equal(first.body.family_name, 'Self');
    const me = await t.request('GET', '/api/v1/users/me', { token });
    assert.equal(me.status, 200);
    // GET /users/me adds the person and its identities to the user.
    const { person_external_id: personExternalId, identities, ...meUser } = me.body;
    assert.deepEqual(meUser, first.body);
    assert.equal(typeof personExternalId, 'string');
    assert.deepEqual(identities, [{ issuer: t.identity.issuer, subject: claims.sub }]);
    const renamed = await t.identity.mintToken({ ...claims, email: 'sam@new.example.test', name: 'Samuel Self', given_name: 'Samuel' });
    const second = await t.request('POST', '/api/v1/users', { token: renamed, headers });
    assert.equal(second.status, 200, second.text);
    assert.equal(second.body.external_id, first.body.external_id);
    assert.equal(second.body.email, 'sam@new.example.test', 'the profile is refreshed');
    assert.equal(second.body.given_name, 'Samuel');
  });

  it('records the same trimmed person name as movie audit fields do (blank claims count as absent)', async () => {
    const token = await t.identity.mintToken({ sub: `cher-${randomUUID()}`, name: ' Cher ', given_name: '  ', family_name: '' });
    const headers = { authorization: `Bearer ${token}`, ...appHeaders(tenant.appId, tenant.apiKey) };
    const reg = await t.request('POST', '/api/v1/users', { headers });
    assert.equal(reg.status, 201, reg.text);
    assert.deepEqual([reg.body.given_name, reg.body.family_name ?? null], ['Cher', null]);
    const movie = await t.request('POST', '/api/v1/movies', {
      headers,
      json: {
        title: 'Mermaids',
        rated: 'PG-13',
        release_date: '1990-12-14',
        run_time: 110,
        director: 'Richard Benjamin',
        writer: 'June Roberts',
      },
    });
    assert.equal(movie.status, 201, movie.text);
    assert.deepEqual([movie.body.create_user_first_name, movie.body.create_user_last_name ?? null], ['Cher', null]);
  });

  it("grants the self-register roles (movieAdmin) in the app's org", async () => {
    const token = await t.token();
    const headers = { authorization: `Bearer ${token}`, ...appHeaders(tenant.appId, tenant.apiKey) };
    assert.equal((await t.request('GET', '/api/v1/movies', { headers })).status, 403, 'before registration');
    const reg = await t.request('POST', '/api/v1/users', { headers });
    assert.equal(reg.status, 201);
    assert.equal((await t.request('GET', '/api/v1/movies', { headers })).status, 200, 'after registration');
    const g = await runGenesis(t);
    const members = await t.request('GET', `/api/v1/orgs/${tenant.orgExternalId}/members`, { headers: principalHeaders(g) });
    const mine = members.body.items.find((m: { user_external_id: string }) => m.user_external_id === reg.body.external_id);
    assert.deepEqual(mine?.role_codes, ['movieAdmin']);
  });
});

describe('logger endpoint', () => {
  let t: TestApp;
  let g: GenesisKeys;
  before(async () => {
    t = await startTestApp();
    g = await runGenesis(t);
  });
  after(async () => t.close());

  const admin = () => ({ headers: principalHeaders(g) });
  const put = (json: unknown) => t.request('PUT', '/api/v1/logger', { ...admin(), json });

  it('reads the logger state', async () => {
    const res = await t.request('GET', '/api/v1/logger', admin());
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { logger_minimum_level: 'trace', global_log_level: 'info', log_error_stack: false });
  });

  it('sets the level and the error-stack flag (boolean or "true"/"false")', async () => {
    let res = await put({ global_log_level: 'debug' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { logger_minimum_level: 'trace', global_log_level: 'debug', log_error_stack: false });
    res = await put({ log_error_stack: true });
    assert.deepEqual(res.body, { logger_minimum_level: 'trace', global_log_level: 'debug', log_error_stack: true });
    res = await put({ log_error_stack: 'false' });
    assert.equal(res.body.log_error_stack, false);
    res = await put({ log_error_stack: 'true', global_log_level: 'warn' });
    assert.deepEqual(res.body, { logger_minimum_level: 'trace', global_log_level: 'warn', log_error_stack: true });
    res = await put({ log_error_stack: false, global_log_level: 'info' });
    assert.deepEqual(res.body, { logger_minimum_level: 'trace', global_log_level: 'info', log_error_stack: false });
    assert.deepEqual((await t.request('GET', '/api/v1/logger', admin())).body, res.body);
  });

  it('400s an unknown level or a bad flag and changes nothing', async () => {
    const before = (await t.request('GET', '/api/v1/logger', admin())).body;
    const unknown = await put({ global_log_level: 'loud', log_error_stack: true });
    assertError(unknown, 400, 'input_validation_error', 'unknown level');
    assert.equal(unknown.body.error.param, 'global_log_level');
    assertError(await put({ log_error_stack: 'yes' }), 400, 'input_validation_error', 'bad flag');
    assertError(await put({ global_log_level: 'info', colour: 'red' }), 400, 'input_validation_error', 'unknown property');
    assert.deepEqual((await t.request('GET', '/api/v1/logger', admin())).body, before);
  });

  it("applies the level at once to every request's logging", async () => {
    const accessLine = (rid: string) => t.logs.find((l) => l.request_id === rid && l.message === 'request logged');
    const probe = async (rid: string) => {
      await t.request('GET', '/healthz', { headers: { 'request-id': rid } });
      // The access line is written when the response has been sent: wait for it with a deadline.
      const deadline = Date.now() + 1_000;
      while (!accessLine(rid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    assert.equal((await put({ global_log_level: 'warn' })).status, 200);
    const quiet = `quiet-${randomUUID()}`;
    await t.request('GET', '/healthz', { headers: { 'request-id': quiet } });
    assert.equal((await put({ global_log_level: 'info' })).status, 200);
    const loud = `loud-${randomUUID()}`;
    await probe(loud);
    assert.ok(accessLine(loud), 'at info the access line is written');
    assert.equal(accessLine(quiet), undefined, 'at warn no access line');
  });
});

describe('logger endpoint with LOG_LEVEL_MIN=info', () => {
  let t: TestApp;
  let g: GenesisKeys;
  before(async () => {
    t = await startTestApp({ env: { LOG_LEVEL_MIN: 'info' } });
    g = await runGenesis(t);
  });
  after(async () => t.close());

  it('reports the minimum and refuses levels below it (400)', async () => {
    const admin = { headers: principalHeaders(g) };
    assert.deepEqual((await t.request('GET', '/api/v1/logger', admin)).body, {
      logger_minimum_level: 'info',
      global_log_level: 'info',
      log_error_stack: false,
    });
    for (const level of ['debug', 'trace']) {
      const res = await t.request('PUT', '/api/v1/logger', { ...admin, json: { global_log_level: level } });
      assertError(res, 400, 'input_validation_error', level);
      assert.equal(res.body.error.param, 'global_log_level');
    }
    for (const level of ['warn', 'error', 'fatal', 'silent', 'info']) {
      const res = await t.request('PUT', '/api/v1/logger', { ...admin, json: { global_log_level: level } });
      assert.equal(res.status, 200, `${level}: ${res.text}`);
      assert.equal(res.body.global_log_level, level);
    }
  });
});
