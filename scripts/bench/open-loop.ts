/**
 * A fixed-rate (open-loop) load generator for the overload curve. Closed-loop tools (autocannon,
 * also with `overallRate`) send a connection's next request only after its previous answer, so a
 * server that slows down is offered less load and its latency is under-reported (coordinated
 * omission); they also report one latency for all statuses. Here request i is due at
 * start + i / rate whatever happened before; its latency is measured from that due time (waiting
 * in the generator's queue counts), per status class.
 */
import { Pool } from 'undici';

/** What {@link openLoop} measured. */
export interface OpenLoopResult {
  /** Requests due in the run (rate × duration). */
  offered: number;
  /** Requests that got an answer (any status). */
  answered: number;
  /** Answered per second of the run (from the first due time to the last answer). */
  answeredPerSecond: number;
  byStatus: Record<string, number>;
  /** Requests without an answer: network errors and timeouts, by error code. */
  failures: Record<string, number>;
  /** Requests not sent because more than `maxBacklogMs` worth of requests were already waiting in the generator. */
  notSent: number;
  /** Latency percentiles (ms, from the due time) of 2xx answers and of 503 answers. */
  served: Percentiles;
  shed: Percentiles;
  /** CPU time of this (the generator's) process per request sent, in microseconds. */
  generatorCpuUsPerRequest: number;
}

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2));
  return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Number(sorted[sorted.length - 1]!.toFixed(2)) };
}

/**
 * Sends GET requests to `origin` + `paths` (round-robin) at `rate` per second for `durationMs`
 * over up to `connections` keep-alive connections, then waits (up to `timeoutMs`) for the answers
 * still outstanding. A request without an answer after `timeoutMs` counts as a failure.
 */
export async function openLoop(options: {
  origin: string;
  paths: string[];
  headers: Record<string, string>;
  rate: number;
  durationMs: number;
  connections: number;
  timeoutMs: number;
  /** Requests beyond this much backlog (ms × rate waiting for a connection) are counted as not sent. */
  maxBacklogMs?: number;
}): Promise<OpenLoopResult> {
  const pool = new Pool(options.origin, {
    connections: options.connections,
    pipelining: 1,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 60_000,
  });
  const intervalMs = 1000 / options.rate;
  const total = Math.max(1, Math.round((options.rate * options.durationMs) / 1000));
  const maxOutstanding = options.connections + Math.ceil(options.rate * ((options.maxBacklogMs ?? 1_000) / 1000));
  const servedLatencies: number[] = [];
  const shedLatencies: number[] = [];
  const byStatus: Record<string, number> = {};
  const failures: Record<string, number> = {};
  let answered = 0;
  let notSent = 0;
  let outstanding = 0;
  let lastAnswerAt = 0;
  let issued = 0;
  let allSettled: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (allSettled = resolve));

  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const done = (): void => {
    outstanding--;
    if (issued === total && outstanding === 0) allSettled();
  };
  const send = (index: number): void => {
    const due = start + index * intervalMs;
    if (outstanding >= maxOutstanding) {
      notSent++;
      return;
    }
    outstanding++;
    const path = options.paths[index % options.paths.length]!;
    pool.request({ path, method: 'GET', headers: options.headers }).then(
      async ({ statusCode, body }) => {
        await body.dump();
        const now = performance.now();
        lastAnswerAt = now;
        answered++;
        byStatus[statusCode] = (byStatus[statusCode] ?? 0) + 1;
        if (statusCode >= 200 && statusCode < 300) servedLatencies.push(now - due);
        else if (statusCode === 503) shedLatencies.push(now - due);
        done();
      },
      (error: { code?: string }) => {
        const code = error.code ?? 'error';
        failures[code] = (failures[code] ?? 0) + 1;
        done();
      },
    );
  };

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
      while (issued < due) send(issued++);
      if (issued >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  if (outstanding === 0) allSettled();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([settled, new Promise<void>((resolve) => (timer = setTimeout(resolve, options.timeoutMs + 1_000)))]);
  clearTimeout(timer);
  if (outstanding > 0) failures['still outstanding'] = outstanding;
  const cpu = process.cpuUsage(cpuBefore);
  await pool.destroy();
  const seconds = Math.max((lastAnswerAt - start) / 1000, 1e-3);
  return {
    offered: total,
    answered,
    answeredPerSecond: Math.round(answered / seconds),
    byStatus,
    failures,
    notSent,
    served: percentiles(servedLatencies),
    shed: percentiles(shedLatencies),
    generatorCpuUsPerRequest: Math.round((cpu.user + cpu.system) / Math.max(total - notSent, 1)),
  };
}
