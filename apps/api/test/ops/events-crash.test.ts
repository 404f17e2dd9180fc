import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testPostgresEnv, type TestDatabase } from '../harness/database.js';
import { appHeaders } from '../harness/iam.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';
import { startServerProcess, waitUntil, type ServerProcess } from './server-process.js';

/**
 * The outbox across a crash: the API process is SIGKILLed right after it answered an org's
 * deletion; whatever the dispatcher had or had not done by then, the org's movies are gone once
 * the API runs again (the event committed with the deletion; delivery resumes at start).
 */

async function call(
  server: ServerProcess,
  method: string,
  path: string,
  headers: Record<string, string>,
  json?: unknown,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw JSON
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { ...headers, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe(
  'event delivery across a crash',
  { skip: testPostgresEnv() ? false : 'needs the test PostgreSQL (two processes on one database)' },
  () => {
    let identity: TestIdentity;
    let database: TestDatabase;
    const servers: ServerProcess[] = [];

    before(async () => {
      identity = await startTestIdentity();
      database = await createTestDatabase();
    });
    after(async () => {
      for (const server of servers) await server.kill();
      await database?.drop();
      await identity?.close();
    });

    function start(): Promise<ServerProcess> {
      return startServerProcess({
        DATABASE_URL: database.url!,
        AUTH_JWKS_URL: identity.jwksUrl,
        AUTH_ISSUER: identity.issuer,
        AUTH_AUDIENCE: identity.audience,
        MIGRATE_ON_START: 'false',
      }).then((server) => {
        servers.push(server);
        return server;
      });
    }

    it('deletes the movies of an org deleted just before a SIGKILL once the API is back', async (t) => {
      const first = await start();
      const adminToken = await identity.mintToken();
      const genesis = await call(first, 'POST', '/api/v1/genesis', { authorization: `Bearer ${adminToken}` });
      assert.equal(genesis.status, 201);
      const principal = {
        authorization: `Bearer ${adminToken}`,
        ...appHeaders(genesis.body.principal.app.external_id, genesis.body.principal.app.api_keys[0].key),
      };
      const org = await call(first, 'POST', '/api/v1/orgs', principal, { name: 'Doomed', app: { name: 'Doomed app' } });
      assert.equal(org.status, 201);
      const tenant = {
        authorization: `Bearer ${await identity.mintToken()}`,
        ...appHeaders(org.body.app.external_id, org.body.app.api_keys[0].key),
      };
      assert.equal((await call(first, 'POST', '/api/v1/users', tenant)).status, 201);
      for (const title of ['Repo Man', 'Walker']) {
        const created = await call(first, 'POST', '/api/v1/movies', tenant, {
          title,
          rated: 'R',
          release_date: '1984-03-02T00:00:00Z',
          run_time: 92,
          director: 'Alex Cox',
          writer: 'Alex Cox',
        });
        assert.equal(created.status, 201);
      }
      const { rows } = await database.db.query<{ org_id: string }>('SELECT org_id FROM iam.org WHERE extl_id = $1', [org.body.external_id]);
      const orgId = String(rows[0]!.org_id);
      const movies = async (): Promise<number> =>
        Number(
          (await database.db.query<{ n: string }>('SELECT count(*) AS n FROM movie.movie WHERE org_id = CAST($1 AS bigint)', [orgId]))
            .rows[0]!.n,
        );
      assert.equal(await movies(), 2);

      const deleted = await call(first, 'DELETE', `/api/v1/orgs/${org.body.external_id}`, principal);
      assert.equal(deleted.status, 200);
      first.child.kill('SIGKILL');
      await first.exited;
      const state = await database.db.query<{ state: string }>(
        `SELECT d.state FROM platform.outbox_delivery d JOIN platform.outbox_event e ON e.event_seq = d.event_seq
       WHERE e.name = 'iam.org.deleted' AND e.aggregate_id = $1 AND d.subscriber = 'movie.delete-org-movies'`,
        [org.body.external_id],
      );
      assert.equal(state.rows.length, 1, 'the event committed with the deletion');
      t.diagnostic(`delivery state at the kill: ${state.rows[0]!.state}`);

      await start();
      await waitUntil(async () => (await movies()) === 0, "the deleted org's movies deleted after the restart", 10_000);
    });
  },
);
