import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { completeRequest, type CompleteGenesisRequest } from '../../src/modules/iam/application/genesis.service.js';
import { startTestApp, type TestApp, type TestResponse } from '../harness/app.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';
import { appHeaders } from '../harness/iam.js';

/**
 * Genesis with a partial body (issue "the first hour of a new user"): the body is optional and so
 * is each of its parts; a part left out takes the default request's part. Before the fix a body
 * with only `org` created no permissions and no roles, locking the genesis user out of every RBAC
 * route for good, and `{}` was refused. Each case runs on a fresh database and proves the genesis
 * user can then call RBAC routes (200, not 403).
 */

const defaults = JSON.parse(
  readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../config/genesis/request.json'), 'utf8'),
) as CompleteGenesisRequest;
const defaultRoleCodes = defaults.roles.map((r) => r.code).sort();
const routeKey = (r: { resource: string; operation: string }) => `${r.operation} ${r.resource}`;

interface Genesis {
  token: string;
  res: TestResponse;
  principal: Record<string, string>;
  userInitiated: Record<string, string>;
}

/** Runs genesis on `t` with `body` (undefined: no body at all) and keeps the caller's headers. */
async function genesis(t: TestApp, body: unknown): Promise<Genesis> {
  const token = await t.token({ given_name: 'Gene', family_name: 'Sis' });
  const res = await t.request('POST', '/api/v1/genesis', { token, ...(body === undefined ? {} : { json: body }) });
  const headersOf = (node: { app: { external_id: string; api_keys: { key: string }[] } } | undefined) =>
    node ? { authorization: `Bearer ${token}`, ...appHeaders(node.app.external_id, node.app.api_keys[0]!.key) } : {};
  return { token, res, principal: headersOf(res.body?.principal), userInitiated: headersOf(res.body?.userInitiated) };
}

/** The role codes the genesis user holds in the org of `headers`' app. */
async function myRoles(t: TestApp, g: Genesis, orgExternalId: string): Promise<string[]> {
  const me = await t.request('GET', '/api/v1/users/me', { token: g.token });
  assert.equal(me.status, 200, me.text);
  const members = await t.request('GET', `/api/v1/orgs/${orgExternalId}/members`, { headers: g.principal });
  assert.equal(members.status, 200, members.text);
  const mine = members.body.items.find((m: { user_external_id: string }) => m.user_external_id === me.body.external_id);
  assert.ok(mine, 'the genesis user is a member');
  return [...mine.role_codes].sort();
}

