import { PoolExhaustedError } from './db-errors.js';
import type { QueueSample } from './db.js';

/**
 * Which share of the pool a piece of work may use. `read`: a plain `SELECT` run on its own
 * (it can wait for a lock only behind DDL or `LOCK TABLE`); `write`: everything else —
 * transactions, sessions, scripts, and statements that write or lock rows, which a row lock held
 * elsewhere can stall until `lock_timeout`.
 */
export type Lane = 'read' | 'write';

/** Options of {@link PoolAdmission}. */
export interface PoolAdmissionOptions {
  /** Connections in all: the pool's maximum. */
  size: number;
  /** How many of them writes may hold at once (1..size); the rest stay free for reads. */
  writeSlots: number;
  /** Most callers that may wait per lane; the next one is refused at once. */
  queueMax: number;
  /** How long a caller may wait for a slot before it is refused, ms. */
  waitTimeoutMs: number;
}

interface Waiter {
  lane: Lane;
  /** Arrival order across both lanes: the earliest grantable waiter goes first. */
  seq: number;
  resolve(): void;
  reject(error: PoolExhaustedError): void;
  timer: NodeJS.Timeout;
  /** performance.now() when it started waiting. */
  since: number;
}

/**
 * How many of `size` connections writes may hold: all but a fifth (at least one kept for reads
 * when the pool has two or more), so that writes stalled on a lock never take the whole pool.
 */
export function defaultWriteSlots(size: number): number {
  return size <= 1 ? size : size - Math.max(1, Math.floor(size / 5));
}

/**
 * Admission in front of the connection pool: a slot must be held for as long as a pooled
 * connection is. At most `size` slots are held in all, at most `writeSlots` of them by writes,
 * so reads always find connections that stalled writes cannot take. A caller that finds no slot
 * waits in its lane's FIFO queue; when a slot frees, the earliest waiter that may take it gets
 * it (a read may pass writes that are blocked by the write cap). A lane whose queue holds
 * `queueMax` callers refuses the next one at once, and nobody waits longer than
 * `waitTimeoutMs`: both reject with {@link PoolExhaustedError}, which the API answers with 503.
 * Pure bookkeeping (no I/O); the free-slot path allocates nothing.
 */
export class PoolAdmission {
  private held = 0;
  private writesHeld = 0;
  private seq = 0;
  private closed = false;
  /** Shortest wait (ms) of the slots taken since the last sample; Infinity while none was. */
  private shortestWait = Number.POSITIVE_INFINITY;
  private taken = 0;
  private readonly queues: Record<Lane, Waiter[]> = { read: [], write: [] };

  constructor(private readonly options: PoolAdmissionOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new Error('size must be a positive integer');
    if (!Number.isInteger(options.writeSlots) || options.writeSlots < 1 || options.writeSlots > options.size) {
      throw new Error('writeSlots must be an integer from 1 to size');
    }
  }

  /** Callers waiting, both lanes. */
  get waiting(): number {
    return this.queues.read.length + this.queues.write.length;
  }

  /** Slots held by `lane`, or in all. */
  heldBy(lane?: Lane): number {
    if (lane === undefined) return this.held;
    return lane === 'write' ? this.writesHeld : this.held - this.writesHeld;
  }

