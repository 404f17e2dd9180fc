import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestApp, TestResponse } from '../harness/app.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { createTenant, type Tenant } from '../harness/iam.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';
import { redisSkipReason, startTestRedis, type TestRedis } from '../harness/redis.js';
import { startAppOnDatabase } from './app-on-database.js';
import { waitUntil } from './server-process.js';

/**
 * RATE_LIMIT_STORE=redis against a real redis-server: two API instances on one database and one
 * Redis share every budget (requests per IP and per app, failed credentials), and a Redis that
 * goes away costs no request more than a moment: requests pass uncounted, and counting resumes
 * once it is back.
 */

const longWindow = '596h';
const longWindowSeconds = 596 * 3600;

function rateLimitOf(res: TestResponse): { policy: string; remaining: number; reset: number } | undefined {
  const match = /^"([a-z]+)";r=(\d+);t=(\d+)$/.exec(res.headers.get('ratelimit') ?? '');
  return match ? { policy: match[1]!, remaining: Number(match[2]), reset: Number(match[3]) } : undefined;
}

function assertRefused(res: TestResponse, policy: string): void {
  assert.equal(res.status, 429, res.text);
  assert.equal(res.body.error.kind, 'rate_limit_error');
  const limit = rateLimitOf(res);
  assert.equal(limit?.policy, policy);
  assert.equal(limit?.remaining, 0);
  assert.equal(res.headers.get('retry-after'), String(limit?.reset));
}

describe('rate limiting (Redis store shared by two instances)', { skip: redisSkipReason() }, () => {
  let redis: TestRedis;
  let identity: TestIdentity;
  let database: TestDatabase;
  let one: TestApp;
  let two: TestApp;
  let tenant: Tenant;

  before(async () => {
    redis = await startTestRedis();
    identity = await startTestIdentity();
    database = await createTestDatabase();
    // 20 per window; failed credentials: 2 per credential, 5 distinct per address.
    // A long store deadline: counting must be exact even on a loaded machine (a late call is let
    // through uncounted). With Redis down calls fail at once, whatever the deadline.
    const env = {
      RATE_LIMIT_MAX: '20',
      RATE_LIMIT_WINDOW: longWindow,
      RATE_LIMIT_STORE: 'redis',
      REDIS_URL: redis.url,
      RATE_LIMIT_STORE_TIMEOUT: '10s',
      TRUST_PROXY: 'loopback',
    };
    one = await startAppOnDatabase({ database, identity, env });
    two = await startAppOnDatabase({ database, identity, env });
    tenant = await createTenant(one);
  });

  after(async () => {
    await one?.close();
    await two?.close();
    await database?.drop();
    await identity?.close();
    await redis?.close();
  });

  it('counts the requests of one IP on both instances against one budget', async () => {
    const ip = { 'x-forwarded-for': '192.0.2.50' };
    const first = await one.request('GET', '/api/v1/ping', { headers: ip });
    assert.equal(first.headers.get('ratelimit-policy'), `"ip";q=20;w=${longWindowSeconds}`);
    assert.equal(rateLimitOf(first)?.remaining, 19);
    const seen: number[] = [];
    for (let i = 0; i < 19; i++) {
      const res = await (i % 2 === 0 ? two : one).request('GET', '/api/v1/ping', { headers: ip });
      assert.equal(res.status, 200, res.text);
      seen.push(rateLimitOf(res)!.remaining);
    }
    assert.deepEqual(
      seen,
      Array.from({ length: 19 }, (_, i) => 18 - i),
      'one counter, counting down across both',
    );
    assertRefused(await two.request('GET', '/api/v1/ping', { headers: ip }), 'ip');
    assertRefused(await one.request('GET', '/api/v1/ping', { headers: ip }), 'ip');
  });

  it('counts an app across both instances, concurrently, each request seeing its own count', async () => {
    const first = await one.request('GET', '/api/v1/movies', { headers: tenant.headers });
    const left = rateLimitOf(first)!.remaining;
    const answers = await Promise.all(
      Array.from({ length: left + 5 }, (_, i) => (i % 2 === 0 ? one : two).request('GET', '/api/v1/movies', { headers: tenant.headers })),
    );
    const passed = answers.filter((res) => res.status === 200);
    assert.equal(passed.length, left);
    assert.equal(answers.filter((res) => res.status === 429).length, 5);
    assert.deepEqual(
      passed.map((res) => rateLimitOf(res)!.remaining).sort((a, b) => a - b),
      Array.from({ length: left }, (_, i) => i),
    );
  });

  it('shares the budget of a failing credential: a token failing on one instance is refused by the other', async () => {
    const expired = await identity.mintToken({}, { expiresIn: -120 });
    const headers = { 'x-forwarded-for': '192.0.2.51' };
    const recipes = (t: TestApp) => t.request('GET', '/api/v1/recipes', { token: expired, headers });
    assert.equal((await recipes(one)).status, 401);
    // two's own first failure is the credential's second in the shared store: two blocks it.
    assert.equal((await recipes(two)).status, 401);
    assertRefused(await recipes(two), 'credential');
    assert.equal(
      (await two.request('GET', '/api/v1/recipes', { token: await identity.mintToken(), headers })).status,
      200,
      'others at that address pass',
    );
  });

  it('lets requests through at once while Redis is down, and counts again once it is back', async (ctx) => {
    const ip = { 'x-forwarded-for': '192.0.2.52' };
    const ping = () => one.request('GET', '/api/v1/ping', { headers: ip });
    assert.ok(rateLimitOf(await ping()), 'counted while Redis is up');
    await redis.stop();
    try {
      const started = performance.now();
      const res = await ping();
      const ms = performance.now() - started;
      assert.equal(res.status, 200, res.text);
      assert.equal(rateLimitOf(res), undefined, 'let through uncounted');
      // Not held for the 10 s deadline nor for a reconnect: commands fail at once while disconnected.
      assert.ok(ms < 3_000, `answered in ${Math.round(ms)} ms with Redis down`);
      ctx.diagnostic(`with Redis down: answered in ${Math.round(ms)} ms`);
      assert.ok(one.logs.some((line) => line.message === 'rate limit store failed; request let through' && line.store === 'redis'));
    } finally {
      await redis.start();
    }
    // ioredis reconnects with a backoff capped at 2 s.
    await waitUntil(async () => rateLimitOf(await ping()) !== undefined, 'counting after Redis is back', 10_000, 50);
    assert.ok(one.logs.some((line) => line.message === 'rate limit store reconnected'));
  });
});
