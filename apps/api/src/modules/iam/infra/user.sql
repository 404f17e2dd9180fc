/* @name insertPerson */
INSERT INTO iam.person (extl_id, create_app_id, create_user_id, update_app_id, update_user_id)
VALUES (:extlId!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
RETURNING person_id;

/* @name insertUser */
INSERT INTO iam.user_account (extl_id, person_id, issuer, subject, email, name, given_name, family_name, create_app_id, create_user_id, update_app_id, update_user_id)
VALUES (:extlId!, :personId!, :issuer!, :subject!, :email, :name, :givenName, :familyName, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
ON CONFLICT ON CONSTRAINT user_account_issuer_subject_uk DO NOTHING
RETURNING user_id;

/* @name selectUserByIssuerSubject */
SELECT t.user_id AS "user_id!", t.extl_id AS "extl_id!", t.issuer AS "issuer!", t.subject AS "subject!", t.email, t.name, t.given_name, t.family_name,
  t.create_at AS "create_at!", t.update_at AS "update_at!"
FROM iam.user_account t
WHERE t.issuer = :issuer! AND t.subject = :subject!;

/* @name selectUserByExtlId */
SELECT t.user_id AS "user_id!", t.extl_id AS "extl_id!", t.issuer AS "issuer!", t.subject AS "subject!", t.email, t.name, t.given_name, t.family_name,
  t.create_at AS "create_at!", t.update_at AS "update_at!"
FROM iam.user_account t
WHERE t.extl_id = :extlId!;

/* @name updateUserProfile */
UPDATE iam.user_account
SET email = :email, name = :name, given_name = :givenName, family_name = :familyName, update_app_id = CAST(:actorAppId AS bigint), update_user_id = CAST(:actorUserId AS bigint), update_at = clock_timestamp()
WHERE user_id = :userId!
  AND (email IS DISTINCT FROM :email OR name IS DISTINCT FROM :name
       OR given_name IS DISTINCT FROM :givenName OR family_name IS DISTINCT FROM :familyName);
