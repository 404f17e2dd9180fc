-- iam's audit log of events it reacts to (src/modules/iam/application/audit.handler.ts): one row
-- per handled event, written in the event's delivery transaction. `event_id` is the outbox event's
-- id, so a redelivered event can never be logged twice. `org_id` is the org's internal id as it was
-- (the org may be gone), deliberately without a foreign key: the log outlives what it describes.
CREATE TABLE iam.audit_event (
  audit_event_id  bigint      GENERATED ALWAYS AS IDENTITY CONSTRAINT audit_event_pk PRIMARY KEY,
  event_id        uuid        NOT NULL CONSTRAINT audit_event_event_id_uk UNIQUE,
  event_name      text        NOT NULL,
  aggregate_id    text        NOT NULL,
  org_id          bigint,
  detail          jsonb       NOT NULL,
  occurred_at     timestamptz NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX audit_event_org_ix ON iam.audit_event (org_id, occurred_at);
