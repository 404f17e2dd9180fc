/* @name notifyIamChange */
SELECT pg_notify('chompardo_iam', :payload!);

/* @name lockGenesis */
SELECT pg_try_advisory_xact_lock(4857254713946632805) AS "locked!";

/* @name insertGenesis */
INSERT INTO iam.genesis (principal_org_id, test_org_id, user_org_id, principal_app_id, test_app_id, user_app_id, create_app_id, create_user_id, update_app_id, update_user_id)
VALUES (:principalOrgId!, :testOrgId!, :userOrgId!, :principalAppId!, :testAppId!, :userAppId!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint));

/* @name selectGenesis */
SELECT principal_org_id, test_org_id, user_org_id, principal_app_id, test_app_id, user_app_id FROM iam.genesis;
