import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../harness/app.js';
import { appHeaders, createTenant, principalHeaders, runGenesis, type GenesisKeys } from '../harness/iam.js';
import { postgresRequired } from '../harness/fixtures.js';

/**
 * Genesis through HTTP (docs/auth.md, the OpenAPI spec): the one-time bootstrap, its 409 afterwards (also
 * under concurrency), the key-free read-back and that keys are never stored in plaintext.
 */

const run = promisify(execFile);
const genesisRequest = JSON.parse(
  readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../config/genesis/request.json'), 'utf8'),
) as { org: { name: string; description: string; app: { name: string; description: string } }; roles: { code: string }[] };
const allRoleCodes = genesisRequest.roles.map((r) => r.code).sort();
const orgKinds = { principal: 'principal', test: 'test', userInitiated: 'standard' } as const;
const apiKeyShape = /^chk_[A-Za-z0-9_-]{48}$/;

type GenesisBody = GenesisKeys['body'];

/** Every plaintext key in a genesis body (the creating response). */
function keysOf(body: GenesisBody): string[] {
  return (Object.keys(orgKinds) as (keyof typeof orgKinds)[]).flatMap((k) => body[k].app.api_keys.map((key: { key: string }) => key.key));
}

/** Every property named `name` anywhere in a JSON value. */
function propertiesNamed(value: unknown, name: string): unknown[] {
  if (Array.isArray(value)) return value.flatMap((v) => propertiesNamed(v, name));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => (k === name ? [v] : []).concat(propertiesNamed(v, name)));
}

