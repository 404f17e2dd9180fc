import { getHeapStatistics } from 'node:v8';
import type { Logger } from 'pino';

/** Why the process is shedding load: its event loop lags, or its memory is near the limit. */
export type PressureReason = 'event_loop_delay' | 'heap_used' | 'rss';

/** Limits of {@link createLoadMonitor}; 0 turns a limit off. */
export interface LoadLimits {
  /** Event-loop delay (ms) above which new requests are shed. */
  maxEventLoopDelayMs: number;
  /** Share of V8's heap limit (percent, 1–100) above which new requests are shed. */
  maxHeapUsedPercent: number;
  /** Resident set size (bytes) above which new requests are shed. */
  maxRssBytes: number;
}

/** The process' load as the admission gate reads it. */
export interface LoadMonitor {
  /** Why new requests should be refused right now; undefined when the process keeps up. */
  readonly pressure: PressureReason | undefined;
  /** Starts sampling (idempotent). The timer never keeps the process alive. */
  start(): void;
  stop(): void;
}

/** How often the process is sampled. Each sample is a timer callback and two cheap reads. */
const sampleIntervalMs = 100;

/**
 * Consecutive late samples before the event loop counts as saturated: one long block (a large
 * synchronous task, a major GC, a starved CPU) delays one sample and is over when it is seen;
 * saturation delays every sample.
 */
const lateSamplesForPressure = 2;

/**
 * Samples the process every 100 ms: how late the sampling timer itself fired (the event-loop
 * delay every other callback saw), the V8 heap in use and, when limited, the RSS. `pressure`
 * names the limit exceeded — the event-loop delay once two consecutive samples were late by
 * more than the limit, memory at the first sample over it — and clears at the first sample
 * under every limit, so shedding follows the load within a sample or two and costs a request
 * only a property read. After a blocked loop the timer phase runs before sockets are read, so
 * requests that queued up behind the block are already refused.
 *
 * Transitions are logged (warn when shedding starts, info when it ends); samples are not.
 * Returns undefined when every limit is off.
 */
export function createLoadMonitor(limits: LoadLimits, logger: Logger): LoadMonitor | undefined {
  const { maxEventLoopDelayMs, maxHeapUsedPercent, maxRssBytes } = limits;
  if (maxEventLoopDelayMs <= 0 && maxHeapUsedPercent <= 0 && maxRssBytes <= 0) return undefined;
  const maxHeapBytes = maxHeapUsedPercent > 0 ? (getHeapStatistics().heap_size_limit * maxHeapUsedPercent) / 100 : 0;
  let pressure: PressureReason | undefined;
  let timer: NodeJS.Timeout | undefined;
  let dueAt = 0;
  let lateSamples = 0;

  function sample(): void {
    const now = performance.now();
    const delayMs = Math.max(0, now - dueAt);
    dueAt = now + sampleIntervalMs;
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
    start() {
      if (timer !== undefined) return;
      dueAt = performance.now() + sampleIntervalMs;
      timer = setInterval(sample, sampleIntervalMs).unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
      pressure = undefined;
      lateSamples = 0;
    },
  };
}

/** V8's heap limit (MiB) and whether it was set (`--max-old-space-size`, on the command line or in NODE_OPTIONS). */
export function heapLimit(execArgv: readonly string[], nodeOptions: string | undefined): { limitMb: number; explicit: boolean } {
  const flag = /^--max[-_]old[-_]space[-_]size(=|$)/;
  const explicit = execArgv.some((arg) => flag.test(arg)) || (nodeOptions ?? '').split(/\s+/).some((arg) => flag.test(arg));
  return { limitMb: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20), explicit };
}
