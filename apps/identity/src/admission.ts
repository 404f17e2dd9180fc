import type { AdmissionLimits } from './config.js';

/** Why a request was not admitted: the queue was full, or its turn did not come in time. */
export type OverloadReason = 'queue_full' | 'queue_timeout';

/** A request was shed by {@link Admission}; answer 503 with Retry-After. */
export class OverloadError extends Error {
  constructor(readonly reason: OverloadReason) {
    super(reason === 'queue_full' ? 'too many requests waiting' : 'waited too long for a turn');
    this.name = 'OverloadError';
  }
}

/** Gives up its turn; calling it again does nothing. */
export type Release = () => void;

/** A bounded, FIFO admission gate (see {@link createAdmission}). */
export interface Admission {
  /**
   * Resolves with a {@link Release} once the caller may run. Rejects with {@link OverloadError}
   * at once when the queue is full, after the queue timeout when no turn came, and with
   * `signal`'s reason when the caller gave up while waiting (its place is freed).
   */
  enter(signal?: AbortSignal): Promise<Release>;
  /** Requests running now. */
  readonly running: number;
  /** Requests waiting now. */
  readonly waiting: number;
}

interface Waiter {
  grant(release: Release): void;
  fail(error: unknown): void;
}

/**
 * Load shedding in front of the database pool: at most `maxConcurrent` callers run at once, at
 * most `maxQueued` wait (first come, first served) and none waits longer than `queueTimeoutMs`.
 * Whoever cannot be served soon is told so at once instead of piling up — memory and waiting
 * time stay bounded under any load.
 */
export function createAdmission({ maxConcurrent, maxQueued, queueTimeoutMs }: AdmissionLimits): Admission {
  let running = 0;
  const queue: Waiter[] = [];

  const releaseFor = (): Release => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      // The turn passes straight to the next waiter: `running` stays the same.
      if (next) next.grant(releaseFor());
      else running--;
    };
  };

  return {
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
    enter(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (running < maxConcurrent) {
        running++;
        return Promise.resolve(releaseFor());
      }
      if (queue.length >= maxQueued) return Promise.reject(new OverloadError('queue_full'));
      return new Promise<Release>((resolve, reject) => {
        const leave = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
        };
        const onAbort = (): void => waiter.fail(signal?.reason);
        const waiter: Waiter = {
          grant: (release) => {
            leave();
            resolve(release);
          },
          fail: (error) => {
            leave();
            reject(error);
          },
        };
        const timer = setTimeout(() => waiter.fail(new OverloadError('queue_timeout')), queueTimeoutMs);
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(waiter);
      });
    },
  };
}
