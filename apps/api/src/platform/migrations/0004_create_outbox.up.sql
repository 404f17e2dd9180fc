-- The transactional outbox (src/platform/events). A module records a domain event in the same
-- transaction as the change that caused it (one INSERT statement, which also fans the event out to
-- the subscribers registered for its name and NOTIFYs the dispatchers on commit); dispatchers
-- deliver each (event, subscriber) at least once, in order per aggregate, with retries, and move it
-- to `dead` after EVENT_MAX_ATTEMPTS failures.

-- Who wants which event: written by every API process at start from the modules' subscriptions,
-- read by the recording statement (so any process that records, a CLI included, fans out alike).
CREATE TABLE platform.event_subscription (
  event_name     text        NOT NULL,
  subscriber     text        NOT NULL,
  registered_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT event_subscription_pk PRIMARY KEY (event_name, subscriber)
);
CREATE INDEX event_subscription_subscriber_ix ON platform.event_subscription (subscriber);

-- One row per recorded event. `event_seq` orders the events of an aggregate (taken inside the
-- recording transaction, after the write that locked the aggregate); `event_id` is the identity a
-- subscriber sees. `org_id` is the tenant (the org's internal id), null for platform-wide events.
CREATE TABLE platform.outbox_event (
  event_seq      bigint      GENERATED ALWAYS AS IDENTITY CONSTRAINT outbox_event_pk PRIMARY KEY,
  event_id       uuid        NOT NULL CONSTRAINT outbox_event_event_id_uk UNIQUE,
  name           text        NOT NULL,
  version        integer     NOT NULL CONSTRAINT outbox_event_version_ck CHECK (version >= 1),
  aggregate_type text        NOT NULL,
  aggregate_id   text        NOT NULL,
  org_id         bigint,
  payload        jsonb       NOT NULL,
  occurred_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX outbox_event_occurred_ix ON platform.outbox_event (occurred_at);

-- One row per (event, subscriber). `pending` rows are claimed with FOR UPDATE SKIP LOCKED once
-- `next_attempt_at` has passed and no earlier event of the same aggregate is pending or dead for the
-- same subscriber; the handler's writes, its receipt and the row's new state commit together.
-- `dead`: failed EVENT_MAX_ATTEMPTS times (or unprocessable); it holds back the later events of its
-- aggregate for that subscriber until an operator replays or discards it.
CREATE TABLE platform.outbox_delivery (
  delivery_id     bigint      GENERATED ALWAYS AS IDENTITY CONSTRAINT outbox_delivery_pk PRIMARY KEY,
  event_seq       bigint      NOT NULL CONSTRAINT outbox_delivery_event_fk REFERENCES platform.outbox_event (event_seq) ON DELETE CASCADE,
  subscriber      text        NOT NULL,
  aggregate_key   text        NOT NULL,
  state           text        NOT NULL DEFAULT 'pending'
                  CONSTRAINT outbox_delivery_state_ck CHECK (state IN ('pending', 'delivered', 'dead', 'discarded')),
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  last_error      text,
  updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT outbox_delivery_event_subscriber_uk UNIQUE (event_seq, subscriber)
);
CREATE INDEX outbox_delivery_pending_ix ON platform.outbox_delivery (event_seq) WHERE state = 'pending';
CREATE INDEX outbox_delivery_due_ix ON platform.outbox_delivery (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_delivery_order_ix ON platform.outbox_delivery (subscriber, aggregate_key, event_seq) WHERE state IN ('pending', 'dead');
CREATE INDEX outbox_delivery_dead_ix ON platform.outbox_delivery (subscriber, delivery_id) WHERE state = 'dead';

-- The events each subscriber has handled, written in the handler's transaction: an event id seen
-- before is skipped (a delivery that was reset, replayed or duplicated never runs the handler twice).
CREATE TABLE platform.event_receipt (
  subscriber   text        NOT NULL,
  event_id     uuid        NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT event_receipt_pk PRIMARY KEY (subscriber, event_id)
);
CREATE INDEX event_receipt_received_ix ON platform.event_receipt (received_at);
