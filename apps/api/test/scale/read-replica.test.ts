import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as pause } from 'node:timers/promises';
import { createDbHandle, type DbHandle } from '../../src/platform/db/db-handle.js';
import type { ManagedDb } from '../../src/platform/db/managed-db.js';
import { createPgDb } from '../../src/platform/db/pg-db.js';
import { createReadRouter, type ReadRouter } from '../../src/platform/db/read-router.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { createTestDatabase, testPostgresEnv, type TestDatabase } from '../harness/database.js';
import { createTenant, type Tenant } from '../harness/iam.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';
import { skipUnlessInstalled } from '../harness/fixtures.js';

/**
 * DATABASE_READ_URL (docs/database.md, "Read replica"): the runner's PostgreSQL as primary, a hot
 * standby cloned from it that replays 2 s late (`recovery_min_apply_delay`). GETs of movies go to
 * the standby once it has replayed this instance's writes; right after a write the caller still
 * reads it (from the primary); with the standby stopped, reads fall back to the primary.
 */

const applyDelay = '2s';
const skip = skipUnlessInstalled(testPostgresEnv() === undefined ? 'needs the runner PostgreSQL' : false);

function movie(title: string): Record<string, unknown> {
  return { title, rated: 'R', release_date: '1984-03-02T00:00:00Z', run_time: 92, director: 'Alex Cox', writer: 'Alex Cox' };
}

async function until<T>(what: string, deadlineMs: number, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    // Bounded polling of the router's replica state: it changes on its own timers.
    await pause(25);
  }
  throw new Error(`${what}: not within ${deadlineMs} ms`);
}

describe('read replica (DATABASE_READ_URL) with a lagging hot standby', { skip }, () => {
  let database: TestDatabase;
  let standby: PgCluster;
  let replica: ManagedDb;
  let router: ReadRouter;
  let handle: DbHandle;
  let t: TestApp;
  let tenant: Tenant;

  before(async () => {
    database = await createTestDatabase();
    const primaryPort = Number(new URL(database.url ?? '').port);
    standby = await startPostgres({ standbyOf: { port: primaryPort, applyDelay } });
    replica = createPgDb({
      connectionString: standby.urlFor(database.name),
      max: 5,
      applicationName: 'chompardo-test:read',
      connectionTimeoutMs: 1_000,
    });
    router = createReadRouter({ primary: database.db, replica, schemas: ['movie', 'recipe'], recheckMs: 200 });
    handle = createDbHandle(database.db, { readRouter: router });
    t = await startTestApp({ database, db: handle });
    tenant = await createTenant(t);
  });

  after(async () => {
    await t?.close();
    await router?.close();
    await standby?.destroy();
    await database?.drop();
  });

  it("reads from the standby once it has replayed this instance's writes", async () => {
    await until('the standby current', 30_000, () => (router.state().current ? true : undefined));
    const before = router.state().reads;
    const list = await t.request('GET', '/api/v1/movies', { headers: tenant.headers });
    assert.equal(list.status, 200);
    assert.ok(router.state().reads > before, 'the list came from the standby');
  });

  it('reads its own write at once although the standby is 2 s behind', async () => {
    await until('the standby current', 30_000, () => (router.state().current ? true : undefined));
    const created = await t.request('POST', '/api/v1/movies', { headers: tenant.headers, json: movie('Straight to Hell') });
    assert.equal(created.status, 201, created.text);
    const id: string = created.body.external_id;
    // The standby does not have it yet: it replays 2 s late.
    const onStandby = await replica.query('SELECT 1 FROM movie.movie WHERE extl_id = $1', [id]);
    assert.equal(onStandby.rowCount, 0, 'the standby lags');
    const before = router.state().reads;
    const read = await t.request('GET', `/api/v1/movies/${id}`, { headers: tenant.headers });
    assert.equal(read.status, 200, 'read-your-writes');
    assert.equal(read.body.title, 'Straight to Hell');
    assert.equal(router.state().reads, before, 'served by the primary');
    // Once replayed, the standby serves it.
    await until('the standby replayed the write', 15_000, () => (router.state().current ? true : undefined));
    const later = await t.request('GET', `/api/v1/movies/${id}`, { headers: tenant.headers });
    assert.equal(later.status, 200);
    assert.equal(router.state().reads, before + 1, 'served by the standby');
  });

  it('finds the primary in a multi-host URL that lists the standby first (target_session_attrs)', async () => {
    const primaryPort = Number(new URL(database.url ?? '').port);
    const hosts = `127.0.0.1:${standby.port},127.0.0.1:${primaryPort}`;
    const writer = createPgDb({
      connectionString: `postgres://postgres@${hosts}/${database.name}?target_session_attrs=read-write`,
      max: 2,
      applicationName: 'chompardo-test:multi',
    });
    const reader = createPgDb({ connectionString: `postgres://postgres@${hosts}/${database.name}?target_session_attrs=standby`, max: 2 });
    try {
      const onWriter = await writer.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
      assert.equal(onWriter.rows[0]?.standby, false);
      const onReader = await reader.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
      assert.equal(onReader.rows[0]?.standby, true);
      // The LISTEN connection goes to the primary too: a NOTIFY there reaches it.
      let resolveHeard: (payload: string) => void = () => undefined;
      const heard = new Promise<string>((resolve) => {
        resolveHeard = resolve;
      });
      const stop = await writer.listen('multi_host', resolveHeard);
      await database.db.notify('multi_host', 'on the primary');
      const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('(nothing within 5 s)'), 5_000).unref());
      assert.equal(await Promise.race([heard, timeout]), 'on the primary');
      await stop();
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  it('falls back to the primary when the standby is down', async () => {
    await until('the standby current', 30_000, () => (router.state().current ? true : undefined));
    await standby.stop();
    for (let i = 0; i < 5; i++) {
      const list = await t.request('GET', '/api/v1/movies', { headers: tenant.headers });
      assert.equal(list.status, 200, list.text);
    }
    assert.equal(router.state().up, false, 'the standby is marked down');
    await standby.start();
    await until('the standby back', 30_000, () => (router.state().current ? true : undefined));
  });
});
