-- Shared rate-limit counters (RATE_LIMIT_STORE=postgres): one fixed-window counter per key
-- (`app:<id>`, `ip:<address>`, `auth:<address>`). UNLOGGED: counters are worth nothing after a
-- crash and must not cost WAL on every request.
CREATE UNLOGGED TABLE platform.rate_limit (
  key           text    NOT NULL CONSTRAINT rate_limit_pk PRIMARY KEY,
  window_start  bigint  NOT NULL,
  count         integer NOT NULL
);
CREATE INDEX rate_limit_window_start_ix ON platform.rate_limit (window_start);
