import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import pg from 'pg';
import { defaultWriteSlots } from '../../src/platform/db/pool-admission.js';
import { startTestApp, type TestApp, type TestResponse } from '../harness/app.js';
import { testPostgresEnv, type TestDatabase } from '../harness/database.js';
import { principalHeaders, runGenesis } from '../harness/iam.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';
import { configuredTestDatabase } from './app-on-database.js';
import { waitUntil } from './server-process.js';

const unavailableBody = { error: { kind: 'unavailable_error', message: 'the service is temporarily unavailable, please retry' } };

/** Driver, network and server words that must never reach a client. */
const internals = /ECONN|postgres|127\.0\.0\.1|lock|timeout|SQL|pg_|stack|\.ts:/i;

/** What the contract allows at most for a request stalled by a lock held elsewhere. */
const contractMs = 5_000;

const movie = { title: 'Contended', rated: 'PG', release_date: '2024-01-02', run_time: 90, director: 'D', writer: 'W' };

/** An app whose Db is built from its configuration (DB_* settings), as main.ts builds it. */
interface ContentionApp {
  t: TestApp;
  database: TestDatabase;
  admin: Record<string, string>;
  /** A fresh movie of the Principal org; returns its external id. */
  createMovie(): Promise<string>;
  close(): Promise<void>;
}

/** A response with how long it took. */
interface Timed {
  res: TestResponse;
  ms: number;
}

async function timed(request: Promise<TestResponse>): Promise<Timed> {
  const started = performance.now();
  const res = await request;
  return { res, ms: performance.now() - started };
}

function assertUnavailable({ res, ms }: Timed, what: string): void {
  assert.equal(res.status, 503, `${what}: ${res.status} ${res.text}`);
  assert.deepEqual(res.body, unavailableBody, what);
  assert.match(res.headers.get('retry-after') ?? '', /^\d+$/, `${what}: Retry-After`);
  assert.doesNotMatch(res.text, internals, what);
  assert.ok(ms < contractMs, `${what} answered after ${Math.round(ms)} ms`);
}

