import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startTestApp, type TestApp, type TestResponse } from '../harness/app.js';
import { createTestDatabase, testPostgresEnv, type TestDatabase } from '../harness/database.js';
import { appHeaders, createTenant, runGenesis, type Tenant } from '../harness/iam.js';
import { startTestIdentity, tamperPayload, type TestIdentity } from '../harness/identity.js';
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

  it('throttles a wrong key on its own: refused unchecked after its budget, the right key from the same address passes', async () => {
    const ip = '203.0.113.9';
    const wrongKey = { ...tenant.headers, 'x-app-id': other.appId, 'x-api-key': 'chk_guess', 'x-forwarded-for': ip };
    // RATE_LIMIT_MAX 40 → 4 failures per window per credential.
    for (let i = 0; i < 4; i++) assert.equal((await t.request('GET', '/api/v1/movies', { headers: wrongKey })).status, 401);
    const refused = await t.request('GET', '/api/v1/movies', { headers: wrongKey });
    assertRefused(refused, 'credential');
    assert.equal(refused.headers.get('ratelimit-policy'), `"credential";q=4;w=${longWindowSeconds}`);
    // The app's real key, other callers and other addresses are not affected.
    assert.equal((await t.request('GET', '/api/v1/movies', { headers: { ...other.headers, 'x-forwarded-for': ip } })).status, 200);
    assert.equal((await t.request('GET', '/api/v1/ping', { headers: { 'x-forwarded-for': ip } })).status, 200);
    assert.equal(
      (await t.request('GET', '/api/v1/movies', { headers: { ...other.headers, 'x-forwarded-for': '203.0.113.10' } })).status,
      200,
    );
  });
});

describe('failed credentials are throttled per credential, per address only for rotating floods', () => {
  let t: TestApp;
  let tenant: Tenant;

  before(async () => {
    // RATE_LIMIT_MAX 20: 2 failures per credential (ceil(20 / 10)), 5 distinct failing credentials per address (ceil(20 / 4)).
    t = await startTestApp({ env: { RATE_LIMIT_MAX: '20', RATE_LIMIT_WINDOW: longWindow, TRUST_PROXY: 'loopback' } });
    tenant = await createTenant(t);
  });

  after(async () => {
    await t?.close();
  });

  const rogueToken = (sub: string) => t.identity.mintToken({ sub }, { key: 'rogue' });

  it('one client with an expired token cannot lock out the other callers at its address (127.0.0.1)', async () => {
    const recipes = (token: string) => t.request('GET', '/api/v1/recipes', { token });
    const expired = await t.identity.mintToken({}, { expiresIn: -120 });
    for (let i = 0; i < 2; i++) {
      const res = await recipes(expired);
      assert.equal(res.status, 401, res.text);
      assert.match(res.headers.get('www-authenticate') ?? '', /error_description="token expired"/);
    }
    // Over its budget the token itself is refused before it is checked, again and again.
    for (let i = 0; i < 3; i++) assertRefused(await recipes(expired), 'credential');
    // The same client's other broken tokens fail on their own (distinct, but under the address budget).
    for (const token of [
      tamperPayload(await t.token(), { sub: 'root' }),
      await t.identity.mintToken({}, { kid: 'retired' }),
      'not.a.jwt',
    ]) {
      assert.equal((await recipes(token)).status, 401);
    }
    // Valid users behind the same address: one never seen before, and a tenant with its app.
    assert.equal((await recipes(await t.token())).status, 200);
    assert.equal((await t.request('GET', '/api/v1/movies', { headers: tenant.headers })).status, 200);
    assertRefused(await recipes(expired), 'credential');
  });

  it('refuses a flood of distinct bad tokens from one address unchecked after the address budget', async () => {
    const ip = { 'x-forwarded-for': '203.0.113.7' };
    const recipes = (token: string) => t.request('GET', '/api/v1/recipes', { token, headers: ip });
    const regular = await t.token();
    assert.equal((await recipes(regular)).status, 200, 'a user of that address, verified before the flood');
    for (let i = 0; i < 5; i++) assert.equal((await recipes(await rogueToken(`guess-${i}`))).status, 401, `guess ${i}`);
    const refused = await recipes(await rogueToken('guess-5'));
    assertRefused(refused, 'address');
    assert.equal(refused.headers.get('ratelimit-policy'), `"address";q=5;w=${longWindowSeconds}`);
    // Nothing new is checked from that address now, a valid newcomer's token neither …
    assertRefused(await recipes(await t.token()), 'address');
    // … but the callers verified before keep working, requests without credentials too, other addresses too.
    assert.equal((await recipes(regular)).status, 200);
    assert.equal((await t.request('GET', '/api/v1/ping', { headers: ip })).status, 200);
    assert.equal(
      (await t.request('GET', '/api/v1/recipes', { token: await t.token(), headers: { 'x-forwarded-for': '203.0.113.8' } })).status,
      200,
    );
  });

  it("refuses guessed app keys from one address after the address budget; the app's own callers keep working", async () => {
    const ip = { 'x-forwarded-for': '203.0.113.20' };
    const movies = (headers: Record<string, string>) => t.request('GET', '/api/v1/movies', { headers: { ...headers, ...ip } });
    assert.equal((await movies(tenant.headers)).status, 200);
    for (let i = 0; i < 5; i++) {
      const guess = `${tenant.apiKey.slice(0, 20)}${randomBytes(24).toString('base64url')}`;
      assert.equal((await movies({ ...tenant.headers, ...appHeaders(tenant.appId, guess) })).status, 401, `guess ${i}`);
    }
    // Guessing app ids counts the same as guessing keys.
    assertRefused(await movies({ ...tenant.headers, ...appHeaders('noSuchApp0000000000000', tenant.apiKey) }), 'address');
    assert.equal((await movies(tenant.headers)).status, 200);
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
    await waitUntil(
      async () => {
        for (let i = 0; i < 4; i++) {
          const res = await ping();
          if (res.status === 429) {
            refused = res;
            return true;
          }
        }
        return false;
      },
      'a refusal',
      10_000,
      0,
    );
    assertRefused(refused!, 'ip');
    await waitUntil(async () => (await ping()).status === 200, 'the next window', 3_000, 50);
  });
});

