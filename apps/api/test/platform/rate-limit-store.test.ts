import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { ManagedDb } from '../../src/platform/db/managed-db.js';
import { openPostgresRateLimitStore, type RateLimitStore } from '../../src/platform/http/rate-limit-store.js';
import { createTestDatabase, testPostgresEnv, type TestDatabase } from '../harness/database.js';

/**
 * rate-limiter-flexible's PostgreSQL limiter driven through our Db port, on the suite's database:
 * the runner's PostgreSQL when it has one, else embedded PGlite (what `npm start` uses), so both
 * ways the API runs are covered by the suite's two modes. Counting must be atomic under
 * concurrency, windows must end, ended rows must be deleted, and everything lives in the migrated
 * table `platform.rate_limit`.
 */

/** The counter state after a consume, whether it passed or was over the budget (the library rejects then). */
async function settle(promise: Promise<RateLimiterRes>): Promise<RateLimiterRes> {
  try {
    return await promise;
  } catch (reason) {
    if (reason instanceof RateLimiterRes) return reason;
    throw reason;
  }
}

async function pollUntil(condition: () => Promise<boolean>, what: string, deadlineMs = 5_000): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  while (!(await condition())) {
    assert.ok(performance.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe(`the PostgreSQL rate-limit store on the test database (${testPostgresEnv() ? 'PostgreSQL' : 'PGlite'})`, () => {
  let database: TestDatabase;
  let db: ManagedDb;
  let store: RateLimitStore;

  before(async () => {
    database = await createTestDatabase();
    db = database.db;
    store = await openPostgresRateLimitStore(db, { cleanupIntervalMs: 50 });
  });

  after(async () => {
    await store?.close();
    await database?.drop();
  });

  it('counts concurrent hits on one key atomically, each seeing its own count, and refuses past the budget', async () => {
    const limiter = store.limiter('test-atomic', 15, 60_000);
    const results = await Promise.all(Array.from({ length: 20 }, () => settle(limiter.consume('k'))));
    assert.deepEqual(
      results.map((r) => r.consumedPoints).sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.equal(results.filter((r) => r.consumedPoints > 15).length, 5);
    for (const r of results) assert.ok(r.msBeforeNext > 0 && r.msBeforeNext <= 60_000, `msBeforeNext ${r.msBeforeNext}`);
    const { rows } = await db.query<{ key: string; points: number }>('SELECT key, points FROM platform.rate_limit WHERE key = $1', [
      'test-atomic:k',
    ]);
    assert.deepEqual(rows, [{ key: 'test-atomic:k', points: 20 }]);
  });

  it('keeps limiters of one store apart by prefix', async () => {
    const a = store.limiter('test-a', 5, 60_000);
    const b = store.limiter('test-b', 5, 60_000);
    await a.consume('same');
    await a.consume('same');
    assert.equal((await b.consume('same')).consumedPoints, 1);
  });

  it('starts a new window once a key’s window has ended, and deletes ended windows', async () => {
    const limiter = store.limiter('test-window', 1, 300);
    assert.equal((await settle(limiter.consume('w'))).consumedPoints, 1);
    assert.equal((await settle(limiter.consume('w'))).consumedPoints, 2, 'over the budget within the window');
    // The cleanup timer (50 ms) removes the row once the window has ended…
    await pollUntil(
      async () => (await db.query('SELECT 1 FROM platform.rate_limit WHERE key = $1', ['test-window:w'])).rowCount === 0,
      'the ended row to be deleted',
    );
    // … and the key starts over.
    assert.equal((await settle(limiter.consume('w'))).consumedPoints, 1);
  });
});
