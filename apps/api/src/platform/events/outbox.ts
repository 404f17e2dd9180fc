import { randomUUID } from 'node:crypto';
import type { Db, Queryable, QueryOptions, QueryResult } from '../db/db.js';
import type { DeliveredEvent, EventContract, EventRecorder, EventSubscription, NewEvent } from './event.js';

/** The channel a recording transaction NOTIFYs on commit, and dispatchers LISTEN on. */
export const outboxChannel = 'chompardo_outbox';

/**
 * The common table expressions that record an event from the seven parameters `$first`, … (see
 * {@link EventOutbox.eventValues}), fan it out to every subscriber registered for its name and,
 * when there is one, NOTIFY the dispatchers (delivered on commit only; PostgreSQL folds identical
 * NOTIFYs of one transaction into one). `guard` is the condition the event is recorded on, if any
 * (`WHERE …`). The statement that uses them must read `notified` for the NOTIFY to be sent.
 */
function recordingCtes(first: number, guard: string): string {
  const p = (i: number): string => `$${first + i}`;
  return `event AS (
  INSERT INTO platform.outbox_event (event_id, name, version, aggregate_type, aggregate_id, org_id, payload)
  SELECT CAST(${p(0)} AS uuid), CAST(${p(1)} AS text), CAST(${p(2)} AS integer), CAST(${p(3)} AS text), CAST(${p(4)} AS text),
         CAST(${p(5)} AS bigint), CAST(${p(6)} AS jsonb)
  ${guard}
  RETURNING event_seq, name, aggregate_type, aggregate_id
), delivery AS (
  INSERT INTO platform.outbox_delivery (event_seq, subscriber, aggregate_key)
  SELECT event.event_seq, s.subscriber, event.aggregate_type || ':' || event.aggregate_id
  FROM event JOIN platform.event_subscription s ON s.event_name = event.name
  RETURNING 1
), notified AS (
  SELECT pg_notify('${outboxChannel}', '') AS notified WHERE EXISTS (SELECT 1 FROM delivery)
)`;
}

/** Records one event: one statement, no round trip beyond the INSERT itself. */
const recordSql = `WITH ${recordingCtes(1, '')}
SELECT event.event_seq FROM event LEFT JOIN notified ON true`;

/**
 * `subject` (an INSERT, UPDATE or DELETE … RETURNING with `n` parameters) extended to record an
 * event from parameters `$n+1`, … when it returns a row: the subject's rows, columns and order are
 * what the composed statement returns. Both changes are one statement, so they commit together.
 */
function withEventSql(subject: string, n: number): string {
  const body = subject.trim().replace(/;$/, '');
  return `WITH subject AS (
${body}
), ${recordingCtes(n + 1, 'WHERE EXISTS (SELECT 1 FROM subject)')}
SELECT subject.* FROM subject LEFT JOIN notified ON true`;
}

/** Composed statements kept at most (a few per module: each built once). */
const maxComposedStatements = 256;

/**
 * The next delivery a dispatcher may run for one of `$1` (a JSON array of subscriber names): due,
 * and the first of its aggregate for its subscriber that is not delivered or discarded — an
 * earlier one still pending (being retried, or being handled right now by another instance) or
 * dead holds it back. Locked for the caller's transaction; rows other instances hold are skipped.
 */
const claimSql = `SELECT d.delivery_id, d.subscriber, d.attempts, e.event_id, e.name, e.version, e.aggregate_type, e.aggregate_id,
       e.org_id, e.payload, e.occurred_at
FROM platform.outbox_delivery d
JOIN platform.outbox_event e ON e.event_seq = d.event_seq
WHERE d.state = 'pending'
  AND d.next_attempt_at <= clock_timestamp()
  AND d.subscriber IN (SELECT jsonb_array_elements_text(CAST($1 AS jsonb)))
  AND NOT EXISTS (
    SELECT 1 FROM platform.outbox_delivery p
    WHERE p.subscriber = d.subscriber AND p.aggregate_key = d.aggregate_key
      AND p.event_seq < d.event_seq AND p.state IN ('pending', 'dead'))
ORDER BY d.event_seq
LIMIT 1
FOR UPDATE OF d SKIP LOCKED`;

/** A delivery claimed by {@link EventOutbox.claimNext}, locked by the caller's transaction. */
export interface ClaimedDelivery {
  deliveryId: string;
  subscriber: string;
  /** Failed attempts so far. */
  attempts: number;
  event: DeliveredEvent;
}

interface ClaimRow {
  delivery_id: string;
  subscriber: string;
  attempts: number;
  event_id: string;
  name: string;
  version: number;
  aggregate_type: string;
  aggregate_id: string;
  org_id: string | null;
  payload: unknown;
  occurred_at: Date;
}