describe(
  'rate limiting (PostgreSQL store shared by two instances)',
  { skip: testPostgresEnv() ? false : 'needs the test PostgreSQL' },
  () => {
    let identity: TestIdentity;
    let database: TestDatabase;
    let one: TestApp;
    let two: TestApp;
    let withDeadline: TestApp;

    before(async () => {
      identity = await startTestIdentity();
      database = await createTestDatabase();
      const env = { RATE_LIMIT_MAX: '10', RATE_LIMIT_WINDOW: longWindow, RATE_LIMIT_STORE: 'postgres', TRUST_PROXY: 'loopback' };
      // Counting is exact only when no store call misses its deadline; a loaded machine can take
      // longer than the default 250 ms, so the counting instances wait longer. `withDeadline` keeps
      // the default for the locked-row test.
      const counting = { ...env, RATE_LIMIT_STORE_TIMEOUT: '10s' };
      one = await startAppOnDatabase({ database, identity, env: counting });
      two = await startAppOnDatabase({ database, identity, env: counting });
      withDeadline = await startAppOnDatabase({ database, identity, env });
    });

    after(async () => {
      await one?.close();
      await two?.close();
      await withDeadline?.close();
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
      for (const t of [one, two, one, two, one, two, one, two, one, two])
        spent.push((await t.request('GET', '/api/v1/movies', { headers })).status);
      assert.deepEqual(spent, Array(10).fill(403));
      assertRefused(await one.request('GET', '/api/v1/movies', { headers }), 'app');
    });

    it('shares the failed-credentials budgets: an address flooding both instances is refused by both', async () => {
      // RATE_LIMIT_MAX 10: 3 distinct failing credentials per address, counted in the shared store.
      const ip = { 'x-forwarded-for': '192.0.2.90' };
      const attempt = async (t: TestApp, sub: string) =>
        t.request('GET', '/api/v1/recipes', { token: await identity.mintToken({ sub }, { key: 'rogue' }), headers: ip });
      assert.equal((await attempt(one, 'a')).status, 401);
      assert.equal((await attempt(two, 'b')).status, 401);
      assert.equal((await attempt(one, 'c')).status, 401); // the third: one blocks the address
      assertRefused(await attempt(one, 'd'), 'address');
      // two has seen only one failure itself; the store says the address is over its budget.
      assert.equal((await attempt(two, 'e')).status, 401);
      assertRefused(await attempt(two, 'f'), 'address');
    });

    it('answers at once while another session holds the counter row locked (fail open, logged), and counts again after', async (ctx) => {
      const t = withDeadline;
      const address = '192.0.2.77';
      const ping = (ip = address) => t.request('GET', '/api/v1/ping', { headers: { 'x-forwarded-for': ip } });
      assert.ok((await ping()).headers.get('ratelimit'), 'counted: the row exists');
      const locker = new pg.Client({ connectionString: database.url });
      const observer = new pg.Client({ connectionString: database.url });
      await Promise.all([locker.connect(), observer.connect()]);
      try {
        await locker.query('BEGIN');
        const locked = await locker.query('SELECT key FROM platform.rate_limit WHERE key = $1 FOR UPDATE', [`request:ip:${address}`]);
        assert.equal(locked.rowCount, 1, 'the counter row of that address is locked');
        const timed = async () => {
          const started = performance.now();
          const res = await ping();
          return { res, ms: performance.now() - started };
        };
        const first = await timed();
        assert.equal(first.res.status, 200, first.res.text);
        assert.equal(first.res.headers.get('ratelimit'), null, 'let through uncounted');
        // Without the deadline it would wait for the lock until the statement timeout (15 s).
        assert.ok(first.ms < 3_000, `answered in ${Math.round(first.ms)} ms despite the lock`);
        const second = await timed();
        assert.equal(second.res.status, 200);
        assert.equal(second.res.headers.get('ratelimit'), null);
        ctx.diagnostic(`with the row locked: ${Math.round(first.ms)} ms, then ${Math.round(second.ms)} ms`);
        // The first call's upsert still waits on the lock; the second made no call for that key.
        const waiting = await observer.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        assert.equal(Number(waiting.rows[0]?.n), 1, 'one session waits on the lock, not one per request');
        assert.ok((await ping('192.0.2.78')).headers.get('ratelimit'), 'other keys are still counted');
        const logged = t.logs.filter((line) => line.message === 'rate limit store failed; request let through');
        assert.ok(
          logged.some((line) => (line.err as { type?: string } | undefined)?.type === 'RateLimitStoreTimeout'),
          'the timeout is logged',
        );
      } finally {
        await locker.query('ROLLBACK').catch(() => undefined);
        await Promise.all([locker.end(), observer.end()]);
      }
      // Lock released: the late call finishes and the key is counted again.
      await waitUntil(async () => (await ping()).headers.get('ratelimit') !== null, 'counting after the lock', 5_000, 20);
    });
  },
);
