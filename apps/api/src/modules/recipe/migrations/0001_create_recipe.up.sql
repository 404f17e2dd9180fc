CREATE SCHEMA IF NOT EXISTS recipe;

CREATE TABLE recipe.recipe (
  recipe_id     bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT recipe_pk PRIMARY KEY,
  extl_id       text        NOT NULL CONSTRAINT recipe_extl_id_uk UNIQUE,
  owner_issuer  text        NOT NULL,
  owner_subject text        NOT NULL,
  title         text        NOT NULL CONSTRAINT recipe_title_len_ck CHECK (char_length(title) BETWEEN 1 AND 200),
  description   text        NOT NULL DEFAULT '' CONSTRAINT recipe_description_len_ck CHECK (char_length(description) <= 5000),
  servings      integer     NOT NULL CONSTRAINT recipe_servings_ck CHECK (servings BETWEEN 1 AND 100),
  prep_minutes  integer     NOT NULL DEFAULT 0 CONSTRAINT recipe_prep_minutes_ck CHECK (prep_minutes BETWEEN 0 AND 10000),
  cook_minutes  integer     NOT NULL DEFAULT 0 CONSTRAINT recipe_cook_minutes_ck CHECK (cook_minutes BETWEEN 0 AND 10000),
  ingredients   jsonb       NOT NULL,
  steps         jsonb       NOT NULL,
  tags          jsonb       NOT NULL DEFAULT '[]'::jsonb,
  visibility    text        NOT NULL DEFAULT 'private' CONSTRAINT recipe_visibility_ck CHECK (visibility IN ('private', 'public')),
  version       integer     NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The owner's list, newest first, keyset-paginated on (created_at, extl_id).
CREATE INDEX recipe_owner_created_ix ON recipe.recipe (owner_issuer, owner_subject, created_at DESC, extl_id DESC);
