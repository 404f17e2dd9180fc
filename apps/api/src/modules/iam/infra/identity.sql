/* @name selectPersonOfUser */
SELECT u.user_id AS "user_id!", u.person_id AS "person_id!", p.extl_id AS "person_extl_id!"
FROM iam.user_account u
JOIN iam.person p ON p.person_id = u.person_id
WHERE u.issuer = :issuer! AND u.subject = :subject!;

/* @name selectIdentitiesOfPerson */
SELECT u.issuer AS "issuer!", u.subject AS "subject!"
FROM iam.user_account u
WHERE u.person_id = :personId!
ORDER BY u.create_at, u.user_id;

/* @name insertLinkedUser */
INSERT INTO iam.user_account (extl_id, person_id, issuer, subject, email, name, given_name, family_name, create_app_id, create_user_id, update_app_id, update_user_id)
VALUES (:extlId!, :personId!, :issuer!, :subject!, :email, :name, :givenName, :familyName, NULL, CAST(:actorUserId AS bigint), NULL, CAST(:actorUserId AS bigint))
ON CONFLICT ON CONSTRAINT user_account_issuer_subject_uk DO NOTHING
RETURNING user_id;

/* @name lockPerson */
SELECT p.person_id AS "person_id!"
FROM iam.person p
WHERE p.person_id = :personId!
FOR UPDATE;
