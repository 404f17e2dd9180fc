import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConnectionError, mapDbError, PoolExhaustedError } from '../../src/platform/db/db-errors.js';
import { defaultWriteSlots, laneOfStatement, PoolAdmission } from '../../src/platform/db/pool-admission.js';

/** Settles `promise` into a readable state without awaiting it forever. */
function track(promise: Promise<void> | undefined): { state: () => 'granted' | 'waiting' | 'rejected'; error: () => unknown } {
  if (promise === undefined) return { state: () => 'granted', error: () => undefined };
  let state: 'granted' | 'waiting' | 'rejected' = 'waiting';
  let error: unknown;
  promise.then(
    () => {
      state = 'granted';
    },
    (e: unknown) => {
      state = 'rejected';
      error = e;
    },
  );
  return { state: () => state, error: () => error };
}

/** Lets promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('pool admission', () => {
  it('keeps the reserved slots for reads while writes are capped and queued', async () => {
    const admission = new PoolAdmission({ size: 5, writeSlots: 4, queueMax: 10, waitTimeoutMs: 60_000 });
    for (let i = 0; i < 4; i++) assert.equal(admission.acquire('write'), undefined, `write ${i} gets a free slot`);
    const fifthWrite = track(admission.acquire('write'));
    await settle();
    assert.equal(fifthWrite.state(), 'waiting', 'the write cap holds although a slot is free');
    assert.equal(admission.acquire('read'), undefined, 'a read takes the slot kept for reads at once');
    const secondRead = track(admission.acquire('read'));
    await settle();
    assert.equal(secondRead.state(), 'waiting', 'the pool is full now');
    assert.deepEqual([admission.heldBy('write'), admission.heldBy('read'), admission.waiting], [4, 1, 2]);

    // A read slot frees: the queued read gets it although the write queued first (writes are capped).
    admission.release('read');
    await settle();
    assert.deepEqual([secondRead.state(), fifthWrite.state()], ['granted', 'waiting']);
    // A write slot frees: the queued write gets it.
    admission.release('write');
    await settle();
    assert.equal(fifthWrite.state(), 'granted');
    assert.deepEqual([admission.heldBy(), admission.waiting], [5, 0]);
    admission.close();
  });

  it('serves waiters first come, first served when both may take the slot', async () => {
    const admission = new PoolAdmission({ size: 2, writeSlots: 2, queueMax: 10, waitTimeoutMs: 60_000 });
    void admission.acquire('write');
    void admission.acquire('write');
    const order: string[] = [];
    const write = admission.acquire('write')?.then(() => order.push('write'));
    const read = admission.acquire('read')?.then(() => order.push('read'));
    admission.release('write');
    await write;
    admission.release('write');
    await read;
    assert.deepEqual(order, ['write', 'read']);
    admission.close();
  });

  it('refuses at once when a lane queue is full, without touching the other lane', async () => {
    const admission = new PoolAdmission({ size: 2, writeSlots: 1, queueMax: 2, waitTimeoutMs: 60_000 });
    void admission.acquire('write');
    const queued = [track(admission.acquire('write')), track(admission.acquire('write'))];
    const refused = track(admission.acquire('write'));
    await settle();
    assert.equal(refused.state(), 'rejected');
    const error = refused.error();
    assert.ok(error instanceof PoolExhaustedError);
    assert.equal(error.reason, 'queue_full');
    assert.ok(isConnectionError(error), 'a refused wait is a failure to obtain a connection');
    const mapped = mapDbError(error);
    assert.deepEqual([mapped.kind, mapped.status, mapped.headers['Retry-After']], ['unavailable_error', 503, '1']);
    assert.deepEqual(
      queued.map((q) => q.state()),
      ['waiting', 'waiting'],
    );
    assert.equal(admission.acquire('read'), undefined, 'reads still pass');
    admission.close();
    await settle();
    assert.deepEqual(
      queued.map((q) => (q.error() as PoolExhaustedError).reason),
      ['closed', 'closed'],
    );
  });

  it('gives up on a waiter after the wait timeout', async () => {
    const admission = new PoolAdmission({ size: 1, writeSlots: 1, queueMax: 10, waitTimeoutMs: 30 });
    void admission.acquire('read');
    const started = performance.now();
    await assert.rejects(
      admission.acquire('read') ?? Promise.resolve(),
      (e: unknown) => e instanceof PoolExhaustedError && e.reason === 'wait_timeout',
    );
    assert.ok(performance.now() - started >= 25);
    assert.equal(admission.waiting, 0, 'the timed-out waiter left the queue');
    // Its slot is not lost: the holder releases, and the next caller gets it at once.
    admission.release('read');
    assert.equal(admission.acquire('write'), undefined);
    admission.close();
  });

  it('samples the queue: the shortest wait of the slots taken, or the oldest caller’s wait when none was', async () => {
    const admission = new PoolAdmission({ size: 1, writeSlots: 1, queueMax: 10, waitTimeoutMs: 60_000 });
    assert.deepEqual(admission.takeQueueSample(), { shortestWaitMs: 0, taken: 0 }, 'nobody asked, nobody waits');
    assert.equal(admission.acquire('read'), undefined);
    assert.deepEqual(admission.takeQueueSample(), { shortestWaitMs: 0, taken: 1 }, 'a free slot: no wait');

    const waiter = track(admission.acquire('read'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const waiting = admission.takeQueueSample();
    assert.equal(waiting.taken, 0);
    assert.ok(waiting.shortestWaitMs >= 25, `none taken: the oldest caller has waited ${waiting.shortestWaitMs} ms`);

    admission.release('read');
    await settle();
    assert.equal(waiter.state(), 'granted');
    const served = admission.takeQueueSample();
    assert.equal(served.taken, 1);
    assert.ok(served.shortestWaitMs >= 25, `the slot taken after a wait of ${served.shortestWaitMs} ms`);
    assert.deepEqual(admission.takeQueueSample(), { shortestWaitMs: 0, taken: 0 }, 'each sample starts afresh');
    admission.close();
  });

  it('keeps a fifth of the pool (at least one connection) for reads', () => {
    assert.deepEqual([1, 2, 5, 10, 20, 100].map(defaultWriteSlots), [1, 1, 4, 8, 16, 80]);
  });
});

describe('statement lanes', () => {
  it('counts plain SELECTs as reads and everything that may wait for a row lock as a write', () => {
    const reads = [
      'SELECT 1',
      '  /* typed */ select id FROM movie.movie WHERE org_id = $1',
      "SELECT title FROM movie.movie WHERE title = 'for update'",
      '-- note: for update later\nSELECT 1',
    ];
    const writes = [
      'UPDATE movie.movie SET title = $1',
      'INSERT INTO x VALUES (1)',
      'DELETE FROM x',
      'WITH clock AS (SELECT 1) INSERT INTO platform.rate_limit VALUES (1)',
      'SELECT * FROM movie.movie WHERE id = 1 FOR UPDATE',
      'SELECT * FROM movie.movie FOR NO KEY UPDATE SKIP LOCKED',
      'select * from t for share',
      'SELECT pg_advisory_xact_lock(1)',
      'SELECT pg_notify($1, $2)',
      'SELECT * INTO copy FROM t',
      'BEGIN',
    ];
    for (const text of reads) assert.equal(laneOfStatement(text), 'read', text);
    for (const text of writes) assert.equal(laneOfStatement(text), 'write', text);
  });
});
