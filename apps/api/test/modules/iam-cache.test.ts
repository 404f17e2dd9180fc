import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { createJwtVerifier } from '../../src/platform/auth/jwt-verifier.js';
import type { TokenVerifier } from '../../src/platform/auth/ports.js';
import type { ManagedDb } from '../../src/platform/db/managed-db.js';
import { createPgDb } from '../../src/platform/db/pg-db.js';
import { createLogger, LogControl } from '../../src/platform/logging/logger.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { skipWithoutPostgres } from '../harness/fixtures.js';
import { createTenant, pollForStatus, principalHeaders, runGenesis, type GenesisKeys, type Tenant } from '../harness/iam.js';

/**
 * RBAC and key changes take effect on every instance within 1 s (docs/auth.md): two API
 * instances share one database; changes are made through instance A while instance B, whose
 * caches are warm, is polled (every 25 ms, 1 s deadline) until it reflects them.
 */

const propagationDeadlineMs = 1_000;

/** A second API instance on the first one's database, built as startTestApp builds the first. */
interface SecondInstance {
  baseUrl: string;
  status(method: string, path: string, headers: Record<string, string>, json?: unknown): Promise<number>;
  close(): Promise<void>;
}

async function startSecondInstance(first: TestApp, databaseUrl: string): Promise<SecondInstance> {
  const config = first.config;
  const silent = new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  const logger = createLogger({ level: config.log.level, destination: silent });
  const logControl = new LogControl(logger, { minimumLevel: config.log.levelMin, errorStack: config.log.errorStack });
  const db: ManagedDb = createPgDb({ connectionString: databaseUrl, max: 5, applicationName: 'chompardo-test-b' });
  let verifier: TokenVerifier | undefined;
  let app: FastifyInstance | undefined;
  try {
    verifier = createJwtVerifier({ jwksUrl: config.auth.jwksUrl, issuer: config.auth.issuer, audience: config.auth.audience, logger });
    await verifier.start();
    app = buildApp({ config, logger, logControl, db, verifier });
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (e) {
    await app?.close();
    verifier?.stop();
    await db.close();
    throw e;
  }
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const running = app;
  const runningVerifier = verifier;
  return {
    baseUrl,
    async status(method, path, headers, json) {
      const res = await fetch(baseUrl + path, {
        method,
        headers: { ...headers, ...(json !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      });
      await res.arrayBuffer();
      return res.status;
    },
    async close() {
      await running.close();
      runningVerifier.stop();
      await db.close();
    },
  };
}

// Two instances share one server database: PGlite cannot serve this (in CI that is a failure).
describe('iam changes reach every instance within 1 s', { skip: skipWithoutPostgres() }, () => {
  let t: TestApp;
  let b: SecondInstance;
  let g: GenesisKeys;
  before(async () => {
    t = await startTestApp();
    assert.ok(t.database.url, 'a server database');
    b = await startSecondInstance(t, t.database.url);
    g = await runGenesis(t);
  });
  after(async () => {
    await b?.close();
    await t?.close();
  });

  const admin = () => ({ headers: principalHeaders(g) });
  const moviesOnB =
    (tenant: Tenant, headers: Record<string, string> = {}) =>
    () =>
      b.status('GET', '/api/v1/movies', { ...tenant.headers, ...headers });

  /** Polls B until it answers `status`; asserts it did so within the deadline. */
  async function expectOnB(probe: () => Promise<number>, status: number, what: string): Promise<void> {
    const outcome = await pollForStatus(probe, status, { deadlineMs: propagationDeadlineMs, intervalMs: 25 });
    assert.ok(
      outcome.reached,
      `${what}: instance B still answered ${outcome.lastStatus} after ${Math.round(outcome.elapsedMs)} ms (${outcome.probes} probes)`,
    );
  }

  it('serves the same data on both instances', async () => {
    const tenant = await createTenant(t);
    assert.equal(await moviesOnB(tenant)(), 200);
  });

  it('a role revoked on A is refused on B (403)', async () => {
    const tenant = await createTenant(t);
    assert.equal(await moviesOnB(tenant)(), 200, 'B allows (and caches) first');
    assert.equal(await moviesOnB(tenant)(), 200);
    const res = await t.request(
      'DELETE',
      `/api/v1/orgs/${tenant.orgExternalId}/members/${tenant.userExternalId}/roles/movieAdmin`,
      admin(),
    );
    assert.equal(res.status, 200, res.text);
    await expectOnB(moviesOnB(tenant), 403, 'revoked role');
  });

  it('a role granted on A is honoured on B (200)', async () => {
    const tenant = await createTenant(t, { roles: [] });
    assert.equal(await moviesOnB(tenant)(), 403, 'B refuses (and caches) first');
    assert.equal(await moviesOnB(tenant)(), 403);
    const res = await t.request('PUT', `/api/v1/orgs/${tenant.orgExternalId}/members/${tenant.userExternalId}/roles/movieAdmin`, admin());
    assert.equal(res.status, 200, res.text);
    await expectOnB(moviesOnB(tenant), 200, 'granted role');
  });

  it('a key revoked on A stops working on B (401)', async () => {
    const tenant = await createTenant(t);
    const second = await t.request('POST', `/api/v1/apps/${tenant.appId}/api-keys`, { ...admin(), json: {} });
    assert.equal(second.status, 201, second.text);
    const withSecond = { 'x-api-key': second.body.key as string };
    assert.equal(await moviesOnB(tenant, withSecond)(), 200, 'B accepts (and caches) the key first');
    assert.equal(await moviesOnB(tenant, withSecond)(), 200);
    const res = await t.request('DELETE', `/api/v1/apps/${tenant.appId}/api-keys/${second.body.key_id}`, admin());
    assert.equal(res.status, 200, res.text);
    await expectOnB(moviesOnB(tenant, withSecond), 401, 'revoked key');
    assert.equal(await moviesOnB(tenant)(), 200, 'the first key still works on B');
  });

  it('a key created on A works on B (200) although B cached the app with its old keys', async () => {
    const tenant = await createTenant(t);
    assert.equal(await moviesOnB(tenant)(), 200, 'B caches the app with its first key');
    const second = await t.request('POST', `/api/v1/apps/${tenant.appId}/api-keys`, { ...admin(), json: {} });
    assert.equal(second.status, 201, second.text);
    await expectOnB(moviesOnB(tenant, { 'x-api-key': second.body.key as string }), 200, 'new key');
  });

  it('a permission removed from a role by PUT /roles on A is refused on B (403)', async () => {
    const created = await t.request('POST', '/api/v1/roles', {
      ...admin(),
      json: {
        code: 'cacheLister',
        permissions: [
          { resource: '/api/v1/movies', operation: 'GET' },
          { resource: '/api/v1/movies', operation: 'POST' },
        ],
      },
    });
    assert.equal(created.status, 201, created.text);
    const tenant = await createTenant(t, { roles: ['cacheLister'] });
    await expectOnB(moviesOnB(tenant), 200, 'B allows first');
    assert.equal(await moviesOnB(tenant)(), 200);
    const res = await t.request('PUT', '/api/v1/roles/cacheLister', {
      ...admin(),
      json: { permissions: [{ resource: '/api/v1/movies', operation: 'POST' }] },
    });
    assert.equal(res.status, 200, res.text);
    await expectOnB(moviesOnB(tenant), 403, 'permission removed from the role');
  });

  it('a role deactivated on A grants nothing on B (403)', async () => {
    const created = await t.request('POST', '/api/v1/roles', {
      ...admin(),
      json: { code: 'cacheDeactivated', permissions: [{ resource: '/api/v1/movies', operation: 'GET' }] },
    });
    assert.equal(created.status, 201, created.text);
    const tenant = await createTenant(t, { roles: ['cacheDeactivated'] });
    await expectOnB(moviesOnB(tenant), 200, 'B allows first');
    const res = await t.request('PUT', '/api/v1/roles/cacheDeactivated', { ...admin(), json: { active: false } });
    assert.equal(res.status, 200, res.text);
    await expectOnB(moviesOnB(tenant), 403, 'role deactivated');
  });

  it("an org deleted on A takes its app's keys down on B (401)", async () => {
    const tenant = await createTenant(t);
    assert.equal(await moviesOnB(tenant)(), 200);
    const res = await t.request('DELETE', `/api/v1/orgs/${tenant.orgExternalId}`, admin());
    assert.equal(res.status, 200, res.text);
    await expectOnB(moviesOnB(tenant), 401, 'deleted org');
  });
});
