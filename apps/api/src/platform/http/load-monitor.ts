import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { Logger } from 'pino';
import type { QueueSample } from '../db/db.js';

/** Why the process is shedding load: its event loop lags, or its memory is near the limit. */
export type PressureReason = 'event_loop_delay' | 'heap_used' | 'rss';

/** Why one request was shed: a hard limit, or a queue that stands ({@link QueueWatch}). */
export type ShedReason = PressureReason | 'queue_delay';

/** Limits of {@link createLoadMonitor}; 0 turns a limit off. */
export interface LoadLimits {
  /** Event-loop delay (ms) above which new requests are shed. */
  maxEventLoopDelayMs: number;
  /** Share of V8's heap limit (percent, 1–100) above which new requests are shed. */
  maxHeapUsedPercent: number;
  /** Resident set size (bytes) above which new requests are shed. */
  maxRssBytes: number;
  /** Wait for a database connection a standing queue may keep (ms) before requests are shed ({@link QueueWatch}); 0 = off. */
  shedQueueDelayMs?: number;
}

/** The process' load as the admission gate reads it. */
export interface LoadMonitor {
  /** Why new requests should be refused right now; undefined when the process keeps up. */
  readonly pressure: PressureReason | undefined;
  /** A queue stands and requests are shed past it ({@link QueueWatch}); then ask {@link shedsNext}. */
  readonly shedding: boolean;
  /** Whether the next new request is shed because a queue stands (counts it as shed when so). */
  shedsNext(): boolean;
  /**
   * Starts sampling (idempotent); `arrivals` counts the requests that reached the admission
   * gate so far. The timer never keeps the process alive.
   */
  start(arrivals?: () => number): void;
  stop(): void;
}

/** How often the process is sampled. Each sample is a timer callback and a few cheap reads. */
const sampleIntervalMs = 100;

/**
 * Consecutive late samples before the event loop counts as saturated: one long block (a large
 * synchronous task, a major GC, a starved CPU) delays one sample and is over when it is seen;
 * saturation delays every sample.
 */
const lateSamplesForPressure = 2;

/** Share of an interval the loop must be busy (not waiting for I/O) for a queue to count as standing. */
const busyUtilization = 0.9;
/** Consecutive intervals a queue must stand before shedding starts: a start, a burst or a slow moment make one to four. */
const standingIntervalsToShed = 5;
/** Consecutive intervals in which nothing had to be shed before shedding stops. */
const calmIntervalsToStop = 10;
/** Weight of the newest busy interval in the estimate of how fast the pool hands connections out. */
const rateWeight = 0.2;

/** What the queue watch reads every interval: the connection queue of the database. */
export interface QueueSource {
  /** The shortest wait and the connections handed out since the last call (`Db.queueSample`). */
  sample(): QueueSample;
  /** Callers waiting now (`Db.queueLength`). */
  length(): number;
}

/**
 * Sheds new requests while a queue stands in front of the database connections, and only as
 * many as keep its wait near the target: the proportional answer to overload (ADR 30).
 *
 * Past capacity, requests wait for one of the pool's connections: the event loop turns quickly
 * but every request is behind the ones already waiting. Each interval (100 ms) the watch reads
 * the loop's utilisation and, from the pool, the *shortest* wait for a connection handed out in
 * the interval and how many were handed out. A queue stands when the loop was busy (≥ 90 % of
 * the interval) and even that shortest wait was over the target (CoDel's rule, RFC 8289: a
 * minimum over an interval ignores bursts and single slow moments, which leave short waits
 * among the long ones). A database that is slow while the process idles (a lock held elsewhere)
 * does not count: that is the pool wait timeout's and `lock_timeout`'s to answer.
 *
 * After five standing intervals in a row (500 ms) the watch sheds: a new request is refused
 * while more callers wait than the pool hands connections out in the target time (Little's law:
 * a request behind them would wait longer than the target). The pace is a moving average over
 * the busy intervals before shedding started; read while shedding it would shrink, as the loop
 * then also spends itself on refusals, and let through ever less. Shedding stops after ten
 * intervals in a row (1 s) in which nothing had to be refused or no more requests arrived than
 * the process carried in its busy intervals before shedding: refusals cost the loop as well, and
 * without that second rule a load the process carries could keep a queue standing of its own
 * making. A closed loop of clients (say 50 on a pool of 10) makes a queue, but its shortest wait
 * stays short: it is served whole.
 */
