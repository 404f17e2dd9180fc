CREATE SCHEMA IF NOT EXISTS platform;

-- Responses of POSTs made with an Idempotency-Key, kept 24 h, written in the same transaction as
-- the request's own writes. `scope_hash` = SHA-256 of (app, user, route, key).
CREATE TABLE platform.idempotency_key (
  scope_hash     bytea       NOT NULL CONSTRAINT idempotency_key_pk PRIMARY KEY,
  request_hash   bytea       NOT NULL,
  status         integer     NOT NULL,
  headers        jsonb       NOT NULL,
  body           jsonb,
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX idempotency_key_created_ix ON platform.idempotency_key (created_at);
