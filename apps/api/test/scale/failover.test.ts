import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as pause } from 'node:timers/promises';
import pg from 'pg';
import { moduleMigrations } from '../../src/migrations.js';
import type { ManagedDb } from '../../src/platform/db/managed-db.js';
import { migrateUp } from '../../src/platform/db/migrator.js';
import { createPgDb } from '../../src/platform/db/pg-db.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { createTenant, type Tenant } from '../harness/iam.js';
import { formationUnavailable, startFormation, type Formation, type FormationNode } from '../harness/pg-auto-failover.js';
import { skipUnlessInstalled } from '../harness/fixtures.js';

/**
 * Failover (docs/scaling.md): the API on a pg_auto_failover formation (monitor, primary,
 * synchronous secondary) through a multi-host DATABASE_URL with
 * `target_session_attrs=read-write` (ADR 19). Creates go in at a steady rate while the primary
 * changes — once by `pg_autoctl perform failover`, once by killing the primary's keeper and
 * postmaster. Asserted: every answer is 201 or 503 and comes quickly (no hang), the API writes to
 * the new primary by itself (pool, LISTEN connection, rate-limit store, idempotency records), and
 * every create answered 201 is in the new primary's table.
 */

const intervalMs = 40;
/** The pg Db's statement timeout plus its read timeout and the connect attempts: the longest any answer may take. */
const statementTimeoutMs = 4_000;
const answerBoundMs = statementTimeoutMs + 3_000;
const applicationName = 'chompardo-failover';

function movie(title: string): Record<string, unknown> {
  return { title, rated: 'R', release_date: '1984-03-02T00:00:00Z', run_time: 92, director: 'Alex Cox', writer: 'Alex Cox' };
}

interface Outcome {
  index: number;
  key: string;
  status: number;
  startedAt: number;
  ms: number;
  id?: string;
  error?: string;
}

async function querySql<R extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function until<T>(what: string, deadlineMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    // Bounded polling of a condition (an HTTP outcome, a catalog row): no event to wait on.
    await pause(50);
  }
  throw new Error(`${what}: not within ${deadlineMs} ms`);
}

const skip = skipUnlessInstalled(formationUnavailable());