export class QueueWatch {
  /** Shedding now. */
  shedding = false;
  /** Callers that may wait while shedding: what the pool hands out in the target time. */
  allowed = Number.POSITIVE_INFINITY;
  /** Requests shed since shedding last started. */
  shed = 0;
  /** Connections handed out per interval while the loop was busy and nothing was shed (moving average). */
  private rate = 0;
  /** Requests that arrived per interval while the loop was busy and nothing was shed (moving average): what the process carries. */
  private carried = 0;
  private shedBefore = 0;
  private standingIntervals = 0;
  private calmIntervals = 0;

  constructor(
    private readonly targetDelayMs: number,
    private readonly intervalMs: number,
  ) {}

  /**
   * One interval's reading: the loop's utilisation (0–1) and the pool's sample. Returns `start`
   * or `stop` when shedding starts or stops.
   */
  update(utilization: number, sample: QueueSample, arrivals = 0): 'start' | 'stop' | undefined {
    const busy = utilization >= busyUtilization;
    const standing = busy && sample.shortestWaitMs > this.targetDelayMs;
    this.standingIntervals = standing ? this.standingIntervals + 1 : 0;
    if (!this.shedding) {
      // The pool's pace at full load, before any shedding: while shedding, the loop also spends
      // itself on refusals, and a pace read then would shrink what is let through.
      if (busy && sample.taken > 0) this.rate = this.rate === 0 ? sample.taken : this.rate + rateWeight * (sample.taken - this.rate);
      if (busy && arrivals > 0) this.carried = this.carried === 0 ? arrivals : this.carried + rateWeight * (arrivals - this.carried);
      if (this.standingIntervals < standingIntervalsToShed) return undefined;
      this.shedding = true;
      this.shed = 0;
      this.shedBefore = 0;
      this.calmIntervals = 0;
      this.allowed = Math.max(1, Math.floor((this.rate * this.targetDelayMs) / this.intervalMs));
      return 'start';
    }
    // Calm: nothing had to be refused, or no more arrived than the process carried before it
    // shed. Refusals cost the loop too, so shedding can keep its own queue standing; once the
    // load is one the process carried, that queue is its own and shedding stops.
    const carriedLoad = this.carried > 0 && arrivals > 0 && arrivals <= this.carried;
    this.calmIntervals = this.shed === this.shedBefore || carriedLoad ? this.calmIntervals + 1 : 0;
    this.shedBefore = this.shed;
    if (this.calmIntervals < calmIntervalsToStop) return undefined;
    this.shedding = false;
    this.allowed = Number.POSITIVE_INFINITY;
    return 'stop';
  }

  /** Whether a new request is shed, with `waiting` callers in the connection queue now. */
  shedsNext(waiting: number): boolean {
    if (!this.shedding || waiting <= this.allowed) return false;
    this.shed++;
    return true;
  }
}

/**
 * Samples the process every 100 ms: how late the sampling timer itself fired (the event-loop
 * delay every other callback saw), the V8 heap in use and, when limited, the RSS. `pressure`
 * names the limit exceeded — the event-loop delay once two consecutive samples were late by
 * more than the limit, memory at the first sample over it — and clears at the first sample
 * under every limit, so shedding follows the load within a sample or two and costs a request
 * only a property read. After a blocked loop the timer phase runs before sockets are read, so
 * requests that queued up behind the block are already refused.
 *
 * Below those hard limits, with `shedQueueDelayMs` and a `queue`, a {@link QueueWatch} reads
 * the loop's utilisation and the database's connection queue at each sample, and `shedsNext()`
 * answers per request while it sheds.
 *
 * Transitions are logged (warn when shedding starts, info when it ends); samples are not.
 * Returns undefined when every limit is off.
 */
