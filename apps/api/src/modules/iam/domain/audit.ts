/** Who performs a write, recorded in the audit columns (internal ids). */
export interface Actor {
  appId: string | null;
  userId: string | null;
}

/** Audit fields as shown to clients. */
export interface Audit {
  createAppExtlId: string | null;
  createUserFirstName: string | null;
  createUserLastName: string | null;
  createdAt: Date;
  updateAppExtlId: string | null;
  updateUserFirstName: string | null;
  updateUserLastName: string | null;
  updatedAt: Date;
}

/** Who wrote an audited row, as recorded: the app, and the user (an operator is a user of the operator issuer). */
export interface AuditParty {
  appExternalId: string | null;
  user: { issuer: string; subject: string; name: string | null } | null;
}

/** One entry of iam's audit log: an event iam reacted to, kept after what it describes is gone. */
export interface AuditEntry {
  /** The outbox event's id: an entry is written at most once per event. */
  eventId: string;
  eventName: string;
  aggregateId: string;
  /** The org's internal id, if the event concerns one. */
  orgId: string | null;
  /** The event's payload as recorded. */
  detail: unknown;
  occurredAt: Date;
}