describe('failover on pg_auto_failover (multi-host DATABASE_URL)', { skip }, () => {
  let formation: Formation;
  let db: ManagedDb;
  let t: TestApp;
  let tenant: Tenant;

  before(async () => {
    formation = await startFormation();
    const primary = await formation.primary();
    await querySql(formation.nodeUrl(primary, 'postgres'), 'CREATE DATABASE chompardo');
    db = createPgDb({
      connectionString: formation.multiHostUrl('chompardo'),
      max: 10,
      applicationName,
      connectionTimeoutMs: 1_000,
      statementTimeoutMs,
      poolWaitTimeoutMs: 2_000,
    });
    await migrateUp(db, moduleMigrations);
    t = await startTestApp({
      database: { url: formation.multiHostUrl('chompardo'), name: 'chompardo', db, drop: () => db.close() },
      env: { RATE_LIMIT_MAX: '1000000', RATE_LIMIT_WINDOW: '596h', RATE_LIMIT_STORE: 'postgres', RATE_LIMIT_STORE_TIMEOUT: '2s' },
    });
    tenant = await createTenant(t);
  });

  after(async () => {
    await t?.close();
    await db?.close();
    await formation?.destroy();
  });

  /** Posts creates every `intervalMs` until `stop()` is true; every answer recorded. */
  function drive(run: string, stop: () => boolean): { outcomes: Outcome[]; done: Promise<Outcome[]> } {
    const outcomes: Outcome[] = [];
    const pending: Promise<void>[] = [];
    const done = (async () => {
      for (let index = 0; !stop(); index++) {
        const key = `${run}-${index}-${randomUUID()}`;
        const startedAt = performance.now();
        pending.push(
          fetch(`${t.baseUrl}/api/v1/movies`, {
            method: 'POST',
            headers: { ...tenant.headers, 'content-type': 'application/json', 'idempotency-key': key },
            body: JSON.stringify(movie(`${run} ${index}`)),
            signal: AbortSignal.timeout(30_000),
          }).then(
            async (res) => {
              const text = await res.text();
              const outcome: Outcome = { index, key, status: res.status, startedAt, ms: performance.now() - startedAt };
              if (res.status === 201) outcome.id = (JSON.parse(text) as { external_id: string }).external_id;
              else outcome.error = text.slice(0, 200);
              outcomes.push(outcome);
            },
            (error: unknown) => {
              outcomes.push({ index, key, status: 0, startedAt, ms: performance.now() - startedAt, error: String(error) });
            },
          ),
        );
        // The steady rate of the load, not a wait for anything.
        await pause(intervalMs);
      }
      await Promise.all(pending);
      return outcomes.sort((a, b) => a.index - b.index);
    })();
    return { outcomes, done };
  }

  async function scenario(run: string, trigger: (primary: FormationNode) => Promise<void>): Promise<void> {
    const oldPrimary = await formation.primary();
    let stopped = false;
    const load = drive(run, () => stopped);
    await until('creates flowing', 20_000, () => (load.outcomes.filter((o) => o.status === 201).length >= 10 ? true : undefined));
    const triggeredAt = performance.now();
    await trigger(oldPrimary);
    const newPrimary = await formation.primary(30_000);
    assert.notEqual(newPrimary.name, oldPrimary.name, 'the formation promoted the other node');
    // The API finds the new primary by itself: 20 creates in a row answered 201 after the switch.
    await until('creates on the new primary', 30_000, () => {
      const recent = load.outcomes
        .filter((o) => o.startedAt > triggeredAt)
        .sort((a, b) => a.index - b.index)
        .slice(-20);
      return recent.length === 20 && recent.every((o) => o.status === 201) ? true : undefined;
    });
    stopped = true;
    const outcomes = await load.done;

    const unexpected = outcomes.filter((o) => o.status !== 201 && o.status !== 503);
    assert.deepEqual(unexpected, [], 'every answer is 201 or 503');
    const slow = outcomes.filter((o) => o.ms > answerBoundMs);
    assert.deepEqual(slow, [], `every answer within ${answerBoundMs} ms`);
    const refused = outcomes.filter((o) => o.status === 503);
    const gapMs = refused.length ? Math.max(...refused.map((o) => o.startedAt + o.ms)) - Math.min(...refused.map((o) => o.startedAt)) : 0;
    const maxRefusalMs = refused.length ? Math.max(...refused.map((o) => o.ms)) : 0;
    console.log(
      `${run}: ${outcomes.length} creates, ${outcomes.length - refused.length} × 201, ${refused.length} × 503 over ${(gapMs / 1000).toFixed(1)} s, slowest 503 ${Math.round(maxRefusalMs)} ms`,
    );

    // Nothing acknowledged is lost: every 201 is in the new primary's table.
    const acknowledged = outcomes.filter((o) => o.status === 201).map((o) => o.id ?? '');
    const rows = await querySql<{ external_id: string }>(
      formation.nodeUrl(newPrimary, 'chompardo'),
      'SELECT extl_id AS external_id FROM movie.movie WHERE extl_id = ANY($1::text[])',
      [acknowledged],
    );
    if (rows.length !== acknowledged.length) {
      // What the formation did meanwhile (a primary that went to wait_primary acknowledged commits
      // without its standby) is what explains a loss.
      assert.fail(
        `${acknowledged.length - rows.length} of ${acknowledged.length} acknowledged creates are not on the new primary; the monitor's events:\n${await formation.events()}`,
      );
    }

    // Idempotency records came along: replaying acknowledged keys answers the stored response.
    for (const outcome of outcomes.filter((o) => o.status === 201).slice(0, 3)) {
      const replay = await fetch(`${t.baseUrl}/api/v1/movies`, {
        method: 'POST',
        headers: { ...tenant.headers, 'content-type': 'application/json', 'idempotency-key': outcome.key },
        body: JSON.stringify(movie(`${run} ${outcome.index}`)),
      });
      const body = (await replay.json()) as { external_id?: string };
      assert.equal(replay.status, 201);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      assert.equal(body.external_id, outcome.id);
    }

    // The LISTEN connection and the rate-limit store follow the primary too.
    await until('the LISTEN connection on the new primary', 15_000, async () => {
      const listeners = await querySql(
        formation.nodeUrl(newPrimary, 'postgres'),
        'SELECT 1 FROM pg_stat_activity WHERE application_name = $1',
        [`${applicationName}:listen`],
      );
      return listeners.length === 1 ? true : undefined;
    });
    const counters = await querySql(formation.nodeUrl(newPrimary, 'chompardo'), 'SELECT 1 FROM platform.rate_limit');
    assert.ok(counters.length > 0, 'the rate-limit store counts on the new primary');
  }

  it('pg_autoctl perform failover: 503s for the switch, then the new primary; every 201 kept', async () => {
    await scenario('switchover', () => formation.performFailover());
  });

  it('the primary dies (keeper and postmaster killed): 503s, then the promoted secondary; every 201 kept', async () => {
    await formation.waitForPrimaryAndSecondary(90_000);
    await scenario('crash', async (primary) => {
      formation.killNode(primary);
    });
  });
});
