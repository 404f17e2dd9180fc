import type { Queryable } from '../../../platform/db/db.js';
import type { EventSubscription } from '../../../platform/events/event.js';
import type { AuditLog } from '../domain/audit.repo.js';
import { appDeleted, orgDeleted } from '../events.js';

/**
 * iam's own subscriber: writes an audit entry for every deleted app and org (who was deleted,
 * when, and under which org), in the delivery's transaction. The keys of a deleted app need no
 * reaction here: they were deleted and revoked on every instance in the deleting transaction.
 * `auditLogOn` binds the audit log to the delivery's transaction.
 */
export function auditSubscription(auditLogOn: (tx: Queryable) => AuditLog): EventSubscription {
  return {
    subscriber: 'iam.audit-log',
    events: [appDeleted.name, orgDeleted.name],
    async handle(event, tx) {
      await auditLogOn(tx).recordAuditEntry({
        eventId: event.id,
        eventName: event.name,
        aggregateId: event.aggregateId,
        orgId: event.orgId,
        detail: event.payload,
        occurredAt: event.occurredAt,
      });
    },
  };
}
