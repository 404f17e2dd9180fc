/* @name insertAuditEvent */
INSERT INTO iam.audit_event (event_id, event_name, aggregate_id, org_id, detail, occurred_at)
VALUES (CAST(:eventId! AS uuid), :eventName!, :aggregateId!, CAST(:orgId AS bigint), CAST(:detail! AS jsonb), CAST(:occurredAt! AS timestamptz))
ON CONFLICT ON CONSTRAINT audit_event_event_id_uk DO NOTHING;
