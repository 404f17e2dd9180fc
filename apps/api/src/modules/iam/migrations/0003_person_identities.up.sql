-- A person holds several users, one per identity provider (docs/auth.md, "Several identity
-- providers"). The constraint keeps it to one user per (person, issuer), and it is also the index
-- the identities of a person are listed through (GET /api/v1/users/me).
ALTER TABLE iam.user_account
  ADD CONSTRAINT user_account_person_issuer_uk UNIQUE (person_id, issuer);