describe('genesis with a partial body', () => {
  let identity: TestIdentity;
  before(async () => {
    identity = await startTestIdentity();
  });
  after(async () => identity.close());

  /** A fresh API on a fresh database for one case. */
  function freshApp(): { get: () => TestApp } {
    let t: TestApp | undefined;
    before(async () => {
      t = await startTestApp({ identity });
    });
    after(async () => t?.close());
    return { get: () => t! };
  }

  describe('only `org`', () => {
    const app = freshApp();
    let g: Genesis;
    before(async () => {
      g = await genesis(app.get(), { org: { name: 'Only Org Co', description: 'just the org', app: { name: 'Only Org App' } } });
    });

    it('answers 201 with the given org and app', () => {
      assert.equal(g.res.status, 201, g.res.text);
      assert.equal(g.res.body.userInitiated.name, 'Only Org Co');
      assert.equal(g.res.body.userInitiated.app.name, 'Only Org App');
    });

    it('creates the default permissions and roles and lets the genesis user call RBAC routes (200, not 403)', async () => {
      const t = app.get();
      const roles = await t.request('GET', '/api/v1/roles', { headers: g.principal });
      assert.equal(roles.status, 200, roles.text);
      assert.deepEqual(roles.body.items.map((r: { code: string }) => r.code).sort(), defaultRoleCodes);
      const permissions = await t.request('GET', '/api/v1/permissions?limit=200', { headers: g.principal });
      assert.equal(permissions.status, 200, permissions.text);
      assert.deepEqual(permissions.body.items.map(routeKey).sort(), defaults.permissions.map(routeKey).sort());
      const movies = await t.request('GET', '/api/v1/movies', { headers: g.userInitiated });
      assert.equal(movies.status, 200, movies.text);
      assert.deepEqual(await myRoles(t, g, g.res.body.userInitiated.external_id), defaultRoleCodes);
    });
  });

  describe('only `roles`', () => {
    const app = freshApp();
    let g: Genesis;
    before(async () => {
      g = await genesis(app.get(), {
        roles: [
          {
            code: 'keeper',
            description: 'reads roles and movies',
            permissions: [
              { resource: '/api/v1/roles', operation: 'GET' },
              { resource: '/api/v1/orgs/{extlId}/members', operation: 'GET' },
              { resource: '/api/v1/movies', operation: 'GET' },
            ],
          },
        ],
      });
    });

    it('answers 201 with the default org', () => {
      assert.equal(g.res.status, 201, g.res.text);
      assert.equal(g.res.body.userInitiated.name, defaults.org.name);
      assert.equal(g.res.body.userInitiated.app.name, defaults.org.app.name);
    });

    it('creates exactly the given roles over the default permissions; the genesis user holds them', async () => {
      const t = app.get();
      const roles = await t.request('GET', '/api/v1/roles', { headers: g.principal });
      assert.equal(roles.status, 200, roles.text);
      assert.deepEqual(
        roles.body.items.map((r: { code: string }) => r.code),
        ['keeper'],
      );
      assert.equal((await t.request('GET', '/api/v1/movies', { headers: g.userInitiated })).status, 200);
      assert.deepEqual(await myRoles(t, g, g.res.body.principal.external_id), ['keeper']);
      // A route outside the role: the roles are the request's, not the defaults.
      assert.equal((await t.request('GET', '/api/v1/orgs', { headers: g.principal })).status, 403);
      // The default permissions were created (keeper may not list them: read the table).
      const stored = await t.database.db.query<{ resource: string; operation: string }>('SELECT resource, operation FROM iam.permission');
      assert.deepEqual(stored.rows.map(routeKey).sort(), defaults.permissions.map(routeKey).sort());
    });
  });

  describe('only `permissions`', () => {
    const app = freshApp();
    let g: Genesis;
    const permissions = [
      { resource: '/api/v1/roles', operation: 'GET' },
      { resource: '/api/v1/permissions', operation: 'GET' },
      { resource: '/api/v1/movies', operation: 'GET' },
      { resource: '/api/v1/movies', operation: 'POST' },
    ];
    before(async () => {
      g = await genesis(app.get(), { permissions });
    });

    it('keeps the default roles, each narrowed to the declared permissions', async () => {
      assert.equal(g.res.status, 201, g.res.text);
      const t = app.get();
      const roles = await t.request('GET', '/api/v1/roles', { headers: g.principal });
      assert.equal(roles.status, 200, roles.text);
      const byCode = new Map<string, string[]>(
        roles.body.items.map((r: { code: string; permissions: { resource: string; operation: string }[] }) => [
          r.code,
          r.permissions.map(routeKey).sort(),
        ]),
      );
      assert.deepEqual([...byCode.keys()].sort(), defaultRoleCodes);
      assert.deepEqual(byCode.get('sysAdmin'), permissions.map(routeKey).sort());
      assert.deepEqual(byCode.get('movieAdmin'), ['GET /api/v1/movies', 'POST /api/v1/movies']);
      const declared = await t.request('GET', '/api/v1/permissions', { headers: g.principal });
      assert.equal(declared.status, 200, declared.text);
      assert.deepEqual(declared.body.items.map(routeKey).sort(), permissions.map(routeKey).sort());
    });
  });

  for (const [name, body] of [
    ['`{}`', {}],
    ['no body', undefined],
  ] as const) {
    describe(name, () => {
      const app = freshApp();
      let g: Genesis;
      before(async () => {
        g = await genesis(app.get(), body);
      });

      it('runs the default request: default org, every default role, RBAC routes answer 200', async () => {
        assert.equal(g.res.status, 201, g.res.text);
        assert.equal(g.res.body.userInitiated.name, defaults.org.name);
        const t = app.get();
        const roles = await t.request('GET', '/api/v1/roles', { headers: g.principal });
        assert.equal(roles.status, 200, roles.text);
        assert.deepEqual(roles.body.items.map((r: { code: string }) => r.code).sort(), defaultRoleCodes);
        assert.equal((await t.request('GET', '/api/v1/movies', { headers: g.userInitiated })).status, 200);
        assert.deepEqual(await myRoles(t, g, g.res.body.principal.external_id), defaultRoleCodes);
        const again = await t.request('POST', '/api/v1/genesis', { token: g.token, json: {} });
        assert.equal(again.status, 409, 'still one-time');
      });
    });
  }

  describe('roles naming a permission the request does not declare', () => {
    const app = freshApp();
    it('answers 400 naming the role permission and creates nothing', async () => {
      const t = app.get();
      const g = await genesis(t, {
        permissions: [{ resource: '/api/v1/roles', operation: 'GET' }],
        roles: [{ code: 'broken', permissions: [{ resource: '/api/v1/movies', operation: 'GET' }] }],
      });
      assert.equal(g.res.status, 400, g.res.text);
      assert.equal(g.res.body.error.param, 'roles[0].permissions[0]');
      assert.equal((await t.request('GET', '/api/v1/users/me', { token: g.token })).status, 404, 'nothing was created');
      assert.equal((await genesis(t, undefined)).res.status, 201, 'genesis can still run');
    });
  });
});

describe('completeRequest', () => {
  it('fills every missing part from the defaults and keeps given parts as written', () => {
    assert.deepEqual(completeRequest({}, defaults), defaults);
    const org = { name: 'X', app: { name: 'Y' } };
    assert.deepEqual(completeRequest({ org }, defaults), { ...defaults, org });
    const roles = [{ code: 'r', permissions: [{ resource: '/api/v1/roles', operation: 'GET' as const }] }];
    assert.deepEqual(completeRequest({ roles }, defaults), { ...defaults, roles });
    assert.deepEqual(completeRequest({ roles: [] }, defaults).roles, [], 'an explicit empty list stays empty');
  });
});
