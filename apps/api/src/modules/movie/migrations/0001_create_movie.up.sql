CREATE SCHEMA IF NOT EXISTS movie;

-- One row per movie of an org (the tenant). org_id is iam.org's internal id, deliberately without a
-- foreign key: iam is another module's schema (docs/database.md). Titles are not unique (as in diygoapi).
-- The audit columns copy the app's external id and the user's names at write time, so history
-- survives renamed or deleted apps and users.
CREATE TABLE movie.movie (
  movie_id               bigint      GENERATED ALWAYS AS IDENTITY CONSTRAINT movie_pk PRIMARY KEY,
  extl_id                text        NOT NULL CONSTRAINT movie_extl_id_uk UNIQUE,
  org_id                 bigint      NOT NULL,
  title                  text        NOT NULL CONSTRAINT movie_title_len_ck CHECK (char_length(title) BETWEEN 1 AND 1000),
  rated                  text        NOT NULL CONSTRAINT movie_rated_len_ck CHECK (char_length(rated) BETWEEN 1 AND 10),
  release_date           date        NOT NULL,
  run_time               integer     NOT NULL CONSTRAINT movie_run_time_ck CHECK (run_time BETWEEN 1 AND 10000),
  director               text        NOT NULL CONSTRAINT movie_director_len_ck CHECK (char_length(director) BETWEEN 1 AND 1000),
  writer                 text        NOT NULL CONSTRAINT movie_writer_len_ck CHECK (char_length(writer) BETWEEN 1 AND 1000),
  version                integer     NOT NULL DEFAULT 1,
  create_app_extl_id     text        NOT NULL,
  create_user_first_name text,
  create_user_last_name  text,
  create_at              timestamptz NOT NULL DEFAULT clock_timestamp(),
  update_app_extl_id     text        NOT NULL,
  update_user_first_name text,
  update_user_last_name  text,
  update_at              timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The org's list, newest first, keyset-paginated on (create_at, extl_id).
CREATE INDEX movie_org_create_ix ON movie.movie (org_id, create_at DESC, extl_id DESC);