export function createLoadMonitor(limits: LoadLimits, logger: Logger, queue?: QueueSource): LoadMonitor | undefined {
  const { maxEventLoopDelayMs, maxHeapUsedPercent, maxRssBytes } = limits;
  const shedQueueDelayMs = queue === undefined ? 0 : (limits.shedQueueDelayMs ?? 0);
  if (maxEventLoopDelayMs <= 0 && maxHeapUsedPercent <= 0 && maxRssBytes <= 0 && shedQueueDelayMs <= 0) return undefined;
  const maxHeapBytes = maxHeapUsedPercent > 0 ? (getHeapStatistics().heap_size_limit * maxHeapUsedPercent) / 100 : 0;
  const watch = shedQueueDelayMs > 0 ? new QueueWatch(shedQueueDelayMs, sampleIntervalMs) : undefined;
  let utilizationMark: EventLoopUtilization | undefined;
  let arrivalsOf: (() => number) | undefined;
  let lastArrivals = 0;
  let pressure: PressureReason | undefined;
  let timer: NodeJS.Timeout | undefined;
  let dueAt = 0;
  let lateSamples = 0;

  function sampleQueue(): void {
    if (watch === undefined || queue === undefined) return;
    const utilization = performance.eventLoopUtilization(utilizationMark);
    utilizationMark = performance.eventLoopUtilization();
    const sample = queue.sample();
    const arrived = arrivalsOf?.() ?? 0;
    const change = watch.update(utilization.utilization, sample, arrived - lastArrivals);
    lastArrivals = arrived;
    if (change === 'start') {
      logger.warn(
        {
          reason: 'queue_delay',
          queue_delay_ms: Math.round(sample.shortestWaitMs),
          waiting: queue.length(),
          allowed: watch.allowed,
        },
        'queue standing: shedding what waits past the target',
      );
    } else if (change === 'stop') {
      logger.info({ reason: 'queue_delay', shed: watch.shed }, 'queue gone: accepting every request');
    }
  }

  function sample(): void {
    const now = performance.now();
    const delayMs = Math.max(0, now - dueAt);
    dueAt = now + sampleIntervalMs;
    sampleQueue();
    let reason: PressureReason | undefined;
    let heapUsed = 0;
    let rss = 0;
    lateSamples = maxEventLoopDelayMs > 0 && delayMs > maxEventLoopDelayMs ? lateSamples + 1 : 0;
    if (lateSamples >= lateSamplesForPressure) reason = 'event_loop_delay';
    if (reason === undefined && maxHeapBytes > 0) {
      heapUsed = getHeapStatistics().used_heap_size;
      if (heapUsed > maxHeapBytes) reason = 'heap_used';
    }
    if (reason === undefined && maxRssBytes > 0) {
      rss = process.memoryUsage.rss();
      if (rss > maxRssBytes) reason = 'rss';
    }
    if (reason === pressure) return;
    const fields = {
      reason: reason ?? pressure,
      event_loop_delay_ms: Math.round(delayMs),
      heap_used: heapUsed || undefined,
      rss: rss || undefined,
    };
    if (reason !== undefined) logger.warn(fields, 'under pressure: shedding new requests');
    else logger.info(fields, 'pressure relieved: accepting requests');
    pressure = reason;
  }

  return {
    get pressure() {
      return pressure;
    },
    get shedding() {
      return watch !== undefined && watch.shedding;
    },
    shedsNext() {
      return watch !== undefined && watch.shedsNext(queue!.length());
    },
    start(arrivals) {
      if (timer !== undefined) return;
      arrivalsOf = arrivals;
      lastArrivals = arrivals?.() ?? 0;
      utilizationMark = performance.eventLoopUtilization();
      dueAt = performance.now() + sampleIntervalMs;
      timer = setInterval(sample, sampleIntervalMs).unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
      pressure = undefined;
      lateSamples = 0;
      if (watch !== undefined) watch.shedding = false;
    },
  };
}

/** V8's heap limit (MiB) and whether it was set (`--max-old-space-size`, on the command line or in NODE_OPTIONS). */
export function heapLimit(execArgv: readonly string[], nodeOptions: string | undefined): { limitMb: number; explicit: boolean } {
  const flag = /^--max[-_]old[-_]space[-_]size(=|$)/;
  const explicit = execArgv.some((arg) => flag.test(arg)) || (nodeOptions ?? '').split(/\s+/).some((arg) => flag.test(arg));
  return { limitMb: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20), explicit };
}
