import type { AuditEntry } from './audit.js';

/** iam's audit log (port); bound to the transaction the entry must commit with. */
export interface AuditLog {
  /** Appends `entry`; a second entry for the same event id is ignored. */
  recordAuditEntry(entry: AuditEntry): Promise<void>;
}