describe('genesis', () => {
  let t: TestApp;
  let g: GenesisKeys;
  before(async () => {
    t = await startTestApp();
    g = await runGenesis(t);
  });
  after(async () => t.close());

  const admin = () => ({ headers: principalHeaders(g) });

  it('answers 201 with the three orgs, their kinds, and exactly one chk_ key per app', () => {
    const body = g.body;
    assert.deepEqual(Object.keys(body).sort(), ['principal', 'test', 'userInitiated']);
    for (const [node, kind] of Object.entries(orgKinds)) {
      const org = body[node];
      assert.equal(org.kind_description, kind, node);
      assert.match(org.external_id, /^[A-Za-z0-9_-]{16,}$/, node);
      assert.equal(org.app.org_external_id, org.external_id, node);
      assert.equal(org.app.api_keys.length, 1, `${node}: exactly one key`);
      const [key] = org.app.api_keys;
      assert.match(key.key, apiKeyShape, node);
      assert.equal(key.key.slice(4, 20), key.key_id, `${node}: the key id is the start of the key`);
      assert.ok(Date.parse(key.deactivation_date) > Date.now(), `${node}: the key is valid now`);
    }
    assert.equal(body.principal.name, 'Principal');
    assert.equal(body.principal.app.name, 'Developer Dashboard');
    assert.equal(body.test.app.name, 'Test App');
    assert.equal(body.userInitiated.name, genesisRequest.org.name);
    assert.equal(body.userInitiated.description, genesisRequest.org.description);
    assert.equal(body.userInitiated.app.name, genesisRequest.org.app.name);
    const ids = new Set([body.principal.external_id, body.test.external_id, body.userInitiated.external_id]);
    assert.equal(ids.size, 3, 'three distinct orgs');
    assert.equal(new Set(keysOf(body)).size, 3, 'three distinct keys');
  });

  it('makes every genesis key a working app credential', async () => {
    // A user without roles: 403 proves the app authenticated (a failed app check is 401).
    const stranger = await t.token();
    for (const node of Object.keys(orgKinds) as (keyof typeof orgKinds)[]) {
      const org = g[node];
      const res = await t.request('GET', '/api/v1/orgs', { token: stranger, headers: appHeaders(org.appId, org.apiKey) });
      assert.equal(res.status, 403, `${node}: ${res.text}`);
    }
  });

  it('grants the caller every role in Principal and the user-initiated org, none in Test', async () => {
    const me = await t.request('GET', '/api/v1/users/me', { token: g.adminToken });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.subject, g.adminClaims.sub);
    for (const node of ['principal', 'userInitiated'] as const) {
      const res = await t.request('GET', `/api/v1/orgs/${g[node].orgId}/members`, admin());
      assert.equal(res.status, 200, res.text);
      const mine = res.body.items.find((m: { user_external_id: string }) => m.user_external_id === me.body.external_id);
      assert.ok(mine, `${node}: the genesis user is a member`);
      assert.deepEqual([...mine.role_codes].sort(), allRoleCodes, `${node}: every role`);
    }
    const test = await t.request('GET', `/api/v1/orgs/${g.test.orgId}/members`, admin());
    assert.equal(test.status, 200, test.text);
    const inTest = test.body.items.find((m: { user_external_id: string }) => m.user_external_id === me.body.external_id);
    assert.deepEqual(inTest?.role_codes ?? [], [], 'no role in the Test org');
    // The roles work: the caller administers through the user-initiated org's app too.
    const viaUserOrg = await t.request('GET', '/api/v1/roles', {
      token: g.adminToken,
      headers: appHeaders(g.userInitiated.appId, g.userInitiated.apiKey),
    });
    assert.equal(viaUserOrg.status, 200, viaUserOrg.text);
  });

  it('answers a second genesis 409 and changes nothing', async () => {
    const snapshot = async () => ({
      orgs: (await t.request('GET', '/api/v1/orgs?limit=200', admin())).body,
      roles: (await t.request('GET', '/api/v1/roles', admin())).body,
      permissions: (await t.request('GET', '/api/v1/permissions', admin())).body,
      apps: (await t.request('GET', '/api/v1/apps', admin())).body,
    });
    const before = await snapshot();
    const again = await t.request('POST', '/api/v1/genesis', { token: g.adminToken });
    assert.equal(again.status, 409, again.text);
    assert.equal(again.body.error.kind, 'conflict_error');
    const otherUser = await t.token();
    const other = await t.request('POST', '/api/v1/genesis', {
      token: otherUser,
      json: { org: { name: 'Second Genesis Org', app: { name: 'Second Genesis App' } } },
    });
    assert.equal(other.status, 409, other.text);
    assert.equal(other.body.error.kind, 'conflict_error');
    assert.deepEqual(await snapshot(), before);
    assert.equal((await t.request('GET', '/api/v1/users/me', { token: otherUser })).status, 404, 'the second caller was not created');
  });

  it('reads back what genesis created (GET) with no key anywhere', async () => {
    const res = await t.request('GET', '/api/v1/genesis', admin());
    assert.equal(res.status, 200, res.text);
    for (const key of keysOf(g.body)) {
      assert.ok(!res.text.includes(key), 'a plaintext key appears in GET /genesis');
      assert.ok(!res.text.includes(key.slice(20)), 'a key secret appears in GET /genesis');
    }
    assert.deepEqual(propertiesNamed(res.body, 'key'), [], 'no `key` property');
    for (const node of Object.keys(orgKinds) as (keyof typeof orgKinds)[]) {
      const created = g.body[node];
      const read = res.body[node];
      assert.equal(read.external_id, created.external_id, node);
      assert.equal(read.name, created.name, node);
      assert.equal(read.kind_description, created.kind_description, node);
      assert.equal(read.app.external_id, created.app.external_id, node);
      assert.equal(read.app.name, created.app.name, node);
      assert.deepEqual(
        read.app.api_keys.map((k: { key_id: string; prefix: string }) => [k.key_id, k.prefix]),
        created.app.api_keys.map((k: { key_id: string; prefix: string }) => [k.key_id, k.prefix]),
        node,
      );
    }
  });

  it('guards GET /genesis: 401 without app credentials, 403 without a role', async () => {
    const noApp = await t.request('GET', '/api/v1/genesis', { token: g.adminToken });
    assert.equal(noApp.status, 401);
    assert.equal(noApp.text, '');
    assert.match(noApp.headers.get('www-authenticate') ?? '', /^Bearer realm="chompardo"/);
    const noToken = await t.request('GET', '/api/v1/genesis', { headers: appHeaders(g.principal.appId, g.principal.apiKey) });
    assert.equal(noToken.status, 401);
    const stranger = await t.token();
    const noRole = await t.request('GET', '/api/v1/genesis', {
      token: stranger,
      headers: appHeaders(g.principal.appId, g.principal.apiKey),
    });
    assert.equal(noRole.status, 403);
    assert.equal(noRole.text, '');
    const movieAdmin = await createTenant(t);
    assert.equal((await t.request('GET', '/api/v1/genesis', { headers: movieAdmin.headers })).status, 403);
  });

  it('requires a JWT for POST /genesis (401)', async () => {
    const res = await t.request('POST', '/api/v1/genesis');
    assert.equal(res.status, 401);
    assert.equal(res.text, '');
  });

  /** A data-only pg_dump of this test's database; undefined on the PGlite fallback. */
  async function dumpData(): Promise<string | undefined> {
    const url = t.database.url;
    if (url === undefined) return undefined;
    const bin = process.env.CHOMPARDO_TEST_PG_BIN;
    const pgDump = bin ? path.join(bin, 'pg_dump') : 'pg_dump';
    const { stdout } = await run(pgDump, ['--data-only', '--no-owner', `--dbname=${url}`], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  }

  function assertNoPlaintextKeys(dump: string, keys: string[]): void {
    assert.ok(dump.includes('COPY iam.app_api_key'), 'the dump holds the key table');
    for (const key of keys) {
      const row = dump.split('\n').find((l) => l.includes(key));
      assert.ok(row === undefined, `a plaintext key is stored, in the row: ${row?.slice(0, row.indexOf(key))}<key>…`);
      assert.ok(!dump.includes(key.slice(20)), 'a key secret is stored');
      assert.ok(dump.includes(key.slice(4, 20)), 'the key id is stored');
    }
  }

  it('stores no plaintext key or secret: absent from a data-only dump, key ids present', async (ctx) => {
    if (t.database.url === undefined) {
      assert.ok(!postgresRequired(), 'CI needs the test PostgreSQL to pg_dump');
      ctx.skip('PGlite fallback: no server to pg_dump');
      return;
    }
    // A key made after genesis counts too.
    const made = await t.request('POST', `/api/v1/apps/${g.principal.appId}/api-keys`, { ...admin(), json: {} });
    assert.equal(made.status, 201, made.text);
    assertNoPlaintextKeys((await dumpData())!, [...keysOf(g.body), made.body.key as string]);
  });

  it('stores no plaintext key of a create made with an Idempotency-Key either', async (ctx) => {
    if (t.database.url === undefined) {
      assert.ok(!postgresRequired(), 'CI needs the test PostgreSQL to pg_dump');
      ctx.skip('PGlite fallback: no server to pg_dump');
      return;
    }
    const idem = (key: string) => ({ ...principalHeaders(g), 'idempotency-key': key });
    const key = await t.request('POST', `/api/v1/apps/${g.principal.appId}/api-keys`, { headers: idem('idem-key-1'), json: {} });
    assert.equal(key.status, 201, key.text);
    const app = await t.request('POST', '/api/v1/apps', { headers: idem('idem-app-1'), json: { name: 'Idempotent app' } });
    assert.equal(app.status, 201, app.text);
    const org = await t.request('POST', '/api/v1/orgs', {
      headers: idem('idem-org-1'),
      json: { name: 'Idempotent org', app: { name: 'Idempotent org app' } },
    });
    assert.equal(org.status, 201, org.text);
    assertNoPlaintextKeys((await dumpData())!, [key.body.key, app.body.api_keys[0].key, org.body.app.api_keys[0].key]);
  });

  it('still reads back the genesis apps when their orgs hold more than 200 apps', async () => {
    // 201 more apps in the Principal org (the caller's org), a few at a time.
    const names = Array.from({ length: 201 }, (_, i) => `Bulk app ${i}`);
    for (let i = 0; i < names.length; i += 10) {
      const batch = await Promise.all(
        names.slice(i, i + 10).map((name) => t.request('POST', '/api/v1/apps', { ...admin(), json: { name } })),
      );
      for (const res of batch) assert.equal(res.status, 201, res.text);
    }
    const res = await t.request('GET', '/api/v1/genesis', admin());
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.principal.app.external_id, g.principal.appId, 'the Principal app is the one genesis created');
    assert.equal(res.body.principal.app.name, 'Developer Dashboard');
  });
});

