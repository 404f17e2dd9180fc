import type { Db, Queryable, TransactionOptions } from '../db/db.js';
import { UnprocessableEventError, type EventSubscription } from './event.js';
import { outboxChannel, type ClaimedDelivery, type DeliveryFailure, type EventOutbox } from './outbox.js';

/** What the dispatcher logs (a pino logger fits). */
export interface DispatcherLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * The database the dispatcher runs on: the application's handle. When it offers ambient
 * transactions (the platform's handle does), a delivery runs in one, so module code a handler
 * calls through its own `Db` joins the delivery's transaction.
 */
export type DispatchDb = Db & {
  runInAmbientTransaction?<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
};

/** Delivery settings (the EVENT_* settings, see docs/operations.md). */
export interface DispatchSettings {
  /** Failed attempts after which a delivery is dead-lettered. */
  maxAttempts: number;
  /** Delay before the first retry; doubled after each further failure (jittered ±20 %). */
  retryBaseMs: number;
  /** Longest delay between two attempts. */
  retryMaxMs: number;
  /** Safety poll: how often the dispatcher looks for work nobody NOTIFYed it about. */
  pollIntervalMs: number;
  /** How long delivered events are kept before cleanup deletes them. */
  retentionMs: number;
}

/** Counters of one dispatcher, plus the dead-letter count of the whole database as last read. */
export interface DispatcherStats {
  delivered: number;
  failed: number;
  deadLettered: number;
  /** Deliveries in the dead-letter state (every instance's), as of the last idle moment. */
  deadNow: number;
}

/** Options of {@link EventDispatcher}. */
export interface EventDispatcherOptions {
  db: DispatchDb;
  outbox: EventOutbox;
  subscriptions: readonly EventSubscription[];
  settings: DispatchSettings;
  logger: DispatcherLogger;
  /** Cleanup runs at most this often (default: an hour, or the retention when shorter). */
  cleanupIntervalMs?: number;
}

/** Longest delay a failed dispatcher loop (database unreachable) waits before trying again. */
const loopRetryMaxMs = 5_000;

/**
 * Delivers recorded events to this process's subscribers (see docs/adr/0021-transactional-outbox.md).
 * Woken by NOTIFY on {@link outboxChannel} (sent when an event commits, or an operator replays
 * one), after the notification connection reconnects, when a retry falls due, and by a slow
 * safety poll. Each delivery runs in one transaction: claim (FOR UPDATE SKIP LOCKED, so several
 * instances share the work and never run one delivery at the same time), receipt, handler (inside
 * a savepoint), new state. A handler that throws is rolled back to the savepoint and the failure
 * recorded in the same transaction: retried with exponential backoff, dead-lettered after
 * `maxAttempts` (logged as an error, counted in /metrics). Deliveries of one aggregate for one
 * subscriber run in the order the events were recorded; a dead one holds back its successors.
 */
export class EventDispatcher {
  private readonly subscribers: Map<string, EventSubscription>;
  private readonly names: string[];
  private readonly counts = { delivered: 0, failed: 0, deadLettered: 0, deadNow: 0 };
  private running = false;
  private stopped = false;
  private wakeRequested = false;
  private loop: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private stopListening: (() => Promise<void>) | undefined;
  private stopReconnect: (() => void) | undefined;
  private registered = false;
  private lastCleanupAt = 0;
  private loopFailures = 0;

  constructor(private readonly options: EventDispatcherOptions) {
    this.subscribers = new Map();
    for (const subscription of options.subscriptions) {
      if (this.subscribers.has(subscription.subscriber)) throw new Error(`event subscriber ${subscription.subscriber} is declared twice`);
      this.subscribers.set(subscription.subscriber, subscription);
    }
    this.names = [...this.subscribers.keys()];
  }

  /**
   * Registers the subscriptions and starts listening. When the database is unreachable it logs,
   * resolves, and keeps trying in the background (at the poll interval). Call once.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stopReconnect = this.options.db.onNotificationReconnect(() => this.wake());
    this.pollTimer = setInterval(() => this.wake(), this.options.settings.pollIntervalMs);
    this.pollTimer.unref();
    try {
      await this.attach();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'event dispatcher cannot reach the database yet; retrying');
    }
    this.wake();
  }

  /** Stops taking new deliveries and waits for the one in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.timer);
    this.stopReconnect?.();
    await this.loop;
    await this.stopListening?.().catch(() => undefined);
  }

  /** This dispatcher's counters (see {@link DispatcherStats}). */
  stats(): DispatcherStats {
    return { ...this.counts };
  }

  /** Asks for a drain (coalesced: one runs at a time, and one more after it when asked meanwhile). */
  wake(): void {
    if (this.stopped || !this.running) return;
    this.wakeRequested = true;
    if (this.loop) return;
    this.loop = this.drainLoop().finally(() => {
      this.loop = undefined;
      if (this.wakeRequested && !this.stopped) this.wake();
    });
  }

  private async attach(): Promise<void> {
    if (!this.registered) {
      await this.options.outbox.registerSubscriptions(this.options.subscriptions);
      this.registered = true;
    }
    this.stopListening ??= await this.options.db.listen(outboxChannel, () => this.wake());
  }

  private async drainLoop(): Promise<void> {
    while (this.wakeRequested && !this.stopped) {
      this.wakeRequested = false;
      try {
        if (!this.registered || !this.stopListening) await this.attach();
        if (this.names.length > 0) {
          while (!this.stopped && (await this.deliverNext())) {
            // One delivery per transaction: a slow handler holds one connection, never a batch.
          }
        }
        if (this.stopped) return;
        await this.afterDrain();
        if (this.loopFailures > 0) this.options.logger.info({ failures: this.loopFailures }, 'event dispatch recovered');
        this.loopFailures = 0;
      } catch (error) {
        // Database unreachable (or the like): nothing was lost, the deliveries stay pending.
        // Logged on the first failure and every 10th after it, so an outage does not flood the log.
        this.loopFailures += 1;
        const delay = Math.min(loopRetryMaxMs, this.options.settings.retryBaseMs * 2 ** Math.min(this.loopFailures - 1, 20));
        if (this.loopFailures % 10 === 1)
          this.options.logger.warn({ err: error, failures: this.loopFailures, retry_in_ms: delay }, 'event dispatch failed; retrying');
        this.schedule(delay);
        return;
      }
    }
  }

  /** Claims and runs one delivery; false when none is runnable now. */
  private async deliverNext(): Promise<boolean> {
    const { db, outbox } = this.options;
    const run = <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> =>
      db.runInAmbientTransaction ? db.runInAmbientTransaction(fn) : db.transaction(fn);
    let outcome: { claimed: ClaimedDelivery; failure?: DeliveryFailure; cause?: unknown } | undefined;
    await run(async (tx) => {
      outcome = undefined;
      const claimed = await outbox.claimNext(tx, this.names);
      if (!claimed) return;
      const subscription = this.subscribers.get(claimed.subscriber)!;
      await tx.query('SAVEPOINT event_handler');
      try {
        if (await outbox.addReceipt(tx, claimed.subscriber, claimed.event.id)) await subscription.handle(claimed.event, tx);
        await tx.query('RELEASE SAVEPOINT event_handler');
      } catch (error) {
        await tx.query('ROLLBACK TO SAVEPOINT event_handler');
        const failure = this.failureOf(claimed, error);
        await outbox.markFailed(tx, claimed.deliveryId, failure);
        outcome = { claimed, failure, cause: error };
        return;
      }
      await outbox.markDelivered(tx, claimed.deliveryId);
      outcome = { claimed };
    });
    if (!outcome) return false;
    this.report(outcome.claimed, outcome.failure, outcome.cause);
    return true;
  }

  private failureOf(claimed: ClaimedDelivery, error: unknown): DeliveryFailure {
    const { maxAttempts, retryBaseMs, retryMaxMs } = this.options.settings;
    const attempts = claimed.attempts + 1;
    const dead = attempts >= maxAttempts || error instanceof UnprocessableEventError;
    const backoff = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(attempts - 1, 30));
    // Jitter keeps instances (and deliveries that failed together) from retrying in lock-step.
    const retryInMs = dead ? 0 : Math.round(backoff * (0.8 + Math.random() * 0.4));
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { attempts, dead, retryInMs, error: message };
  }

  private report(claimed: ClaimedDelivery, failure: DeliveryFailure | undefined, cause: unknown): void {
    const fields = {
      event_id: claimed.event.id,
      event_name: claimed.event.name,
      aggregate: `${claimed.event.aggregateType}:${claimed.event.aggregateId}`,
      subscriber: claimed.subscriber,
      delivery_id: claimed.deliveryId,
    };
    if (!failure) {
      this.counts.delivered += 1;
      return;
    }
    this.counts.failed += 1;
    if (failure.dead) {
      this.counts.deadLettered += 1;
      this.counts.deadNow += 1;
      this.options.logger.error(
        { ...fields, attempts: failure.attempts, err: cause },
        'event delivery dead-lettered: replay it with `npm run events -- replay <delivery_id>` once the cause is fixed',
      );
    } else {
      this.options.logger.warn(
        { ...fields, attempt: failure.attempts, retry_in_ms: failure.retryInMs, err: cause },
        'event handler failed; will retry',
      );
    }
  }

  /** Idle: refresh the dead-letter count, clean up when due, and sleep until the next retry falls due. */
  private async afterDrain(): Promise<void> {
    const { outbox, settings } = this.options;
    this.counts.deadNow = await outbox.countDead();
    const cleanupEvery = this.options.cleanupIntervalMs ?? Math.min(3_600_000, settings.retentionMs);
    if (Date.now() - this.lastCleanupAt >= cleanupEvery) {
      this.lastCleanupAt = Date.now();
      const removed = await outbox.deleteDeliveredBefore(settings.retentionMs);
      if (removed > 0) this.options.logger.info({ removed, retention_ms: settings.retentionMs }, 'delivered events cleaned up');
    }
    if (this.names.length === 0) return;
    const dueIn = await outbox.nextRetryInMs(this.names);
    if (dueIn !== undefined && dueIn < settings.pollIntervalMs) this.schedule(dueIn);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), delayMs);
    this.timer.unref();
  }
}