  /**
   * Takes a slot of `lane`: returns undefined when one was free (the slot is held on return),
   * else a promise that resolves once the slot is held, or rejects with
   * {@link PoolExhaustedError} (queue full: at once; no slot within the wait timeout; closed).
   * Every slot taken must be given back with {@link release}.
   */
  acquire(lane: Lane): Promise<void> | undefined {
    if (this.closed) return Promise.reject(new PoolExhaustedError('closed', 'the database is closed'));
    const queue = this.queues[lane];
    // Free slot and nobody of this lane ahead: no promise, no timer.
    if (queue.length === 0 && this.mayTake(lane)) {
      this.take(lane);
      this.shortestWait = 0;
      return undefined;
    }
    if (queue.length >= this.options.queueMax) {
      return Promise.reject(
        new PoolExhaustedError(
          'queue_full',
          `no database connection: ${queue.length} ${lane}s already waiting (queue limit), ${this.held} of ${this.options.size} connections in use`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        lane,
        since: performance.now(),
        seq: this.seq++,
        resolve,
        reject,
        timer: setTimeout(() => {
          const index = queue.indexOf(waiter);
          if (index === -1) return;
          queue.splice(index, 1);
          reject(
            new PoolExhaustedError(
              'wait_timeout',
              `no database connection within ${this.options.waitTimeoutMs} ms (${lane}; ${this.held} of ${this.options.size} connections in use, ${this.writesHeld} by writes)`,
            ),
          );
        }, this.options.waitTimeoutMs),
      };
      queue.push(waiter);
    });
  }

  /** The queue over the interval since the last call (for the HTTP load monitor, ADR 30). */
  takeQueueSample(): QueueSample {
    let shortestWaitMs = this.shortestWait;
    if (shortestWaitMs === Number.POSITIVE_INFINITY) {
      const read = this.queues.read[0]?.since ?? Number.POSITIVE_INFINITY;
      const write = this.queues.write[0]?.since ?? Number.POSITIVE_INFINITY;
      const oldest = Math.min(read, write);
      shortestWaitMs = oldest === Number.POSITIVE_INFINITY ? 0 : performance.now() - oldest;
    }
    const sample = { shortestWaitMs, taken: this.taken };
    this.shortestWait = Number.POSITIVE_INFINITY;
    this.taken = 0;
    return sample;
  }

  /** Gives back a slot of `lane` taken with {@link acquire}, handing it to the next waiter that may take it. */
  release(lane: Lane): void {
    this.held--;
    if (lane === 'write') this.writesHeld--;
    this.dispatch();
  }

  /** Refuses every waiter and every later acquire (slots still held may be released). */
  close(): void {
    this.closed = true;
    for (const queue of Object.values(this.queues)) {
      for (const waiter of queue.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.reject(new PoolExhaustedError('closed', 'the database is closed'));
      }
    }
  }

  private mayTake(lane: Lane): boolean {
    return this.held < this.options.size && (lane === 'read' || this.writesHeld < this.options.writeSlots);
  }

  private take(lane: Lane): void {
    this.taken++;
    this.held++;
    if (lane === 'write') this.writesHeld++;
  }

  private dispatch(): void {
    for (;;) {
      const read = this.queues.read[0];
      const write = this.queues.write[0];
      const readOk = read !== undefined && this.mayTake('read');
      const writeOk = write !== undefined && this.mayTake('write');
      const next = readOk && writeOk ? (read.seq < write.seq ? read : write) : readOk ? read : writeOk ? write : undefined;
      if (!next) return;
      this.queues[next.lane].shift();
      clearTimeout(next.timer);
      this.take(next.lane);
      const waited = performance.now() - next.since;
      if (waited < this.shortestWait) this.shortestWait = waited;
      next.resolve();
    }
  }
}

const lockingClause = /\bfor\s+(?:update|share|no\s+key\s+update|key\s+share)\b/i;
/** String literals and comments: their words say nothing about what the statement does. */
const literalsAndComments = /'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\//g;

/**
 * The lane of a statement run on its own: `read` for a plain `SELECT` (no locking clause, no
 * advisory lock, no NOTIFY, no `INTO`), `write` for anything else. A data-modifying CTE starts
 * with `WITH` and is a write; so is a read-only CTE (conservative: a read counted as a write only
 * shares the write cap, whereas a stalled write counted as a read could take the slots kept for
 * reads). Pure; callers cache the answer per statement text.
 */
export function laneOfStatement(text: string): Lane {
  const body = text.replace(literalsAndComments, ' ').trimStart();
  if (!/^select\b/i.test(body)) return 'write';
  if (lockingClause.test(body) || /\bpg_(?:try_)?advisory|\bpg_notify\b|\binto\b/i.test(body)) return 'write';
  return 'read';
}
