import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createDb } from '../../src/platform/db/index.js';
import type { ManagedDb } from '../../src/platform/db/managed-db.js';
import { quoteIdent } from '../../src/platform/db/sql-ident.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { createTestDatabase, runAdminSql, testPostgresEnv, type TestDatabase } from '../harness/database.js';
import { createTenant, type Tenant } from '../harness/iam.js';
import { pgbouncerBinary, startPgBouncer, type PgBouncer } from '../harness/pgbouncer.js';
import { movieBody, skipUnlessInstalled } from '../harness/fixtures.js';

/**
 * The API through PgBouncer 1.18 (docs/database.md, "Connection pooler"), in session and in
 * transaction pooling, configured as documented: DB_POOLER=session|transaction, the session
 * limits set on the database (PgBouncer drops them from the startup packet), and in transaction
 * mode DATABASE_DIRECT_URL for LISTEN. The acceptance flow runs through it: create, read, update,
 * delete a movie, an idempotent replay, the PostgreSQL rate-limit store up to its 429, and a
 * NOTIFY reaching a LISTEN.
 */

const skip = skipUnlessInstalled(
  testPostgresEnv() === undefined
    ? 'needs the runner PostgreSQL'
    : !existsSync(pgbouncerBinary)
      ? `needs ${pgbouncerBinary} (apt-get install pgbouncer)`
      : false,
);
const rateLimitMax = 40;

for (const poolMode of ['session', 'transaction'] as const) {
  describe(`through PgBouncer in ${poolMode} mode`, { skip }, () => {
    let database: TestDatabase;
    let bouncer: PgBouncer;
    let db: ManagedDb;
    let t: TestApp;
    let tenant: Tenant;

    before(async () => {
      database = await createTestDatabase();
      const direct = new URL(database.url ?? '');
      const admin = testPostgresEnv()?.adminUrl ?? '';
      // What the API would send as startup parameters, set where PgBouncer cannot drop them.
      for (const [name, value] of [
        ['statement_timeout', '15s'],
        ['lock_timeout', '1s'],
        ['idle_in_transaction_session_timeout', '10s'],
      ]) {
        await runAdminSql(admin, `ALTER DATABASE ${quoteIdent(database.name)} SET ${name} = '${value}'`);
      }
      // Session pooling pins a server connection to each client connection: it needs the API's
      // pool plus its LISTEN and health connections. Transaction pooling shares 3 among them.
      bouncer = await startPgBouncer({ serverPort: Number(direct.port), poolMode, poolSize: poolMode === 'session' ? 12 : 3 });
      db = await createDb({
        databaseUrl: bouncer.urlFor(database.name),
        databaseDirectUrl: database.url,
        dbPooler: poolMode,
        dbPoolMax: 8,
        dbPoolWaitTimeoutMs: 30_000,
        dataDir: '/nonexistent',
      });
      t = await startTestApp({
        database: { url: bouncer.urlFor(database.name), name: database.name, db, drop: () => db.close() },
        env: {
          RATE_LIMIT_MAX: String(rateLimitMax),
          RATE_LIMIT_WINDOW: '596h',
          RATE_LIMIT_STORE: 'postgres',
          RATE_LIMIT_STORE_TIMEOUT: '10s',
        },
      });
      tenant = await createTenant(t);
    });

    after(async () => {
      await t?.close();
      await db?.close();
      await bouncer?.stop();
      await database?.drop();
    });

    it('applies the session limits set on the server', async () => {
      const { rows } = await db.query<{ lock_timeout: string }>('SHOW lock_timeout');
      assert.equal(rows[0]?.lock_timeout, '1s');
    });

    it('creates, reads, updates and deletes a movie; replays an idempotent create', async () => {
      const key = randomUUID();
      const headers = { ...tenant.headers, 'Idempotency-Key': key };
      const created = await t.request('POST', '/api/v1/movies', { headers, json: movieBody() });
      assert.equal(created.status, 201, created.text);
      const id: string = created.body.external_id;
      const replay = await t.request('POST', '/api/v1/movies', { headers, json: movieBody() });
      assert.equal(replay.status, 201);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      assert.equal(replay.body.external_id, id);

      const read = await t.request('GET', `/api/v1/movies/${id}`, { headers: tenant.headers });
      assert.equal(read.status, 200);
      assert.equal(read.body.title, 'Repo Man');
      // The same statements many times over few server connections: no prepared-statement clashes.
      const reads = await Promise.all(
        Array.from({ length: 20 }, () => t.request('GET', `/api/v1/movies/${id}`, { headers: tenant.headers })),
      );
      assert.deepEqual([...new Set(reads.map((r) => r.status))], [200]);

      const updated = await t.request('PUT', `/api/v1/movies/${id}`, {
        headers: { ...tenant.headers, 'If-Match': '"1"' },
        json: movieBody({ title: 'Sid and Nancy' }),
      });
      assert.equal(updated.status, 200, updated.text);
      assert.equal(updated.body.title, 'Sid and Nancy');
      const deleted = await t.request('DELETE', `/api/v1/movies/${id}`, { headers: { ...tenant.headers, 'If-Match': '"2"' } });
      assert.ok(deleted.status === 204 || deleted.status === 200, deleted.text);
      assert.equal((await t.request('GET', `/api/v1/movies/${id}`, { headers: tenant.headers })).status, 404);
    });

    it('delivers NOTIFY to a LISTEN (over the direct connection in transaction mode)', async () => {
      const channel = `bouncer_${randomUUID().replaceAll('-', '')}`;
      let resolveHeard: (payload: string) => void = () => undefined;
      const heard = new Promise<string>((resolve) => {
        resolveHeard = resolve;
      });
      const stop = await db.listen(channel, resolveHeard);
      try {
        await db.notify(channel, 'hello');
        const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('(nothing within 5 s)'), 5_000).unref());
        assert.equal(await Promise.race([heard, timeout]), 'hello');
      } finally {
        await stop();
      }
    });

    it('counts requests in the PostgreSQL rate-limit store up to 429', async () => {
      let status = 0;
      for (let i = 0; i <= rateLimitMax && status !== 429; i++) {
        status = (await t.request('GET', '/api/v1/movies', { headers: tenant.headers })).status;
      }
      assert.equal(status, 429);
    });
  });
}
