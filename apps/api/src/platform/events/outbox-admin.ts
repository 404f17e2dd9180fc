import type { Queryable } from '../db/db.js';
import { outboxChannel } from './outbox.js';

/** A dead-lettered delivery as the operator sees it. */
export interface DeadDelivery {
  deliveryId: string;
  subscriber: string;
  eventId: string;
  eventName: string;
  eventVersion: number;
  aggregate: string;
  orgId: string | null;
  attempts: number;
  lastError: string | null;
  occurredAt: Date;
  /** When it was dead-lettered. */
  deadSince: Date;
}

interface DeadRow {
  delivery_id: string;
  subscriber: string;
  event_id: string;
  name: string;
  version: number;
  aggregate_key: string;
  org_id: string | null;
  attempts: number;
  last_error: string | null;
  occurred_at: Date;
  updated_at: Date;
}

/** What {@link replayDelivery} and {@link discardDelivery} found. */
export type AdminOutcome = 'done' | 'not_found' | 'not_dead';

/**
 * The dead-letter queue of the outbox for an operator (the `events` CLI): list it, replay a
 * delivery (pending again from attempt 1, dispatchers woken) or discard it (given up; the later
 * events of its aggregate proceed). A replayed event whose handler had in fact completed is
 * skipped by its receipt, so replaying is always safe.
 */
export class OutboxAdmin {
  constructor(private readonly db: Queryable) {}

  /** Every dead delivery (optionally of one subscriber), oldest first. */
  async findDeadDeliveries(filter: { subscriber?: string; limit?: number } = {}): Promise<DeadDelivery[]> {
    const { rows } = await this.db.query<DeadRow>(
      `SELECT d.delivery_id, d.subscriber, e.event_id, e.name, e.version, d.aggregate_key, e.org_id, d.attempts, d.last_error,
              e.occurred_at, d.updated_at
       FROM platform.outbox_delivery d JOIN platform.outbox_event e ON e.event_seq = d.event_seq
       WHERE d.state = 'dead' AND ($1::text IS NULL OR d.subscriber = $1)
       ORDER BY d.delivery_id
       LIMIT $2`,
      [filter.subscriber ?? null, filter.limit ?? 1000],
    );
    return rows.map((row) => ({
      deliveryId: String(row.delivery_id),
      subscriber: row.subscriber,
      eventId: row.event_id,
      eventName: row.name,
      eventVersion: row.version,
      aggregate: row.aggregate_key,
      orgId: row.org_id === null ? null : String(row.org_id),
      attempts: row.attempts,
      lastError: row.last_error,
      occurredAt: row.occurred_at,
      deadSince: row.updated_at,
    }));
  }

  /** Makes dead delivery `deliveryId` pending again (attempts from zero) and wakes the dispatchers. */
  replayDelivery(deliveryId: string): Promise<AdminOutcome> {
    return this.change(deliveryId, `state = 'pending', attempts = 0, next_attempt_at = clock_timestamp()`);
  }

  /** Gives up dead delivery `deliveryId`: never retried, no longer holding back its aggregate. */
  discardDelivery(deliveryId: string): Promise<AdminOutcome> {
    return this.change(deliveryId, `state = 'discarded'`);
  }

  private async change(deliveryId: string, assignments: string): Promise<AdminOutcome> {
    if (!/^[1-9][0-9]{0,18}$/.test(deliveryId)) return 'not_found';
    const { rows } = await this.db.query<{ state: string; changed: boolean }>(
      `WITH target AS (SELECT delivery_id, state FROM platform.outbox_delivery WHERE delivery_id = CAST($1 AS bigint)),
       changed AS (
         UPDATE platform.outbox_delivery d SET ${assignments}, updated_at = clock_timestamp()
         FROM target WHERE d.delivery_id = target.delivery_id AND target.state = 'dead'
         RETURNING d.delivery_id)
       SELECT target.state, EXISTS (SELECT 1 FROM changed) AS changed,
              CASE WHEN EXISTS (SELECT 1 FROM changed) THEN pg_notify('${outboxChannel}', '') END AS notified
       FROM target`,
      [deliveryId],
    );
    const row = rows[0];
    if (!row) return 'not_found';
    return row.changed ? 'done' : 'not_dead';
  }
}
