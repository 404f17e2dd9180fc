ALTER TABLE iam.user_account DROP CONSTRAINT IF EXISTS user_account_person_issuer_uk;
