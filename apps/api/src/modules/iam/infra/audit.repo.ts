import type { Queryable } from '../../../platform/db/db.js';
import type { AuditLog } from '../domain/audit.repo.js';
import type { AuditEntry } from '../domain/audit.js';
import type { Json } from './audit.queries.js';
import { insertAuditEvent } from './audit.queries.js';

/** iam's audit log in `iam.audit_event`, on `db` (a delivery's transaction). */
export class PgAuditLog implements AuditLog {
  constructor(private readonly db: Queryable) {}

  async recordAuditEntry(entry: AuditEntry): Promise<void> {
    await insertAuditEvent.run(
      {
        eventId: entry.eventId,
        eventName: entry.eventName,
        aggregateId: entry.aggregateId,
        orgId: entry.orgId,
        detail: JSON.stringify(entry.detail) as Json,
        occurredAt: entry.occurredAt,
      },
      this.db,
    );
  }
}
