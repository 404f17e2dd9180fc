/**
 * A fixed-rate (open-loop) load generator for the overload curve. Closed-loop tools (autocannon,
 * also with `overallRate`) send a connection's next request only after its previous answer, so a
 * server that slows down is offered less load and its latency is under-reported (coordinated
 * omission); they also report one latency for all statuses. Here request i is due at
 * start + i / rate whatever happened before; its latency is measured from that due time (waiting
 * in the generator's queue counts), per status class.
 *
 * The generator shares the machine's cores with the server it measures, so it is kept lean: raw
 * keep-alive sockets, each request's bytes built once per path, and a response read only as far
 * as its status line and `Content-Length` (about a third of an HTTP client library's CPU per
 * request). Responses without `Content-Length` are not expected from the API and count as
 * failures.
 */
import { connect, type Socket } from 'node:net';

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

const headerEnd = Buffer.from('\r\n\r\n');

/** One keep-alive connection carrying one request at a time. */
class RawConnection {
  private socket: Socket | undefined;
  private buffered: Buffer = Buffer.alloc(0);
  private current: ((status: number | Error) => void) | undefined;
  private closeAfter = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** Sends `bytes` (a whole request); `onAnswer` gets the status, or the error that lost it. */
  send(bytes: Buffer, onAnswer: (status: number | Error) => void): void {
    this.current = onAnswer;
    this.buffered = Buffer.alloc(0);
    if (this.socket === undefined || this.socket.destroyed) this.open();
    this.socket!.write(bytes);
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): void {
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    this.socket = socket;
    this.closeAfter = false;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const lost = (error: Error) => {
      // A socket this connection already closed (after `Connection: close`) may report its close
      // while the next request runs on a new one: only the current socket's loss fails a request.
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.finish(error);
    };
    socket.on('error', lost);
    socket.on('close', () => lost(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' })));
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const end = this.buffered.indexOf(headerEnd);
    if (end === -1) return;
    const head = this.buffered.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) {
      this.finish(Object.assign(new Error('no content-length'), { code: 'unparsable' }));
      this.close();
      return;
    }
    if (this.buffered.length < end + 4 + Number(length[1])) return;
    this.closeAfter = /\r\nconnection:\s*close/i.test(head);
    this.finish(status);
  }

  private finish(result: number | Error): void {
    const onAnswer = this.current;
    if (onAnswer === undefined) return;
    this.current = undefined;
    this.buffered = Buffer.alloc(0);
    if (this.closeAfter) this.close();
    onAnswer(result);
  }
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
 * still outstanding. A request still without an answer then counts as a failure.
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
  const origin = new URL(options.origin);
  const connections = Array.from({ length: options.connections }, () => new RawConnection(origin.hostname, Number(origin.port)));
  const idle = [...connections];
  const headerLines = Object.entries(options.headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const requestBytes = options.paths.map((path) =>
    Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${origin.host}\r\n${headerLines}\r\n`, 'latin1'),
  );
  /** Requests due but waiting for a free connection, oldest first. */
  const waiting: number[] = [];
  let waitingHead = 0;
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
    if (outstanding >= maxOutstanding) {
      notSent++;
      return;
    }
    outstanding++;
    waiting.push(index);
    dispatch();
  };
  const dispatch = (): void => {
    while (waitingHead < waiting.length && idle.length > 0) {
      const index = waiting[waitingHead++]!;
      const connection = idle.pop()!;
      const due = start + index * intervalMs;
      connection.send(requestBytes[index % requestBytes.length]!, (result) => {
        idle.push(connection);
        if (typeof result === 'number') {
          const now = performance.now();
          lastAnswerAt = now;
          answered++;
          byStatus[result] = (byStatus[result] ?? 0) + 1;
          if (result >= 200 && result < 300) servedLatencies.push(now - due);
          else if (result === 503) shedLatencies.push(now - due);
        } else {
          const code = (result as { code?: string }).code ?? 'error';
          failures[code] = (failures[code] ?? 0) + 1;
        }
        done();
        dispatch();
      });
    }
    if (waitingHead > 4096 && waitingHead * 2 > waiting.length) {
      waiting.splice(0, waitingHead);
      waitingHead = 0;
    }
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
  for (const connection of connections) connection.close();
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