describe('database contention', { skip: testPostgresEnv() ? false : 'needs the test PostgreSQL' }, () => {
  let identity: TestIdentity;
  /** A superuser session of the test server, for watching pg_stat_activity. */
  let observer: pg.Client;
  const opened: ContentionApp[] = [];
  const holders: pg.Client[] = [];

  before(async () => {
    identity = await startTestIdentity();
    observer = new pg.Client({ connectionString: testPostgresEnv()!.adminUrl, application_name: 'contention-observer' });
    await observer.connect();
  });

  // Closing a holder's connection releases its locks, so a failed test cannot stall the next one.
  afterEach(async () => {
    for (const holder of holders.splice(0)) await holder.end().catch(() => undefined);
  });

  after(async () => {
    for (const app of opened) await app.close().catch(() => undefined);
    await observer?.end();
    await identity?.close();
  });

  async function startContentionApp(env: Record<string, string> = {}): Promise<ContentionApp> {
    const database = await configuredTestDatabase(env);
    const t = await startTestApp({ database, identity, env });
    const admin = principalHeaders(await runGenesis(t));
    const app: ContentionApp = {
      t,
      database,
      admin,
      async createMovie() {
        const res = await t.request('POST', '/api/v1/movies', { headers: admin, json: movie });
        assert.equal(res.status, 201, res.text);
        return res.body.external_id as string;
      },
      async close() {
        await t.close();
        await database.drop();
      },
    };
    opened.push(app);
    return app;
  }

  /** A second connection to the app's database, in an open transaction (as another service would hold it). */
  async function lockHolder(app: ContentionApp): Promise<pg.Client> {
    const holder = new pg.Client({ connectionString: app.database.url, application_name: 'lock-holder' });
    holder.on('error', () => undefined);
    await holder.connect();
    holders.push(holder);
    await holder.query('BEGIN');
    return holder;
  }

  /** Backends of the app waiting for a heavyweight lock, optionally only those whose statement matches `like`. */
  async function waitingOnLocks(app: ContentionApp, like = '%'): Promise<number> {
    const { rows } = await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = $1 AND application_name = 'chompardo-api' AND wait_event_type = 'Lock' AND query LIKE $2`,
      [app.database.name, like],
    );
    return rows[0]?.n ?? 0;
  }

  let withDefaults: Promise<ContentionApp> | undefined;
  /** One app with every DB_* setting at its default, shared by the tests that need nothing else. */
  const defaultApp = (): Promise<ContentionApp> => (withDefaults ??= startContentionApp({ DB_POOL_MAX: '10' }));

  const put = (app: ContentionApp, id: string, title: string) =>
    app.t.request('PUT', `/api/v1/movies/${id}`, { headers: app.admin, json: { ...movie, title } });

  it('answers a PUT on a row locked by another connection with 503 after the lock timeout, not the statement timeout', async () => {
    const app = await defaultApp();
    const id = await app.createMovie();
    const holder = await lockHolder(app);
    await holder.query('SELECT 1 FROM movie.movie WHERE extl_id = $1 FOR UPDATE', [id]);

    const stalled = await timed(put(app, id, 'While locked'));
    assertUnavailable(stalled, 'PUT on the locked row');
    // It did wait for the lock (DB_LOCK_TIMEOUT, 1 s by default) and gave up there.
    assert.ok(stalled.ms >= 900, `answered after ${Math.round(stalled.ms)} ms: too early to have waited for the lock`);
    assert.ok(
      app.t.logs.some(
        (line) => line.message === 'error response sent to client' && (line.err as { code?: string } | undefined)?.code === '55P03',
      ),
      'the log says why: lock_not_available',
    );

    await holder.query('ROLLBACK');
    const after = await put(app, id, 'After the lock');
    assert.equal(after.status, 200, after.text);
    assert.equal(after.body.title, 'After the lock');
  });

  it('keeps reads fast and readiness up while 25 writes are stalled on a locked row', async () => {
    // Long limits, so that the stall outlasts every check below even on a slow machine.
    const app = await startContentionApp({ DB_POOL_MAX: '10', DB_LOCK_TIMEOUT: '30s', DB_POOL_WAIT_TIMEOUT: '30s' });
    const [locked, other] = [await app.createMovie(), await app.createMovie()];
    const holder = await lockHolder(app);
    await holder.query('SELECT 1 FROM movie.movie WHERE extl_id = $1 FOR UPDATE', [locked]);

    let settled = 0;
    const writes = Array.from({ length: 25 }, (_, index) => {
      const request = put(app, locked, `Stalled ${index}`);
      void request.finally(() => settled++).catch(() => undefined);
      return request;
    });
    const writeSlots = defaultWriteSlots(10);
    await waitUntil(
      async () => (await waitingOnLocks(app)) === writeSlots && app.database.db.stats().waiting === 25 - writeSlots,
      `${writeSlots} PUTs waiting on the row lock and ${25 - writeSlots} queued for a connection`,
      20_000,
    );

    const read = await timed(app.t.request('GET', `/api/v1/movies/${other}`, { headers: app.admin }));
    assert.equal(read.res.status, 200, read.res.text);
    assert.ok(read.ms < 2_000, `an unrelated read took ${Math.round(read.ms)} ms`);
    const list = await app.t.request('GET', '/api/v1/movies?limit=5', { headers: app.admin });
    assert.equal(list.status, 200, list.text);
    const ready = await timed(app.t.request('GET', '/readyz'));
    assert.equal(ready.res.status, 200, ready.res.text);
    assert.deepEqual(ready.res.body, { status: 'ready', checks: { database: 'up', jwks: 'up' } });
    assert.ok(ready.ms < 2_000, `readiness took ${Math.round(ready.ms)} ms`);
    assert.deepEqual((await app.t.request('GET', '/api/v1/ping')).body, { db_up: true });

    assert.equal(settled, 0, 'no stalled write finished meanwhile');
    assert.equal(await waitingOnLocks(app), writeSlots, 'the stalled writes never held more than their share of the pool');

    await holder.query('ROLLBACK');
    const results = await Promise.all(writes);
    assert.deepEqual(
      results.map((res) => res.status),
      results.map(() => 200),
      'once the lock is gone, every queued write runs',
    );
  });

  it('answers every one of 25 writes stalled on a lock within 5 s, with 503 and never 500', async () => {
    const app = await defaultApp();
    const [locked, other] = [await app.createMovie(), await app.createMovie()];
    const holder = await lockHolder(app);
    await holder.query('SELECT 1 FROM movie.movie WHERE extl_id = $1 FOR UPDATE', [locked]);

    const writes = Array.from({ length: 25 }, (_, index) => timed(put(app, locked, `Stalled ${index}`)));
    await waitUntil(async () => (await waitingOnLocks(app)) > 0, 'PUTs waiting on the row lock', 10_000);
    const read = await timed(app.t.request('GET', `/api/v1/movies/${other}`, { headers: app.admin }));
    assert.equal(read.res.status, 200, read.res.text);
    assert.equal((await app.t.request('GET', '/readyz')).status, 200);

    const results = await Promise.all(writes);
    results.forEach((result, index) => assertUnavailable(result, `stalled PUT ${index}`));
    await holder.query('ROLLBACK');
    assert.equal((await put(app, locked, 'Free again')).status, 200);
  });

  it('answers 503 within 5 s behind a table lock, while other tables and readiness are unaffected', async () => {
    const app = await defaultApp();
    const id = await app.createMovie();
    const holder = await lockHolder(app);
    await holder.query('LOCK TABLE movie.movie IN ACCESS EXCLUSIVE MODE');

    assertUnavailable(await timed(put(app, id, 'Behind a table lock')), 'PUT behind the table lock');
    // Behind ACCESS EXCLUSIVE even a plain read waits for the lock.
    assertUnavailable(await timed(app.t.request('GET', `/api/v1/movies/${id}`, { headers: app.admin })), 'GET behind the table lock');
    const orgs = await timed(app.t.request('GET', '/api/v1/orgs', { headers: app.admin }));
    assert.equal(orgs.res.status, 200, orgs.res.text);
    assert.ok(orgs.ms < 2_000, `a read of another table took ${Math.round(orgs.ms)} ms`);
    assert.equal((await app.t.request('GET', '/readyz')).status, 200);
    assert.deepEqual((await app.t.request('GET', '/api/v1/ping')).body, { db_up: true });

    await holder.query('ROLLBACK');
    assert.equal((await app.t.request('GET', `/api/v1/movies/${id}`, { headers: app.admin })).status, 200);
  });

  it('ends a rate-limit hit stalled on a locked counter row at the lock timeout (RATE_LIMIT_STORE=postgres)', async () => {
    const app = await startContentionApp({ RATE_LIMIT_MAX: '1000', RATE_LIMIT_STORE: 'postgres' });
    const id = await app.createMovie();
    const holder = await lockHolder(app);
    const { rowCount } = await holder.query('SELECT 1 FROM platform.rate_limit FOR UPDATE');
    assert.ok((rowCount ?? 0) > 0, 'the counters of earlier requests exist');

    const request = timed(app.t.request('GET', `/api/v1/movies/${id}`, { headers: app.admin }));
    // The hit really waits for the locked row…
    await waitUntil(async () => (await waitingOnLocks(app, '%rate_limit%')) > 0, 'the rate-limit hit waiting on its row', 5_000, 10);
    // …and the server ends that wait by itself, whatever the limiter does with the request meanwhile.
    await waitUntil(async () => (await waitingOnLocks(app, '%rate_limit%')) === 0, 'the lock wait ended by lock_timeout', 5_000, 25);
    const { res, ms } = await request;
    assert.notEqual(res.status, 500, res.text);
    assert.ok(ms < contractMs, `answered after ${Math.round(ms)} ms`);
    await holder.query('ROLLBACK');
  });
});
