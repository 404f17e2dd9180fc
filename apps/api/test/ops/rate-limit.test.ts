import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp, type TestResponse } from '../harness/app.js';
import { createTestDatabase, testPostgresEnv, type TestDatabase } from '../harness/database.js';
import { appHeaders, createTenant, runGenesis, type Tenant } from '../harness/iam.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';
import { startAppOnDatabase } from './app-on-database.js';
import { waitUntil } from './server-process.js';

/**
 * The longest window the config accepts (the timer cap, ~24.8 days): windows are aligned to the
 * epoch, so a short window could roll over in the middle of a test and refill the budget.
 */
const longWindow = '596h';
const longWindowSeconds = 596 * 3600;

/** `"app";r=41;t=18` → { policy: 'app', remaining: 41, reset: 18 }. */
function parseRateLimit(res: TestResponse): { policy: string; remaining: number; reset: number } {
  const header = res.headers.get('ratelimit');
  const match = /^"([a-z]+)";r=(\d+);t=(\d+)$/.exec(header ?? '');
  assert.ok(match, `RateLimit header: ${header}`);
  return { policy: match[1]!, remaining: Number(match[2]), reset: Number(match[3]) };
}

function assertRefused(res: TestResponse, policy: string): void {
  assert.equal(res.status, 429, res.text);
  assert.equal(res.body.error.kind, 'rate_limit_error');
  assert.equal(res.body.error.code, 'rate_limited');
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${res.headers.get('retry-after')}`);
  const limit = parseRateLimit(res);
  assert.equal(limit.policy, policy);
  assert.equal(limit.remaining, 0);
  assert.equal(limit.reset, retryAfter);
}

/** Sends `request` until the budget the first answer announces is spent; returns how many passed. */
async function exhaust(request: () => Promise<TestResponse>, policy: string): Promise<number> {
  const first = await request();
  assert.equal(first.status, 200, first.text);
  const { remaining } = parseRateLimit(first);
  for (let i = 0; i < remaining; i++) {
    const res = await request();
    assert.equal(res.status, 200, res.text);
    assert.equal(parseRateLimit(res).remaining, remaining - i - 1);
  }
  assertRefused(await request(), policy);
  return remaining + 1;
}

describe('rate limiting (in-memory store)', () => {
  let t: TestApp;
  let tenant: Tenant;
  let other: Tenant;

  before(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_MAX: '40', RATE_LIMIT_WINDOW: longWindow, TRUST_PROXY: 'loopback' } });
    tenant = await createTenant(t);
    other = await createTenant(t);
  });

  after(async () => {
    await t?.close();
  });

  it('limits each app to RATE_LIMIT_MAX per window with the IETF headers, and 429 after', async () => {
    const list = () => t.request('GET', '/api/v1/movies', { headers: tenant.headers });
    const first = await list();
    assert.equal(first.headers.get('ratelimit-policy'), `"app";q=40;w=${longWindowSeconds}`);
    assert.ok(parseRateLimit(first).remaining < 40, 'setting up the tenant already counted');
    await exhaust(list, 'app');
    // Another app of the same client (same IP) has a budget of its own.
    assert.equal((await t.request('GET', '/api/v1/movies', { headers: other.headers })).status, 200);
  });

  it('authenticates before it limits, and limits before RBAC', async () => {
    // tenant's budget is spent (previous test): bad credentials still get 401, not 429.
    const bad = await t.request('GET', '/api/v1/movies', { headers: { ...tenant.headers, 'x-api-key': 'chk_wrong' } });
    assert.equal(bad.status, 401);
    // A route its roles do not grant: 429 comes before 403.
    assertRefused(await t.request('GET', '/api/v1/permissions', { headers: tenant.headers }), 'app');
  });

  it('limits callers without an app per IP (X-Forwarded-For from a trusted proxy)', async () => {
    const ping = (ip: string) => t.request('GET', '/api/v1/ping', { headers: { 'x-forwarded-for': ip } });
    const first = await ping('198.51.100.1');
    assert.equal(first.headers.get('ratelimit-policy'), `"ip";q=40;w=${longWindowSeconds}`);
    assert.equal(parseRateLimit(first).remaining, 39);
    await exhaust(() => ping('198.51.100.1'), 'ip');
    assert.equal((await ping('198.51.100.2')).status, 200, 'another IP has its own budget');
  });

  it('never limits the liveness and readiness probes', async () => {
    const ip = { 'x-forwarded-for': '198.51.100.1' }; // over its budget (previous test)
    for (const path of ['/healthz', '/readyz']) {
      const res = await t.request('GET', path, { headers: ip });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('ratelimit'), null);
    }
  });

  it('blocks an IP that keeps presenting bad credentials, before checking them', async () => {
    const ip = '203.0.113.9';
    const wrongKey = { ...tenant.headers, 'x-app-id': other.appId, 'x-api-key': 'chk_guess', 'x-forwarded-for': ip };
    // RATE_LIMIT_MAX 40 → 4 failures per window per IP.
    for (let i = 0; i < 4; i++) assert.equal((await t.request('GET', '/api/v1/movies', { headers: wrongKey })).status, 401);
    const right = { ...other.headers, 'x-forwarded-for': ip };
    assertRefused(await t.request('GET', '/api/v1/movies', { headers: right }), 'auth');
    // Requests without credentials from that IP are not affected; other IPs neither.
    assert.equal((await t.request('GET', '/api/v1/ping', { headers: { 'x-forwarded-for': ip } })).status, 200);
    assert.equal((await t.request('GET', '/api/v1/movies', { headers: { ...other.headers, 'x-forwarded-for': '203.0.113.10' } })).status, 200);
  });
});

describe('rate limiting with a one-second window', () => {
  let t: TestApp;

  before(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW: '1s' } });
  });

  after(async () => {
    await t?.close();
  });

  it('lets the caller in again once the window has passed', async () => {
    const ping = () => t.request('GET', '/api/v1/ping');
    // The window may roll over while we spend the budget; retry until one is spent in one window.
    let refused: TestResponse | undefined;
    await waitUntil(async () => {
      for (let i = 0; i < 4; i++) {
        const res = await ping();
        if (res.status === 429) {
          refused = res;
          return true;
        }
      }
      return false;
    }, 'a refusal', 10_000, 0);
    assertRefused(refused!, 'ip');
    await waitUntil(async () => (await ping()).status === 200, 'the next window', 3_000, 50);
  });
});

describe('rate limiting (PostgreSQL store shared by two instances)', { skip: testPostgresEnv() ? false : 'needs the test PostgreSQL' }, () => {
  let identity: TestIdentity;
  let database: TestDatabase;
  let one: TestApp;
  let two: TestApp;

  before(async () => {
    identity = await startTestIdentity();
    database = await createTestDatabase();
    const env = { RATE_LIMIT_MAX: '10', RATE_LIMIT_WINDOW: longWindow, RATE_LIMIT_STORE: 'postgres', TRUST_PROXY: 'loopback' };
    one = await startAppOnDatabase({ database, identity, env });
    two = await startAppOnDatabase({ database, identity, env });
  });

  after(async () => {
    await one?.close();
    await two?.close();
    await database?.drop();
    await identity?.close();
  });

  it('counts the requests of both instances against one budget', async () => {
    const ip = { 'x-forwarded-for': '192.0.2.44' };
    for (let i = 0; i < 3; i++) assert.equal((await one.request('GET', '/api/v1/ping', { headers: ip })).status, 200);
    const onTwo = await two.request('GET', '/api/v1/ping', { headers: ip });
    assert.equal(parseRateLimit(onTwo).remaining, 10 - 4);
    await exhaust(() => two.request('GET', '/api/v1/ping', { headers: ip }), 'ip');
    assertRefused(await one.request('GET', '/api/v1/ping', { headers: ip }), 'ip');
  });

  it('counts per app across instances', async () => {
    const g = await runGenesis(one);
    const headers = { authorization: `Bearer ${g.adminToken}`, ...appHeaders(g.test.appId, g.test.apiKey) };
    // The Test app's admin holds no role in the Test org: 403, but counted (429 comes first).
    const spent: number[] = [];
    for (const t of [one, two, one, two, one, two, one, two, one, two]) spent.push((await t.request('GET', '/api/v1/movies', { headers })).status);
    assert.deepEqual(spent, Array(10).fill(403));
    assertRefused(await one.request('GET', '/api/v1/movies', { headers }), 'app');
  });
});
