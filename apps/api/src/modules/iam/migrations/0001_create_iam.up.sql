CREATE SCHEMA IF NOT EXISTS iam;

-- Audit columns on every table: the app and user that created / last changed the row, and when.
-- They name internal ids of iam.app / iam.user_account without foreign keys, so that deleting an
-- app or user never rewrites history.

CREATE TABLE iam.person (
  person_id      bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT person_pk PRIMARY KEY,
  extl_id        text        NOT NULL CONSTRAINT person_extl_id_uk UNIQUE,
  create_app_id  bigint,
  create_user_id bigint,
  create_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  update_app_id  bigint,
  update_user_id bigint,
  update_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE iam.user_account (
  user_id        bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT user_account_pk PRIMARY KEY,
  extl_id        text        NOT NULL CONSTRAINT user_account_extl_id_uk UNIQUE,
  person_id      bigint      NOT NULL CONSTRAINT user_account_person_fk REFERENCES iam.person (person_id) ON DELETE CASCADE,
  issuer         text        NOT NULL,
  subject        text        NOT NULL,
  email          text,
  name           text,
  given_name     text,
  family_name    text,
  create_app_id  bigint,
  create_user_id bigint,
  create_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  update_app_id  bigint,
  update_user_id bigint,
  update_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT user_account_issuer_subject_uk UNIQUE (issuer, subject)
);

CREATE TABLE iam.org (
  org_id         bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT org_pk PRIMARY KEY,
  extl_id        text        NOT NULL CONSTRAINT org_extl_id_uk UNIQUE,
  name           text        NOT NULL CONSTRAINT org_name_uk UNIQUE,
  description    text        NOT NULL DEFAULT '',
  kind           text        NOT NULL CONSTRAINT org_kind_ck CHECK (kind IN ('principal', 'test', 'standard')),
  version        integer     NOT NULL DEFAULT 1,
  create_app_id  bigint,
  create_user_id bigint,
  create_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  update_app_id  bigint,
  update_user_id bigint,
  update_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- One Principal org and one Test org at most.
CREATE UNIQUE INDEX org_single_kind_uk ON iam.org (kind) WHERE kind IN ('principal', 'test');

CREATE TABLE iam.app (
  app_id           bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT app_pk PRIMARY KEY,
  extl_id          text        NOT NULL CONSTRAINT app_extl_id_uk UNIQUE,
  org_id           bigint      NOT NULL CONSTRAINT app_org_fk REFERENCES iam.org (org_id) ON DELETE CASCADE,
  name             text        NOT NULL,
  description      text        NOT NULL DEFAULT '',
  oauth2_client_id text        CONSTRAINT app_oauth2_client_id_uk UNIQUE,
  version          integer     NOT NULL DEFAULT 1,
  create_app_id    bigint,
  create_user_id   bigint,
  create_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  update_app_id    bigint,
  update_user_id   bigint,
  update_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT app_org_name_uk UNIQUE (org_id, name)
);

CREATE TABLE iam.app_api_key (
  api_key_id        bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT app_api_key_pk PRIMARY KEY,
  app_id            bigint      NOT NULL CONSTRAINT app_api_key_app_fk REFERENCES iam.app (app_id) ON DELETE CASCADE,
  key_id            text        NOT NULL CONSTRAINT app_api_key_key_id_uk UNIQUE,
  prefix            text        NOT NULL,
  key_hash          bytea       NOT NULL,
  deactivation_date timestamptz NOT NULL,
  revoked_at        timestamptz,
  create_app_id     bigint,
  create_user_id    bigint,
  create_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  update_app_id     bigint,
  update_user_id    bigint,
  update_at         timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX app_api_key_app_ix ON iam.app_api_key (app_id);

CREATE TABLE iam.permission (
  permission_id  bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT permission_pk PRIMARY KEY,
  extl_id        text        NOT NULL CONSTRAINT permission_extl_id_uk UNIQUE,
  resource       text        NOT NULL,
  operation      text        NOT NULL,
  description    text        NOT NULL DEFAULT '',
  active         boolean     NOT NULL DEFAULT true,
  create_app_id  bigint,
  create_user_id bigint,
  create_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  update_app_id  bigint,
  update_user_id bigint,
  update_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT permission_resource_operation_uk UNIQUE (resource, operation)
);

CREATE TABLE iam.role (
  role_id        bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT role_pk PRIMARY KEY,
  extl_id        text        NOT NULL CONSTRAINT role_extl_id_uk UNIQUE,
  code           text        NOT NULL CONSTRAINT role_code_uk UNIQUE,
  description    text        NOT NULL DEFAULT '',
  active         boolean     NOT NULL DEFAULT true,
  version        integer     NOT NULL DEFAULT 1,
  create_app_id  bigint,
  create_user_id bigint,
  create_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  update_app_id  bigint,
  update_user_id bigint,
  update_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE iam.role_permission (
  role_id        bigint      NOT NULL CONSTRAINT role_permission_role_fk REFERENCES iam.role (role_id) ON DELETE CASCADE,
  permission_id  bigint      NOT NULL CONSTRAINT role_permission_permission_fk REFERENCES iam.permission (permission_id) ON DELETE CASCADE,
  create_app_id  bigint,
  create_user_id bigint,
  create_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  update_app_id  bigint,
  update_user_id bigint,
  update_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT role_permission_pk PRIMARY KEY (role_id, permission_id)
);
CREATE INDEX role_permission_permission_ix ON iam.role_permission (permission_id);

CREATE TABLE iam.org_user (
  org_id         bigint      NOT NULL CONSTRAINT org_user_org_fk REFERENCES iam.org (org_id) ON DELETE CASCADE,
  user_id        bigint      NOT NULL CONSTRAINT org_user_user_fk REFERENCES iam.user_account (user_id) ON DELETE CASCADE,
  create_app_id  bigint,
  create_user_id bigint,
  create_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  update_app_id  bigint,
  update_user_id bigint,
  update_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT org_user_pk PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_user_user_ix ON iam.org_user (user_id);

CREATE TABLE iam.user_role (
  user_id        bigint      NOT NULL CONSTRAINT user_role_user_fk REFERENCES iam.user_account (user_id) ON DELETE CASCADE,
  role_id        bigint      NOT NULL CONSTRAINT user_role_role_fk REFERENCES iam.role (role_id) ON DELETE CASCADE,
  org_id         bigint      NOT NULL CONSTRAINT user_role_org_fk REFERENCES iam.org (org_id) ON DELETE CASCADE,
  create_app_id  bigint,
  create_user_id bigint,
  create_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  update_app_id  bigint,
  update_user_id bigint,
  update_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT user_role_pk PRIMARY KEY (user_id, role_id, org_id)
);
CREATE INDEX user_role_org_ix ON iam.user_role (org_id, user_id);
CREATE INDEX user_role_role_ix ON iam.user_role (role_id);

-- Genesis happens once: a single row whose primary key can only be true.
CREATE TABLE iam.genesis (
  genesis_id          boolean     NOT NULL DEFAULT true CONSTRAINT genesis_pk PRIMARY KEY CONSTRAINT genesis_single_ck CHECK (genesis_id),
  principal_org_id    bigint      NOT NULL CONSTRAINT genesis_principal_org_fk REFERENCES iam.org (org_id),
  test_org_id         bigint      NOT NULL CONSTRAINT genesis_test_org_fk REFERENCES iam.org (org_id),
  user_org_id         bigint      NOT NULL CONSTRAINT genesis_user_org_fk REFERENCES iam.org (org_id),
  -- The apps genesis created (no foreign keys: an app may be deleted later; GET genesis then 404s).
  principal_app_id    bigint      NOT NULL,
  test_app_id         bigint      NOT NULL,
  user_app_id         bigint      NOT NULL,
  create_app_id       bigint,
  create_user_id      bigint,
  create_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
  update_app_id       bigint,
  update_user_id      bigint,
  update_at           timestamptz NOT NULL DEFAULT clock_timestamp()
);