describe('genesis on a fresh platform', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => t.close());

  it('rejects a body that names a non-RBAC route (400, param) and creates nothing', async () => {
    const token = await t.token();
    const res = await t.request('POST', '/api/v1/genesis', {
      token,
      json: {
        org: { name: 'Bad Genesis', app: { name: 'Bad App' } },
        permissions: [
          { resource: '/api/v1/movies', operation: 'GET' },
          { resource: '/api/v1/recipes', operation: 'POST' },
        ],
      },
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error.kind, 'input_validation_error');
    assert.equal(res.body.error.param, 'permissions[1]');
    const made = await t.request('POST', '/api/v1/genesis', {
      token,
      json: {
        org: { name: 'Bad Genesis', app: { name: 'Bad App' } },
        permissions: [{ resource: '/api/v1/nowhere/{extlId}', operation: 'GET' }],
      },
    });
    assert.equal(made.status, 400, made.text);
    assert.equal(made.body.error.param, 'permissions[0]');
    assert.equal((await t.request('GET', '/api/v1/users/me', { token })).status, 404, 'the caller was not created');
  });

  it('lets exactly one of 10 concurrent genesis calls win (one 201, nine 409)', async () => {
    const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => t.token({ sub: `racer-${i}` })));
    const results = await Promise.all(tokens.map((token) => t.request('POST', '/api/v1/genesis', { token })));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(
      statuses,
      [201, 409, 409, 409, 409, 409, 409, 409, 409, 409],
      results.map((r) => `${r.status} ${r.text.slice(0, 120)}`).join('\n'),
    );
    for (const r of results.filter((x) => x.status === 409)) assert.equal(r.body.error.kind, 'conflict_error');
    const winnerIndex = results.findIndex((r) => r.status === 201);
    const winner = results[winnerIndex]!.body;
    const headers = {
      authorization: `Bearer ${tokens[winnerIndex]}`,
      ...appHeaders(winner.principal.app.external_id, winner.principal.app.api_keys[0].key),
    };
    const orgs = await t.request('GET', '/api/v1/orgs?limit=200', { headers });
    assert.equal(orgs.status, 200, orgs.text);
    assert.deepEqual(
      orgs.body.items.map((o: { external_id: string }) => o.external_id).sort(),
      [winner.principal.external_id, winner.test.external_id, winner.userInitiated.external_id].sort(),
      'exactly the three orgs of the winner',
    );
    // Losers were not registered as users.
    for (const [i, token] of tokens.entries()) {
      if (i === winnerIndex) continue;
      assert.equal((await t.request('GET', '/api/v1/users/me', { token })).status, 404);
    }
  });
});
