import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp, type TestResponse } from '../harness/app.js';
import { appHeaders, createTenant, principalHeaders, runGenesis, type GenesisKeys, type Tenant } from '../harness/iam.js';
import { movieBody } from '../harness/fixtures.js';

/**
 * App authentication and RBAC decisions through HTTP (docs/conventions.md "The order of checks", docs/auth.md "Apps: API keys"
 * and "Authorization"): every failure of app credentials is a bare 401 with the challenge, every missing
 * permission a bare 403, and 401 always comes before 403.
 */

const movie = movieBody();

function assertUnauthorized(res: TestResponse, what: string): void {
  assert.equal(res.status, 401, `${what}: ${res.status} ${res.text}`);
  assert.equal(res.text, '', `${what}: 401 has an empty body`);
  assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="chompardo"/, `${what}: challenge`);
}

function assertForbidden(res: TestResponse, what: string): void {
  assert.equal(res.status, 403, `${what}: ${res.status} ${res.text}`);
  assert.equal(res.text, '', `${what}: 403 has an empty body`);
}

describe('app authentication', () => {
  let t: TestApp;
  let g: GenesisKeys;
  let alice: Tenant;
  let bob: Tenant;
  before(async () => {
    t = await startTestApp();
    g = await runGenesis(t);
    [alice, bob] = await Promise.all([createTenant(t), createTenant(t)]);
  });
  after(async () => t.close());

  const movies = (headers: Record<string, string>) => t.request('GET', '/api/v1/movies', { headers });
  const admin = () => ({ headers: principalHeaders(g) });

  it('accepts the right pair', async () => {
    assert.equal((await movies(alice.headers)).status, 200);
  });

  it('401s a J+A route called with neither app header', async () => {
    assertUnauthorized(await t.request('POST', '/api/v1/users', { token: alice.token }), 'POST /users without app');
    assertUnauthorized(await movies({ authorization: `Bearer ${alice.token}` }), 'GET /movies without app');
  });

  it('401s X-APP-ID without X-API-KEY and X-API-KEY without X-APP-ID', async () => {
    const auth = { authorization: `Bearer ${alice.token}` };
    assertUnauthorized(await movies({ ...auth, 'x-app-id': alice.appId }), 'id without key');
    assertUnauthorized(await movies({ ...auth, 'x-api-key': alice.apiKey }), 'key without id');
    assertUnauthorized(await movies({ ...auth, 'x-app-id': alice.appId, 'x-api-key': '' }), 'empty key');
  });

  it('401s a wrong key: wrong secret, garbage, truncated, the key id alone', async () => {
    const auth = { authorization: `Bearer ${alice.token}` };
    const secret = alice.apiKey.slice(20);
    const flipped = secret[0] === 'A' ? `B${secret.slice(1)}` : `A${secret.slice(1)}`;
    const wrong = [
      `${alice.apiKey.slice(0, 20)}${flipped}`,
      `${alice.apiKey.slice(0, 20)}${'x'.repeat(32)}`,
      'not-a-key',
      alice.apiKey.slice(0, -1),
      `${alice.apiKey}x`,
      alice.apiKey.slice(0, 20),
      alice.apiKey.replace(/^chk_/, 'chx_'),
    ];
    for (const key of wrong) assertUnauthorized(await movies({ ...auth, ...appHeaders(alice.appId, key) }), `key ${key}`);
  });

  it('401s an unknown app id, and the key of another app', async () => {
    const auth = { authorization: `Bearer ${alice.token}` };
    assertUnauthorized(await movies({ ...auth, ...appHeaders('noSuchApp0000000000000', alice.apiKey) }), 'unknown app');
    assertUnauthorized(await movies({ ...auth, ...appHeaders(alice.appId, bob.apiKey) }), "bob's key on alice's app");
    assertUnauthorized(await movies({ ...auth, ...appHeaders(alice.appId, g.principal.apiKey) }), "the Principal key on alice's app");
  });

  it('stops a revoked key at once while another key of the same app keeps working', async () => {
    const tenant = await createTenant(t);
    const second = await t.request('POST', `/api/v1/apps/${tenant.appId}/api-keys`, { ...admin(), json: {} });
    assert.equal(second.status, 201, second.text);
    const firstHeaders = tenant.headers;
    const secondHeaders = { ...tenant.headers, 'x-api-key': second.body.key };
    assert.equal((await movies(firstHeaders)).status, 200, 'first key works (and is cached)');
    assert.equal((await movies(secondHeaders)).status, 200, 'second key works');
    const firstKeyId = tenant.apiKey.slice(4, 20);
    const revoked = await t.request('DELETE', `/api/v1/apps/${tenant.appId}/api-keys/${firstKeyId}`, admin());
    assert.equal(revoked.status, 200, revoked.text);
    assert.deepEqual(revoked.body, { external_id: firstKeyId, deleted: true });
    assertUnauthorized(await movies(firstHeaders), 'revoked key');
    assert.equal((await movies(secondHeaders)).status, 200, 'the other key still works');
    const app = await t.request('GET', `/api/v1/apps/${tenant.appId}`, admin());
    assert.deepEqual(
      app.body.api_keys.map((k: { key_id: string }) => k.key_id),
      [second.body.key_id],
      'the revoked key is gone from the app',
    );
  });

  it('refuses a deactivation date in the past or unparsable (400)', async () => {
    const cases: [unknown, string][] = [
      [{ deactivation_date: new Date(Date.now() - 60_000).toISOString() }, 'deactivation_date'],
      [{ deactivation_date: '2001-01-01' }, 'deactivation_date'],
      [{ deactivation_date: 'tomorrow' }, 'deactivation_date'],
    ];
    for (const [body, param] of cases) {
      const res = await t.request('POST', `/api/v1/apps/${alice.appId}/api-keys`, { ...admin(), json: body });
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
      assert.equal(res.body.error.kind, 'input_validation_error');
      assert.equal(res.body.error.param, param);
    }
    const app = await t.request('POST', '/api/v1/apps', {
      ...admin(),
      json: { name: `expired ${randomUUID()}`, api_key_deactivation_date: '2001-01-01T00:00:00Z' },
    });
    assert.equal(app.status, 400, app.text);
    assert.equal(app.body.error.param, 'api_key_deactivation_date');
  });

  it('accepts a YYYY-MM-DD deactivation date (that calendar day)', async () => {
    const res = await t.request('POST', `/api/v1/apps/${alice.appId}/api-keys`, { ...admin(), json: { deactivation_date: '2099-06-30' } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.deactivation_date.slice(0, 10), '2099-06-30');
    assert.equal((await movies({ ...alice.headers, 'x-api-key': res.body.key })).status, 200);
  });

  it('honours a key deactivation date: works before it, 401 from then on', async () => {
    // A key that expires 2 s from now: polled with a deadline, no fixed sleep.
    const deactivation = Date.now() + 2_000;
    const res = await t.request('POST', `/api/v1/apps/${alice.appId}/api-keys`, {
      ...admin(),
      json: { deactivation_date: new Date(deactivation).toISOString() },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(Date.parse(res.body.deactivation_date), deactivation);
    const headers = { ...alice.headers, 'x-api-key': res.body.key };
    const seen: { status: number; at: number }[] = [];
    const deadline = deactivation + 3_000;
    for (;;) {
      const r = await movies(headers);
      seen.push({ status: r.status, at: Date.now() });
      if (r.status === 401) {
        assertUnauthorized(r, 'expired key');
        break;
      }
      assert.ok(Date.now() < deadline, `the key still works ${Date.now() - deactivation} ms after its deactivation date`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(seen.length >= 2, 'the key worked before its date');
    assert.equal(seen[0]!.status, 200, 'the key works right after creation');
    assert.ok(
      seen.slice(0, -1).every((s) => s.status === 200),
      'only 200s before expiry',
    );
    assert.ok(seen.at(-1)!.at >= deactivation, 'refused only once the date has passed');
  });

  it("maps the token's azp / client_id to the app with that oauth2_client_id when no app headers are sent", async () => {
    const clientId = `client-${randomUUID()}`;
    const updated = await t.request('PUT', `/api/v1/apps/${alice.appId}`, {
      ...admin(),
      json: { name: `alice app ${randomUUID().slice(0, 6)}`, oauth2_client_id: clientId },
    });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.oauth2_client_id, clientId);
    const viaAzp = await t.identity.mintToken({ ...alice.userClaims, azp: clientId });
    assert.equal((await t.request('GET', '/api/v1/movies', { token: viaAzp })).status, 200, 'azp');
    const viaClientId = await t.identity.mintToken({ ...alice.userClaims, client_id: clientId });
    assert.equal((await t.request('GET', '/api/v1/movies', { token: viaClientId })).status, 200, 'client_id');
    // The org is the mapped app's org: a movie created this way is alice's.
    const created = await t.request('POST', '/api/v1/movies', { token: viaAzp, json: movie });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.create_app_extl_id, alice.appId);
    assert.equal((await t.request('GET', `/api/v1/movies/${created.body.external_id}`, { headers: alice.headers })).status, 200);
    assert.equal((await t.request('GET', `/api/v1/movies/${created.body.external_id}`, { headers: bob.headers })).status, 404);
    const unknown = await t.identity.mintToken({ ...alice.userClaims, azp: `client-${randomUUID()}` });
    assertUnauthorized(await t.request('GET', '/api/v1/movies', { token: unknown }), 'unknown azp');
    assertUnauthorized(await t.request('GET', '/api/v1/movies', { token: alice.token }), 'no azp, no app headers');
    // Self-registration works through the client id too.
    const newcomer = await t.identity.mintToken({ sub: `newcomer-${randomUUID()}`, azp: clientId });
    assert.equal((await t.request('POST', '/api/v1/users', { token: newcomer })).status, 201);
  });
});

describe('RBAC decisions and the order of checks', () => {
  let t: TestApp;
  let roleless: Tenant;
  let movieAdmin: Tenant;
  before(async () => {
    t = await startTestApp();
    [roleless, movieAdmin] = await Promise.all([createTenant(t, { roles: [] }), createTenant(t)]);
  });
  after(async () => t.close());

  it('403s a user without roles on movies and orgs', async () => {
    assertForbidden(await t.request('GET', '/api/v1/movies', { headers: roleless.headers }), 'roleless GET /movies');
    assertForbidden(await t.request('POST', '/api/v1/movies', { headers: roleless.headers, json: movie }), 'roleless POST /movies');
    assertForbidden(await t.request('GET', '/api/v1/orgs', { headers: roleless.headers }), 'roleless GET /orgs');
    assertForbidden(
      await t.request('GET', `/api/v1/orgs/${roleless.orgExternalId}`, { headers: roleless.headers }),
      'roleless GET own org',
    );
  });

  it('lets a movieAdmin use movies but nothing of the administration', async () => {
    assert.equal((await t.request('GET', '/api/v1/movies', { headers: movieAdmin.headers })).status, 200);
    assert.equal((await t.request('POST', '/api/v1/movies', { headers: movieAdmin.headers, json: movie })).status, 201);
    for (const [method, path] of [
      ['GET', '/api/v1/roles'],
      ['GET', '/api/v1/permissions'],
      ['GET', '/api/v1/orgs'],
      ['GET', '/api/v1/apps'],
      ['GET', '/api/v1/logger'],
      ['GET', '/api/v1/genesis'],
      ['GET', `/api/v1/orgs/${movieAdmin.orgExternalId}/members`],
    ] as const) {
      assertForbidden(await t.request(method, path, { headers: movieAdmin.headers }), `movieAdmin ${method} ${path}`);
    }
  });

  it('answers 401 before 403: no token, bad token, bad app credentials', async () => {
    const app = appHeaders(movieAdmin.appId, movieAdmin.apiKey);
    const noToken = await t.request('GET', '/api/v1/movies', { headers: app });
    assertUnauthorized(noToken, 'no token');
    assert.doesNotMatch(noToken.headers.get('www-authenticate') ?? '', /invalid_token/, 'no token presented: no error code');
    const expired = await t.identity.mintToken(movieAdmin.userClaims, { expiresIn: -120 });
    const badToken = await t.request('GET', '/api/v1/movies', { token: expired, headers: app });
    assertUnauthorized(badToken, 'expired token');
    assert.match(badToken.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    // The roleless user with broken app credentials: the app check fails first.
    assertUnauthorized(
      await t.request('GET', '/api/v1/movies', { token: roleless.token, headers: appHeaders(roleless.appId, movieAdmin.apiKey) }),
      'roleless user, wrong key',
    );
    assertUnauthorized(await t.request('GET', '/api/v1/orgs', { token: roleless.token }), 'roleless user, no app');
  });

  it('answers 401 and 403 before body validation (400)', async () => {
    assertUnauthorized(
      await t.request('POST', '/api/v1/movies', { headers: { ...roleless.headers, 'x-api-key': movieAdmin.apiKey }, json: { title: '' } }),
      'bad app, bad body',
    );
    assertForbidden(
      await t.request('POST', '/api/v1/movies', { headers: roleless.headers, json: { nonsense: true } }),
      'no role, bad body',
    );
    const asAdmin = await t.request('POST', '/api/v1/movies', { headers: movieAdmin.headers, json: { nonsense: true } });
    assert.equal(asAdmin.status, 400, 'with the role, the body is validated');
  });

  it("uses the app's org for RBAC: roles held in another org do not count", async () => {
    // movieAdmin's user calling through the roleless tenant's app: no role in that org.
    const crossed = await t.request('GET', '/api/v1/movies', {
      token: movieAdmin.token,
      headers: appHeaders(roleless.appId, roleless.apiKey),
    });
    assertForbidden(crossed, "movieAdmin via another org's app");
  });
});
