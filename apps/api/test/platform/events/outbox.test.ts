import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Queryable } from '../../../src/platform/db/db.js';
import type { ManagedDb } from '../../../src/platform/db/managed-db.js';
import { createPgDb } from '../../../src/platform/db/pg-db.js';
import { defineEvent, UnprocessableEventError, type DeliveredEvent, type EventSubscription } from '../../../src/platform/events/event.js';
import { EventDispatcher, type DispatchSettings } from '../../../src/platform/events/dispatcher.js';
import { EventOutbox } from '../../../src/platform/events/outbox.js';
import { createMetrics } from '../../../src/platform/metrics/metrics.js';
import { createTestDatabase, testPostgresEnv, type TestDatabase } from '../../harness/database.js';
import { waitUntil } from '../../ops/server-process.js';

/**
 * The outbox and its dispatcher on a real PostgreSQL: events recorded in a transaction exist
 * exactly when it commits; each is delivered in order per aggregate, once in effect even with two
 * dispatchers (two instances) on one database; a failing handler is retried with backoff, then
 * dead-lettered (logged, counted), and the `events` CLI lists and replays it; a redelivered event
 * is skipped by its receipt; cleanup removes delivered events only.
 */

const cliPath = fileURLToPath(new URL('../../../src/cli/events.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');

const thingHappened = defineEvent({
  name: 'test.thing.happened',
  version: 1,
  aggregateType: 'thing',
  payload: z.object({ n: z.number().int() }),
});

const fast: DispatchSettings = { maxAttempts: 3, retryBaseMs: 20, retryMaxMs: 200, pollIntervalMs: 60_000, retentionMs: 3_600_000 };

interface LogLine {
  level: 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

function memoryLogger(lines: LogLine[]) {
  return {
    info: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'info', fields, message }),
    warn: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'warn', fields, message }),
    error: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'error', fields, message }),
  };
}

/** A subscriber whose effect is a row per handled event in `public.effect` (committed with the delivery). */
function effectSubscription(subscriber: string, behaviour: (event: DeliveredEvent) => void = () => undefined): EventSubscription {
  return {
    subscriber,
    events: [thingHappened.name],
    async handle(event, tx) {
      behaviour(event);
      await tx.query('INSERT INTO public.effect (subscriber, event_id, aggregate_id, n) VALUES ($1, CAST($2 AS uuid), $3, $4)', [
        subscriber,
        event.id,
        event.aggregateId,
        (event.payload as { n: number }).n,
      ]);
    },
  };
}

async function record(db: ManagedDb, outbox: EventOutbox, aggregateId: string, n: number): Promise<string> {
  return db.transaction((tx) => outbox.record(tx, thingHappened, { aggregateId, orgId: null, payload: { n } }));
}

async function deliveryStates(db: Queryable, subscriber: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ state: string; n: string }>(
    'SELECT state, count(*) AS n FROM platform.outbox_delivery WHERE subscriber = $1 GROUP BY state',
    [subscriber],
  );
  return Object.fromEntries(rows.map((row) => [row.state, Number(row.n)]));
}

