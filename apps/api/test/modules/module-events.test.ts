import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../harness/app.js';
import { createPgDb } from '../../src/platform/db/pg-db.js';
import { appHeaders, createTenant, principalHeaders, runGenesis, type GenesisKeys, type Tenant } from '../harness/iam.js';
import { waitUntil } from '../ops/server-process.js';

/**
 * Modules talking through events (docs/adr/0021-transactional-outbox.md), through the API on a
 * real database: deleting an org deletes its movies within 1 s (movie subscribes to
 * iam.org.deleted) and leaves other orgs' movies alone; deleting an app revokes its keys at once
 * and iam records an audit entry; the events recorded carry name, version, aggregate, org and
 * payload; /metrics shows the delivery counters and the dead-letter gauge.
 */

const deliveryDeadlineMs = 1_000;

function movie(title: string) {
  return { title, rated: 'R', release_date: '1984-03-02T00:00:00Z', run_time: 92, director: 'Alex Cox', writer: 'Alex Cox' };
}

describe('module events', () => {
  let t: TestApp;
  let g: GenesisKeys;
  let alice: Tenant;
  let bob: Tenant;

  before(async () => {
    t = await startTestApp();
    g = await runGenesis(t);
    [alice, bob] = await Promise.all([createTenant(t), createTenant(t)]);
  });
  after(async () => t?.close());

  async function orgIdOf(externalId: string): Promise<string> {
    const { rows } = await t.database.db.query<{ org_id: string }>('SELECT org_id FROM iam.org WHERE extl_id = $1', [externalId]);
    return String(rows[0]!.org_id);
  }

  async function movieCount(orgId: string): Promise<number> {
    const { rows } = await t.database.db.query<{ n: string }>('SELECT count(*) AS n FROM movie.movie WHERE org_id = CAST($1 AS bigint)', [
      orgId,
    ]);
    return Number(rows[0]!.n);
  }

  it('deletes the movies of a deleted org within 1 s, and only those', async (ctx) => {
    for (const title of ['Repo Man', 'Sid and Nancy', 'Walker']) {
      const res = await t.request('POST', '/api/v1/movies', { headers: alice.headers, json: movie(title) });
      assert.equal(res.status, 201, res.text);
    }
    assert.equal((await t.request('POST', '/api/v1/movies', { headers: bob.headers, json: movie('Straight to Hell') })).status, 201);
    const aliceOrg = await orgIdOf(alice.orgExternalId);
    const bobOrg = await orgIdOf(bob.orgExternalId);
    assert.equal(await movieCount(aliceOrg), 3);

    const del = await t.request('DELETE', `/api/v1/orgs/${alice.orgExternalId}`, { headers: principalHeaders(g) });
    assert.equal(del.status, 200, del.text);
    const answeredAt = performance.now();
    await waitUntil(async () => (await movieCount(aliceOrg)) === 0, "the deleted org's movies deleted", deliveryDeadlineMs, 10);
    const tookMs = performance.now() - answeredAt;
    assert.ok(tookMs <= deliveryDeadlineMs, `took ${tookMs} ms`);
    ctx.diagnostic(`movies gone ${Math.round(tookMs)} ms after the delete answered`);
    assert.equal(await movieCount(bobOrg), 1, "another org's movies stay");

    const { rows } = await t.database.db.query<{
      name: string;
      version: number;
      aggregate_type: string;
      org_id: string;
      payload: Record<string, unknown>;
    }>(
      `SELECT name, version, aggregate_type, org_id, payload FROM platform.outbox_event WHERE name = 'iam.org.deleted' AND aggregate_id = $1`,
      [alice.orgExternalId],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.version, 1);
    assert.equal(rows[0]!.aggregate_type, 'org');
    assert.equal(String(rows[0]!.org_id), aliceOrg);
    assert.deepEqual(rows[0]!.payload, { org_id: aliceOrg, org_external_id: alice.orgExternalId, name: rows[0]!.payload.name });
    await waitUntil(
      async () => {
        const audit = await t.database.db.query(
          `SELECT 1 FROM iam.audit_event WHERE event_name = 'iam.org.deleted' AND aggregate_id = $1`,
          [alice.orgExternalId],
        );
        return audit.rows.length === 1;
      },
      'the org deletion audited',
      deliveryDeadlineMs,
      10,
    );
  });

  it('revokes the keys of a deleted app at once and records an audit entry', async () => {
    const created = await t.request('POST', '/api/v1/orgs', {
      headers: principalHeaders(g),
      json: { name: `Short-lived ${Date.now()}`, app: { name: 'Short-lived app' } },
    });
    assert.equal(created.status, 201, created.text);
    const appId: string = created.body.app.external_id;
    const key = appHeaders(appId, created.body.app.api_keys[0].key);
    const token = await t.token();
    assert.equal((await t.request('POST', '/api/v1/users', { token, headers: key })).status, 201);

    const del = await t.request('DELETE', `/api/v1/apps/${appId}`, { headers: principalHeaders(g) });
    assert.equal(del.status, 200, del.text);
    assert.equal((await t.request('POST', '/api/v1/users', { token, headers: key })).status, 401, 'a deleted app key still works');
    await waitUntil(
      async () => {
        const audit = await t.database.db.query<{ org_id: string; detail: Record<string, unknown> }>(
          `SELECT org_id, detail FROM iam.audit_event WHERE event_name = 'iam.app.deleted' AND aggregate_id = $1`,
          [appId],
        );
        return (
          audit.rows.length === 1 &&
          audit.rows[0]!.detail.app_external_id === appId &&
          String(audit.rows[0]!.org_id) === String(audit.rows[0]!.detail.org_id)
        );
      },
      'the app deletion audited',
      deliveryDeadlineMs,
      10,
    );
  });

  it('records movie.created and iam.user.registered with the change', async () => {
    const res = await t.request('POST', '/api/v1/movies', { headers: bob.headers, json: movie('Highway Patrolman') });
    assert.equal(res.status, 201, res.text);
    const created = await t.database.db.query<{ org_id: string; payload: Record<string, unknown> }>(
      `SELECT org_id, payload FROM platform.outbox_event WHERE name = 'movie.created' AND aggregate_id = $1`,
      [res.body.external_id],
    );
    assert.equal(created.rows.length, 1);
    assert.equal(created.rows[0]!.payload.title, 'Highway Patrolman');
    assert.equal(String(created.rows[0]!.org_id), await orgIdOf(bob.orgExternalId));
    const registered = await t.database.db.query(
      `SELECT 1 FROM platform.outbox_event WHERE name = 'iam.user.registered' AND aggregate_id = $1`,
      [bob.userExternalId],
    );
    assert.equal(registered.rows.length, 1);
  });

  it('shares delivery between two instances, each event handled once', async () => {
    // A second instance on the same database, with a pool of its own (as another process has).
    const database = t.database.url
      ? { ...t.database, db: createPgDb({ connectionString: t.database.url, max: 5 }), drop: async () => undefined }
      : t.database;
    const second = await startTestApp({ database, identity: t.identity });
    try {
      const instances = [t, second];
      const orgs: string[] = [];
      for (let i = 0; i < 6; i++) {
        const via = instances[i % 2]!;
        const created = await via.request('POST', '/api/v1/orgs', {
          headers: principalHeaders(g),
          json: { name: `Shared ${i} ${Date.now()}`, app: { name: `Shared app ${i}` } },
        });
        assert.equal(created.status, 201, created.text);
        const key = appHeaders(created.body.app.external_id, created.body.app.api_keys[0].key);
        const token = await t.token();
        assert.equal((await via.request('POST', '/api/v1/users', { token, headers: key })).status, 201);
        assert.equal(
          (
            await via.request('POST', '/api/v1/movies', {
              headers: { authorization: `Bearer ${token}`, ...key },
              json: movie(`Shared ${i}`),
            })
          ).status,
          201,
        );
        orgs.push(await orgIdOf(created.body.external_id));
        assert.equal(
          (await via.request('DELETE', `/api/v1/orgs/${created.body.external_id}`, { headers: principalHeaders(g) })).status,
          200,
        );
      }
      await waitUntil(
        async () => {
          const { rows } = await t.database.db.query<{ n: string }>(
            `SELECT count(*) AS n FROM platform.outbox_delivery WHERE state <> 'delivered'`,
          );
          return Number(rows[0]!.n) === 0;
        },
        'every delivery delivered',
        10_000,
        10,
      );
      for (const orgId of orgs) assert.equal(await movieCount(orgId), 0);
      const delivered = async (instance: TestApp): Promise<number> =>
        Number(/^events_delivered_total (\d+)$/m.exec(await (await fetch(`${instance.baseUrl}/metrics`)).text())?.[1]);
      const { rows } = await t.database.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM platform.outbox_delivery WHERE state = 'delivered'`,
      );
      // Every delivery was run by exactly one of the two instances.
      assert.equal((await delivered(t)) + (await delivered(second)), Number(rows[0]!.n));
    } finally {
      await second.close();
      if (database !== t.database) await database.db.close();
    }
  });

  it('exposes delivery counters and the dead-letter gauge in /metrics', async () => {
    const res = await fetch(`${t.baseUrl}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /^events_dead_letter_deliveries 0$/m);
    const delivered = /^events_delivered_total (\d+)$/m.exec(text);
    assert.ok(delivered && Number(delivered[1]) >= 2, 'deliveries counted');
    assert.match(text, /^events_dead_lettered_total 0$/m);
  });
});
