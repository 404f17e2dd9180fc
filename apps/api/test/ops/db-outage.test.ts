import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { moduleMigrations } from '../../src/migrations.js';
import { migrateUp } from '../../src/platform/db/migrator.js';
import { createPgDb } from '../../src/platform/db/pg-db.js';
import type { TestApp } from '../harness/app.js';
import { runAdminSql } from '../harness/database.js';
import { principalHeaders, runGenesis } from '../harness/iam.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';
import { findPostgresBinaries, startPostgres, type PgCluster } from '../harness/postgres.js';
import { startAppOnDatabase } from './app-on-database.js';
import { exitWithin, startServerProcess, waitUntil, type ServerProcess } from './server-process.js';

const unavailableBody = { error: { kind: 'unavailable_error', message: 'the service is temporarily unavailable, please retry' } };

/** Driver, network and server words that must never reach a client. */
const internals = /ECONN|postgres|127\.0\.0\.1|terminat|SQL|pg_|stack|\.ts:/i;

/** Sends a request and measures it; every answer must come within the contract's 5 s. */
async function timed(t: TestApp, method: string, path: string, headers: Record<string, string>, json?: unknown) {
  const started = performance.now();
  const res = await t.request(method, path, { headers, ...(json !== undefined ? { json } : {}) });
  return { res, ms: performance.now() - started };
}

const movie = { title: 'Outage', rated: 'PG', release_date: '2024-01-02', run_time: 90, director: 'D', writer: 'W' };

// Each of these tests stops its own PostgreSQL server: the shared one serves the other test files.
describe('database outage', { skip: findPostgresBinaries() ? false : 'no PostgreSQL binaries' }, () => {
  let cluster: PgCluster;
  let identity: TestIdentity;

  before(async () => {
    cluster = await startPostgres();
    identity = await startTestIdentity();
  });

  after(async () => {
    await identity?.close();
    await cluster?.destroy();
  });

  it('answers 503 fast while PostgreSQL is down, stays live, turns unready, and recovers without a restart', async () => {
    await runAdminSql(cluster.adminUrl, 'CREATE DATABASE outage');
    const url = cluster.urlFor('outage');
    const db = createPgDb({ connectionString: url, max: 5, applicationName: 'chompardo-outage' });
    await migrateUp(db, moduleMigrations);
    const t = await startAppOnDatabase({ database: { url, name: 'outage', db, drop: () => db.close() }, identity });
    try {
      const g = await runGenesis(t);
      const admin = principalHeaders(g);
      assert.equal((await t.request('GET', '/api/v1/movies', { headers: admin })).status, 200);
      const stranger = await identity.mintToken();

      await cluster.stop();

      const checks = [
        await timed(t, 'GET', '/api/v1/movies', admin),
        await timed(t, 'POST', '/api/v1/movies', admin, movie),
        // Not cached yet: authenticating this caller itself needs the database.
        await timed(t, 'POST', '/api/v1/users', {
          authorization: `Bearer ${stranger}`,
          'x-app-id': g.test.appId,
          'x-api-key': g.test.apiKey,
        }),
      ];
      for (const { res, ms } of checks) {
        assert.equal(res.status, 503, res.text);
        assert.ok(ms < 5_000, `answered after ${Math.round(ms)} ms`);
        assert.deepEqual(res.body, unavailableBody);
        assert.doesNotMatch(res.text, internals);
        assert.match(res.headers.get('retry-after') ?? '', /^\d+$/);
      }
      const health = await timed(t, 'GET', '/healthz', {});
      assert.equal(health.res.status, 200);
      const ready = await timed(t, 'GET', '/readyz', {});
      assert.equal(ready.res.status, 503);
      assert.ok(ready.ms < 5_000);
      assert.deepEqual(ready.res.body, { status: 'not_ready', checks: { database: 'down', jwks: 'up' } });
      assert.deepEqual((await t.request('GET', '/api/v1/ping')).body, { db_up: false });

      await cluster.start();

      await waitUntil(async () => (await t.request('GET', '/readyz')).status === 200, 'readiness after PostgreSQL returned', 20_000, 100);
      const list = await t.request('GET', '/api/v1/movies', { headers: admin });
      assert.equal(list.status, 200, list.text);
      const created = await t.request('POST', '/api/v1/movies', { headers: admin, json: movie });
      assert.equal(created.status, 201, created.text);
    } finally {
      await t.close();
      await db.close();
    }
  });

  it('starts while PostgreSQL is down: listens, reports not ready, migrates and serves once it is back', async () => {
    await runAdminSql(cluster.adminUrl, 'CREATE DATABASE fresh');
    await cluster.stop();
    let server: ServerProcess | undefined;
    try {
      server = await startServerProcess({
        DATABASE_URL: cluster.urlFor('fresh'),
        AUTH_JWKS_URL: identity.jwksUrl,
        AUTH_ISSUER: identity.issuer,
        AUTH_AUDIENCE: identity.audience,
      });
      const base = server.baseUrl;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { status: 'not_ready', checks: { database: 'down', jwks: 'up' } });
      const token = await identity.mintToken();
      const early = await fetch(`${base}/api/v1/genesis`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      assert.equal(early.status, 503);
      assert.match(early.headers.get('retry-after') ?? '', /^\d+$/);
      assert.equal(((await early.json()) as { error: { kind: string } }).error.kind, 'unavailable_error');
      // It keeps trying, with growing pauses.
      await server.waitForLog((line) => line.message === 'database still unreachable' && line.attempt === 2, 10_000);

      await cluster.start();

      await server.waitForLog((line) => line.message === 'database ready', 30_000);
      await waitUntil(async () => (await fetch(`${base}/readyz`)).status === 200, 'readiness', 10_000, 100);
      const genesis = await fetch(`${base}/api/v1/genesis`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      const genesisText = await genesis.text();
      assert.equal(genesis.status, 201, genesisText);

      server.child.kill('SIGTERM');
      assert.deepEqual(await exitWithin(server, 15_000), { code: 0, signal: null });
    } finally {
      await server?.kill();
      await cluster.start();
    }
  });
});