async function runCli(args: string[], databaseUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', tsxLoader, cliPath, ...args], {
    cwd: mkdtempSync(path.join(os.tmpdir(), 'chompardo-events-cli-')),
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe('event outbox', { skip: testPostgresEnv() ? false : 'needs the test PostgreSQL' }, () => {
  let database: TestDatabase;
  let db: ManagedDb;
  let outbox: EventOutbox;
  const dispatchers: EventDispatcher[] = [];

  before(async () => {
    database = await createTestDatabase();
    db = database.db;
    outbox = new EventOutbox(db);
    await db.query(
      `CREATE TABLE public.effect (
         handled_seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         subscriber text NOT NULL, event_id uuid NOT NULL, aggregate_id text NOT NULL, n integer NOT NULL)`,
    );
  });

  after(async () => {
    for (const dispatcher of dispatchers) await dispatcher.stop();
    await database?.drop();
  });

  function startDispatcher(
    onDb: ManagedDb,
    subscriptions: EventSubscription[],
    lines: LogLine[] = [],
    settings = fast,
  ): Promise<EventDispatcher> {
    const dispatcher = new EventDispatcher({
      db: onDb,
      outbox: new EventOutbox(onDb),
      subscriptions,
      settings,
      logger: memoryLogger(lines),
    });
    dispatchers.push(dispatcher);
    return dispatcher.start().then(() => dispatcher);
  }

  it('records an event only when the transaction commits', async () => {
    await outbox.registerSubscriptions([effectSubscription('test.rollback')]);
    await assert.rejects(
      db.transaction(async (tx) => {
        await outbox.record(tx, thingHappened, { aggregateId: 'rolled-back', orgId: null, payload: { n: 1 } });
        throw new Error('change failed');
      }),
      /change failed/,
    );
    const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM platform.outbox_event WHERE aggregate_id = 'rolled-back'`);
    assert.equal(Number(rows[0]!.n), 0);
    await assert.rejects(
      db.transaction((tx) =>
        outbox.record(tx, thingHappened, { aggregateId: 'bad', orgId: null, payload: { n: 'one' } as unknown as { n: number } }),
      ),
      /payload does not match its contract/,
    );
  });

  it('records an event in the statement of its change (alongside): exactly when the change returns a row', async () => {
    const subscriber = 'test.alongside';
    await db.query('CREATE TABLE public.thing (id text PRIMARY KEY, n integer NOT NULL)');
    const lines: LogLine[] = [];
    await startDispatcher(db, [effectSubscription(subscriber)], lines);
    const eventsOf = async (aggregateId: string): Promise<number> => {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM platform.outbox_event WHERE aggregate_id = $1', [
        aggregateId,
      ]);
      return Number(rows[0]!.n);
    };
    const insertThing = 'INSERT INTO public.thing (id, n) VALUES ($1, $2) RETURNING id, n, $2 * 10 AS tenfold';

    // The change and its event: the subject's rows and columns come back as they are, on the pool
    // (no transaction of its own), and the NOTIFY on commit wakes the dispatcher (its poll is 60 s).
    const conn = outbox.alongside(db, thingHappened, { aggregateId: 'along-1', orgId: null, payload: { n: 7 } });
    const result = await conn.query<unknown[]>(insertThing, ['along-1', 7], { rowMode: 'array' });
    assert.deepEqual(result.rows, [['along-1', 7, 70]]);
    assert.deepEqual(
      result.fields?.map((f) => f.name),
      ['id', 'n', 'tenfold'],
    );
    assert.equal(await eventsOf('along-1'), 1);
    await waitUntil(async () => (await deliveryStates(db, subscriber)).delivered === 1, 'the event delivered', 10_000);
    await assert.rejects(conn.query(insertThing, ['along-1b', 1]), /one statement only/);

    // A failing change records nothing (one statement: both or neither).
    const duplicate = outbox.alongside(db, thingHappened, { aggregateId: 'along-dup', orgId: null, payload: { n: 1 } });
    await assert.rejects(duplicate.query(insertThing, ['along-1', 1]), (e: { code?: string }) => e.code === '23505');
    assert.equal(await eventsOf('along-dup'), 0);

    // A change that returns no row (nothing matched) records no event.
    const none = outbox.alongside(db, thingHappened, { aggregateId: 'along-none', orgId: null, payload: { n: 1 } });
    const missed = await none.query('UPDATE public.thing SET n = n + 1 WHERE id = $1 RETURNING id', ['absent']);
    assert.equal(missed.rows.length, 0);
    assert.equal(await eventsOf('along-none'), 0);

    // In a transaction it commits or rolls back with it.
    await assert.rejects(
      db.transaction(async (tx) => {
        await outbox
          .alongside(tx, thingHappened, { aggregateId: 'along-tx', orgId: null, payload: { n: 2 } })
          .query(insertThing, ['along-tx', 2]);
        throw new Error('change failed');
      }),
      /change failed/,
    );
    assert.equal(await eventsOf('along-tx'), 0);
    assert.equal((await db.query(`SELECT 1 FROM public.thing WHERE id = 'along-tx'`)).rows.length, 0);

    // The payload is checked before anything is sent.
    assert.throws(
      () =>
        outbox.alongside(db, thingHappened, { aggregateId: 'along-bad', orgId: null, payload: { n: 'one' } as unknown as { n: number } }),
      /payload does not match its contract/,
    );
    assert.deepEqual(await deliveryStates(db, subscriber), { delivered: 1 });
  });

  it('delivers each event once in effect with two instances, in order per aggregate', async () => {
    const subscriber = 'test.two-instances';
    const second = createPgDb({ connectionString: database.url!, max: 3 });
    try {
      const handledBy = { a: 0, b: 0 };
      const a = await startDispatcher(db, [effectSubscription(subscriber, () => (handledBy.a += 1))]);
      const b = await startDispatcher(second, [effectSubscription(subscriber, () => (handledBy.b += 1))]);
      const aggregates = ['t1', 't2', 't3', 't4', 't5'];
      const perAggregate = 30;
      // Recorded concurrently across aggregates, sequentially within one (as a row lock orders them).
      await Promise.all(
        aggregates.map(async (aggregateId) => {
          for (let n = 1; n <= perAggregate; n++) await record(db, outbox, aggregateId, n);
        }),
      );
      const total = aggregates.length * perAggregate;
      await waitUntil(async () => (await deliveryStates(db, subscriber)).delivered === total, 'every delivery delivered', 30_000);
      const { rows } = await db.query<{ event_id: string; aggregate_id: string; n: number; times: string }>(
        `SELECT event_id, min(aggregate_id) AS aggregate_id, min(n) AS n, count(*) AS times FROM public.effect WHERE subscriber = $1 GROUP BY event_id`,
        [subscriber],
      );
      assert.equal(rows.length, total);
      assert.ok(
        rows.every((row) => Number(row.times) === 1),
        'an event took effect twice',
      );
      const order = await db.query<{ aggregate_id: string; n: number }>(
        'SELECT aggregate_id, n FROM public.effect WHERE subscriber = $1 ORDER BY handled_seq',
        [subscriber],
      );
      for (const aggregateId of aggregates) {
        const seen = order.rows.filter((row) => row.aggregate_id === aggregateId).map((row) => row.n);
        assert.deepEqual(
          seen,
          Array.from({ length: perAggregate }, (_, i) => i + 1),
          `events of ${aggregateId} out of order`,
        );
      }
      assert.equal(a.stats().delivered + b.stats().delivered, total);
      // Which instance took which delivery depends on timing; both were there to take them.
      assert.equal(handledBy.a + handledBy.b, total);
    } finally {
      for (const dispatcher of dispatchers.splice(0)) await dispatcher.stop();
      await second.close();
    }
  });

  it('retries a failing handler with backoff, dead-letters it, holds back its aggregate, and replays it from the CLI', async () => {
    const subscriber = 'test.failing';
    let failing = true;
    const attemptsSeen: number[] = [];
    const lines: LogLine[] = [];
    const dispatcher = await startDispatcher(
      db,
      [
        effectSubscription(subscriber, (event) => {
          if (event.aggregateId !== 'f1' || (event.payload as { n: number }).n !== 1) return;
          attemptsSeen.push(event.attempt);
          if (failing) throw new Error('downstream is broken');
        }),
      ],
      lines,
    );
    await record(db, outbox, 'f1', 1);
    await record(db, outbox, 'f1', 2);
    await record(db, outbox, 'f2', 1000);
    await waitUntil(async () => (await deliveryStates(db, subscriber)).dead === 1, 'the failing delivery dead-lettered', 15_000);
    assert.deepEqual(attemptsSeen, [1, 2, 3]);
    const [dead] = (
      await db.query<{ delivery_id: string; attempts: number; last_error: string }>(
        `SELECT delivery_id, attempts, last_error FROM platform.outbox_delivery WHERE subscriber = $1 AND state = 'dead'`,
        [subscriber],
      )
    ).rows;
    assert.equal(dead!.attempts, fast.maxAttempts);
    assert.match(dead!.last_error, /downstream is broken/);
    assert.equal(lines.filter((line) => line.level === 'warn' && line.message.includes('will retry')).length, fast.maxAttempts - 1);
    const deadLine = lines.find((line) => line.level === 'error' && line.message.startsWith('event delivery dead-lettered'));
    assert.ok(deadLine, 'the dead letter is logged as an error');
    assert.equal(deadLine.fields.delivery_id, String(dead!.delivery_id));
    // The other aggregate went through; the dead event's successor waits behind it.
    await waitUntil(async () => (await deliveryStates(db, subscriber)).delivered === 1, 'the other aggregate delivered');
    assert.deepEqual(await deliveryStates(db, subscriber), { dead: 1, delivered: 1, pending: 1 });
    assert.equal(dispatcher.stats().deadNow, 1);
    assert.equal(dispatcher.stats().deadLettered, 1);
    const metrics = await createMetrics({ processMetrics: false, eventStats: () => dispatcher.stats() }).render();
    assert.match(metrics, /^events_dead_letter_deliveries 1$/m);
    assert.match(metrics, /^events_dead_lettered_total 1$/m);
    assert.match(metrics, new RegExp(`^events_delivery_failures_total ${fast.maxAttempts}$`, 'm'));

    const listed = await runCli(['list-dead', '--json'], database.url!);
    assert.equal(listed.code, 0, listed.stderr);
    const entries = JSON.parse(listed.stdout) as {
      delivery_id: string;
      subscriber: string;
      event_name: string;
      aggregate: string;
      last_error: string;
    }[];
    const entry = entries.find((e) => e.subscriber === subscriber);
    assert.ok(entry);
    assert.equal(entry.delivery_id, String(dead!.delivery_id));
    assert.equal(entry.event_name, 'test.thing.happened');
    assert.equal(entry.aggregate, 'thing:f1');
    assert.match(entry.last_error, /downstream is broken/);

    failing = false;
    const replayed = await runCli(['replay', String(dead!.delivery_id)], database.url!);
    assert.equal(replayed.code, 0, replayed.stderr);
    await waitUntil(
      async () => (await deliveryStates(db, subscriber)).delivered === 3,
      'the replayed delivery and its successor delivered',
      15_000,
    );
    const effect = await db.query<{ aggregate_id: string; n: number }>(
      `SELECT aggregate_id, n FROM public.effect WHERE subscriber = $1 AND aggregate_id = 'f1' ORDER BY handled_seq`,
      [subscriber],
    );
    assert.deepEqual(
      effect.rows.map((row) => row.n),
      [1, 2],
    );
    await waitUntil(() => dispatcher.stats().deadNow === 0, 'the dead-letter count refreshed');

    const again = await runCli(['replay', String(dead!.delivery_id)], database.url!);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not dead-lettered/);
    const usage = await runCli(['replay', 'abc'], database.url!);
    assert.equal(usage.code, 2);
  });

  it('dead-letters an unprocessable event at once; the CLI discards it', async () => {
    const subscriber = 'test.unprocessable';
    await startDispatcher(db, [
      {
        subscriber,
        events: [thingHappened.name],
        handle: () => Promise.reject(new UnprocessableEventError('version 1 is not understood')),
      },
    ]);
    await record(db, outbox, 'u1', 1);
    await waitUntil(async () => (await deliveryStates(db, subscriber)).dead === 1, 'dead at once');
    const { rows } = await db.query<{ delivery_id: string; attempts: number }>(
      'SELECT delivery_id, attempts FROM platform.outbox_delivery WHERE subscriber = $1',
      [subscriber],
    );
    assert.equal(rows[0]!.attempts, 1);
    const discarded = await runCli(['discard', String(rows[0]!.delivery_id)], database.url!);
    assert.equal(discarded.code, 0, discarded.stderr);
    assert.deepEqual(await deliveryStates(db, subscriber), { discarded: 1 });
  });

  it('skips an event its subscriber has already handled (receipt), and cleans up delivered events only', async () => {
    const subscriber = 'test.receipt';
    let calls = 0;
    const dispatcher = await startDispatcher(db, [effectSubscription(subscriber, () => (calls += 1))]);
    await record(db, outbox, 'r1', 1);
    await waitUntil(async () => (await deliveryStates(db, subscriber)).delivered === 1, 'delivered');
    assert.equal(calls, 1);
    // As if the delivery's new state had been lost: pending again, the receipt still there.
    await db.query(`UPDATE platform.outbox_delivery SET state = 'pending' WHERE subscriber = $1`, [subscriber]);
    dispatcher.wake();
    await waitUntil(async () => (await deliveryStates(db, subscriber)).delivered === 1, 'delivered again');
    assert.equal(calls, 1, 'the handler ran twice for one event');

    const before = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM platform.outbox_event e WHERE EXISTS (SELECT 1 FROM platform.outbox_delivery d WHERE d.event_seq = e.event_seq AND d.state IN ('pending', 'dead'))`,
    );
    await outbox.deleteDeliveredBefore(0);
    const left = await db.query<{ n: string; unfinished: string }>(
      `SELECT count(*) AS n,
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM platform.outbox_delivery d WHERE d.event_seq = e.event_seq AND d.state IN ('pending', 'dead'))) AS unfinished
       FROM platform.outbox_event e`,
    );
    assert.equal(Number(left.rows[0]!.n), Number(left.rows[0]!.unfinished), 'a delivered event survived cleanup');
    assert.equal(Number(left.rows[0]!.unfinished), Number(before.rows[0]!.n), 'cleanup removed an undelivered event');
  });
});
