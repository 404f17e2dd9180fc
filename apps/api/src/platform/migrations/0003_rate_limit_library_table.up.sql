-- Rate-limit counters of rate-limiter-flexible's PostgreSQL store (RATE_LIMIT_STORE=postgres),
-- replacing the fixed-window table of 0002. The library is told the table exists (it never
-- creates tables at runtime) and writes it with one upsert per hit:
--   INSERT INTO "platform"."rate_limit" VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE …
-- so the columns must stay in this order. `key` is `<budget>:<subject>` (`request:app:<id>`,
-- `request:ip:<address>`, `credential:<sha-256>`, `address:<address>`): never a raw credential.
-- `expire` is the end of the key's window in ms since the epoch. UNLOGGED: counters are worth
-- nothing after a crash and must not cost WAL on every request.
DROP TABLE platform.rate_limit;
CREATE UNLOGGED TABLE platform.rate_limit (
  key     varchar(255) NOT NULL CONSTRAINT rate_limit_pk PRIMARY KEY,
  points  integer      NOT NULL DEFAULT 0,
  expire  bigint
);
CREATE INDEX rate_limit_expire_ix ON platform.rate_limit (expire);
