import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueueWatch } from '../../src/platform/http/load-monitor.js';

/** A 100 ms interval of a busy loop whose pool handed out `taken` connections, the shortest after `shortestWaitMs`. */
const busy = (shortestWaitMs: number, taken = 300) => [1, { shortestWaitMs, taken }] as const;

function feed(
  watch: QueueWatch,
  intervals: readonly (readonly [number, { shortestWaitMs: number; taken: number }])[],
): (string | undefined)[] {
  return intervals.map(([utilization, sample]) => watch.update(utilization, sample));
}

describe('queue watch (shedding on a standing connection queue)', () => {
  it('starts shedding after five busy intervals in a row whose shortest wait is over the target', () => {
    const watch = new QueueWatch(25, 100);
    assert.deepEqual(feed(watch, [busy(0), busy(0), busy(40), busy(40), busy(40), busy(40)]), [
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    assert.equal(watch.shedding, false, 'four standing intervals are not enough');
    assert.equal(watch.shedsNext(1_000), false);
    assert.equal(watch.update(...busy(40)), 'start');
    assert.equal(watch.shedding, true);
  });

  it('lets through what the pool hands out in the target time at its pace before shedding (Little’s law)', () => {
    const watch = new QueueWatch(25, 100);
    // Pace 400 per 100 ms: in 25 ms the pool hands out 100 connections.
    feed(watch, [busy(30, 400), busy(30, 400), busy(30, 400), busy(30, 400), busy(30, 400)]);
    assert.equal(watch.shedding, true);
    assert.equal(watch.allowed, 100);
    assert.equal(watch.shedsNext(100), false, 'a request behind 100 waiting callers is served');
    assert.equal(watch.shedsNext(101), true, 'behind 101 it would wait past the target');
    assert.equal(watch.shed, 1);
    // The pace read while shedding (the loop also answers refusals) does not shrink the allowance.
    watch.update(...busy(60, 40));
    assert.equal(watch.allowed, 100);
  });

  it('never sheds for a slow database while the loop idles (a lock held elsewhere)', () => {
    const watch = new QueueWatch(25, 100);
    feed(
      watch,
      Array.from({ length: 20 }, () => [0.3, { shortestWaitMs: 900, taken: 0 }] as const),
    );
    assert.equal(watch.shedding, false);
    assert.equal(watch.shedsNext(10_000), false);
  });

  it('ignores a burst: one short wait among the long ones resets the count', () => {
    const watch = new QueueWatch(25, 100);
    feed(watch, [busy(50), busy(50), busy(50), busy(50), busy(2), busy(50), busy(50), busy(50), busy(50)]);
    assert.equal(watch.shedding, false);
  });

  it('stops after ten intervals in which nothing had to be shed, and not while refusals go on', () => {
    const watch = new QueueWatch(25, 100);
    feed(watch, [busy(30), busy(30), busy(30), busy(30), busy(30)]);
    assert.equal(watch.allowed, 75);
    for (let i = 0; i < 15; i++) {
      assert.equal(watch.shedsNext(200), true);
      assert.equal(watch.update(...busy(5)), undefined, `interval ${i}: still refusing, still shedding`);
    }
    const calm = feed(
      watch,
      Array.from({ length: 10 }, () => busy(0)),
    );
    assert.deepEqual(calm, [...Array.from({ length: 9 }, () => undefined), 'stop']);
    assert.equal(watch.shedding, false);
    assert.equal(watch.shedsNext(10_000), false);
    assert.equal(watch.shed, 15, 'what was shed while it lasted');
  });

  it('stops when no more requests arrive than the process carried before shedding, though its own refusals keep a queue', () => {
    const watch = new QueueWatch(25, 100);
    // Busy, queue standing, 400 requests arriving per interval: what the process carries at full load.
    for (let i = 0; i < 5; i++) watch.update(1, { shortestWaitMs: 40, taken: 400 }, 400);
    assert.equal(watch.shedding, true);
    // Overload: twice that arrives; refusals go on, shedding goes on.
    for (let i = 0; i < 20; i++) {
      watch.shedsNext(500);
      assert.equal(watch.update(1, { shortestWaitMs: 40, taken: 150 }, 800), undefined);
    }
    // The load falls back to what it carried: refusals still happen (they slow the pool), yet it stops.
    const back = Array.from({ length: 10 }, () => {
      watch.shedsNext(500);
      return watch.update(1, { shortestWaitMs: 40, taken: 150 }, 390);
    });
    assert.deepEqual(back, [...Array.from({ length: 9 }, () => undefined), 'stop']);
  });

  it('lets one caller wait when the pool handed out nothing while the loop was busy', () => {
    const watch = new QueueWatch(25, 100);
    feed(
      watch,
      Array.from({ length: 5 }, () => busy(200, 0)),
    );
    assert.equal(watch.shedding, true);
    assert.equal(watch.allowed, 1);
    assert.deepEqual([watch.shedsNext(1), watch.shedsNext(2)], [false, true]);
  });
});