/** What a failed attempt leaves behind. */
export interface DeliveryFailure {
  /** Attempts made so far, this one included. */
  attempts: number;
  /** True: move to `dead` (no more attempts); false: pending again after `retryInMs`. */
  dead: boolean;
  retryInMs: number;
  /** What went wrong, for the operator (trimmed). */
  error: string;
}

/** Longest error text kept on a delivery. */
const maxErrorLength = 2_000;

/** Events one cleanup statement deletes at most (short transactions, bounded locks). */
const cleanupBatch = 1_000;

/**
 * The outbox tables of the `platform` schema: recording events (the {@link EventRecorder} every
 * module is given), the subscription registry, and the delivery steps the dispatcher composes in
 * its transactions. Operator views and changes live in outbox-admin.ts.
 */
export class EventOutbox implements EventRecorder {
  constructor(private readonly db: Db) {}

  /** {@link withEventSql} by subject text, with the parameter count it was built for. */
  private readonly composed = new Map<string, { params: number; sql: string }>();

  async record<P>(tx: Queryable, contract: EventContract<P>, event: NewEvent<P>): Promise<string> {
    const values = this.eventValues(contract, event);
    await tx.query(recordSql, values);
    return values[0] as string;
  }

  alongside<P>(conn: Queryable, contract: EventContract<P>, event: NewEvent<P>): Queryable {
    const values = this.eventValues(contract, event);
    let used = false;
    return {
      query: <R>(text: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<QueryResult<R>> => {
        if (used) return Promise.reject(new Error(`event ${contract.name}: alongside() composes one statement only`));
        used = true;
        // Keyed by the statement's own text: a typed query passes the same string every time,
        // whose hash V8 keeps (a key built per call would be hashed per call).
        let composed = this.composed.get(text);
        if (composed === undefined || composed.params !== params.length) {
          composed = { params: params.length, sql: withEventSql(text, params.length) };
          if (this.composed.size < maxComposedStatements) this.composed.set(text, composed);
        }
        return conn.query<R>(composed.sql, [...params, ...values], options);
      },
    };
  }

  /** The parameters of {@link recordingCtes}: a new event id, then the event, its payload checked. */
  private eventValues<P>(contract: EventContract<P>, event: NewEvent<P>): unknown[] {
    const parsed = contract.payload.safeParse(event.payload);
    if (!parsed.success) {
      throw new Error(`event ${contract.name} v${contract.version}: payload does not match its contract: ${parsed.error.message}`);
    }
    if (!event.aggregateId) throw new Error(`event ${contract.name}: aggregateId is required`);
    return [
      randomUUID(),
      contract.name,
      contract.version,
      contract.aggregateType,
      event.aggregateId,
      event.orgId,
      JSON.stringify(parsed.data),
    ];
  }

  /**
   * Makes `subscriptions` the registry entries of their subscribers: each subscriber is registered
   * for exactly its events from now on (events it no longer names stop fanning out to it). Events
   * recorded before a subscriber was first registered are not delivered to it.
   */
  async registerSubscriptions(subscriptions: readonly EventSubscription[]): Promise<void> {
    if (subscriptions.length === 0) return;
    await this.db.transaction(async (tx) => {
      for (const subscription of subscriptions) {
        const events = JSON.stringify([...new Set(subscription.events)]);
        await tx.query(
          `DELETE FROM platform.event_subscription
           WHERE subscriber = $1 AND event_name NOT IN (SELECT jsonb_array_elements_text(CAST($2 AS jsonb)))`,
          [subscription.subscriber, events],
        );
        await tx.query(
          `INSERT INTO platform.event_subscription (event_name, subscriber)
           SELECT name, $1 FROM jsonb_array_elements_text(CAST($2 AS jsonb)) AS name
           ON CONFLICT ON CONSTRAINT event_subscription_pk DO NOTHING`,
          [subscription.subscriber, events],
        );
      }
    });
  }

  /** Claims the next runnable delivery of `subscribers` on `tx` (see claimSql), if any. */
  async claimNext(tx: Queryable, subscribers: readonly string[]): Promise<ClaimedDelivery | undefined> {
    const { rows } = await tx.query<ClaimRow>(claimSql, [JSON.stringify(subscribers)]);
    const row = rows[0];
    if (!row) return undefined;
    return {
      deliveryId: String(row.delivery_id),
      subscriber: row.subscriber,
      attempts: row.attempts,
      event: {
        id: row.event_id,
        name: row.name,
        version: row.version,
        aggregateType: row.aggregate_type,
        aggregateId: row.aggregate_id,
        orgId: row.org_id === null ? null : String(row.org_id),
        payload: row.payload,
        occurredAt: row.occurred_at,
        attempt: row.attempts + 1,
      },
    };
  }

  /** Records that `subscriber` has seen `eventId`; false when it had (the handler must be skipped). */
  async addReceipt(tx: Queryable, subscriber: string, eventId: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO platform.event_receipt (subscriber, event_id) VALUES ($1, CAST($2 AS uuid))
       ON CONFLICT ON CONSTRAINT event_receipt_pk DO NOTHING`,
      [subscriber, eventId],
    );
    return rowCount > 0;
  }

  /** Marks a claimed delivery delivered. */
  async markDelivered(tx: Queryable, deliveryId: string): Promise<void> {
    await tx.query(
      `UPDATE platform.outbox_delivery
       SET state = 'delivered', attempts = attempts + 1, last_error = NULL, updated_at = clock_timestamp()
       WHERE delivery_id = $1`,
      [deliveryId],
    );
  }

  /** Records a failed attempt of a claimed delivery: pending again later, or dead. */
  async markFailed(tx: Queryable, deliveryId: string, failure: DeliveryFailure): Promise<void> {
    await tx.query(
      `UPDATE platform.outbox_delivery
       SET state = $2, attempts = $3, last_error = $4, updated_at = clock_timestamp(),
           next_attempt_at = clock_timestamp() + make_interval(secs => CAST($5 AS double precision))
       WHERE delivery_id = $1`,
      [deliveryId, failure.dead ? 'dead' : 'pending', failure.attempts, failure.error.slice(0, maxErrorLength), failure.retryInMs / 1000],
    );
  }

  /** Deliveries in the dead-letter state, every subscriber's. */
  async countDead(): Promise<number> {
    const { rows } = await this.db.query<{ dead: string }>(`SELECT count(*) AS dead FROM platform.outbox_delivery WHERE state = 'dead'`);
    return Number(rows[0]?.dead ?? 0);
  }

  /**
   * Deletes events recorded more than `retentionMs` ago none of whose deliveries is still pending
   * or dead (their delivery rows go with them), and the receipts of events no longer kept, in
   * batches. Returns how many events were deleted. Safe to run on several instances at once.
   */
  async deleteDeliveredBefore(retentionMs: number): Promise<number> {
    let removed = 0;
    for (;;) {
      const { rowCount } = await this.db.query(
        `DELETE FROM platform.outbox_event
         WHERE event_seq IN (
           SELECT e.event_seq FROM platform.outbox_event e
           WHERE e.occurred_at < clock_timestamp() - make_interval(secs => CAST($1 AS double precision))
             AND NOT EXISTS (SELECT 1 FROM platform.outbox_delivery d WHERE d.event_seq = e.event_seq AND d.state IN ('pending', 'dead'))
           ORDER BY e.event_seq
           LIMIT ${cleanupBatch}
           FOR UPDATE SKIP LOCKED)`,
        [retentionMs / 1000],
      );
      removed += rowCount;
      if (rowCount < cleanupBatch) break;
    }
    await this.db.query(
      `DELETE FROM platform.event_receipt r
       WHERE r.received_at < clock_timestamp() - make_interval(secs => CAST($1 AS double precision))
         AND NOT EXISTS (SELECT 1 FROM platform.outbox_event e WHERE e.event_id = r.event_id)`,
      [retentionMs / 1000],
    );
    return removed;
  }

  /**
   * Milliseconds until the earliest pending delivery of `subscribers` that is waiting for a retry
   * becomes due; undefined when none waits. Deliveries due already are not counted: after a drain
   * found none it could claim, those are being handled by another instance (whose loop then takes
   * their successors) or held back by a dead one (an operator's replay or discard NOTIFYs).
   */
  async nextRetryInMs(subscribers: readonly string[]): Promise<number | undefined> {
    const { rows } = await this.db.query<{ due_in_ms: number | null }>(
      `SELECT CAST(EXTRACT(EPOCH FROM min(next_attempt_at) - clock_timestamp()) * 1000 AS double precision) AS due_in_ms
       FROM platform.outbox_delivery
       WHERE state = 'pending' AND next_attempt_at > clock_timestamp()
         AND subscriber IN (SELECT jsonb_array_elements_text(CAST($1 AS jsonb)))`,
      [JSON.stringify(subscribers)],
    );
    const due = rows[0]?.due_in_ms;
    return due === null || due === undefined ? undefined : Math.max(0, Math.ceil(Number(due)));
  }
}
