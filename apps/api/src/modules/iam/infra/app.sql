/* @name insertApp */
INSERT INTO iam.app (extl_id, org_id, name, description, oauth2_client_id, create_app_id, create_user_id, update_app_id, update_user_id)
VALUES (:extlId!, :orgId!, :name!, :description!, :oauth2ClientId, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
RETURNING app_id;

/* @name selectAppByExtlId */
SELECT t.app_id AS "app_id!", t.extl_id AS "extl_id!", t.org_id AS "org_id!", o.extl_id AS "org_extl_id!", o.kind AS "org_kind!", t.name AS "name!",
  t.description AS "description!", t.oauth2_client_id, t.version AS "version!", ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
  ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
FROM iam.app t
JOIN iam.org o ON o.org_id = t.org_id
LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id
WHERE t.extl_id = :extlId!;

/* @name selectAppById */
SELECT t.app_id AS "app_id!", t.extl_id AS "extl_id!", t.org_id AS "org_id!", o.extl_id AS "org_extl_id!", o.kind AS "org_kind!", t.name AS "name!",
  t.description AS "description!", t.oauth2_client_id, t.version AS "version!", ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
  ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
FROM iam.app t
JOIN iam.org o ON o.org_id = t.org_id
LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id
WHERE t.app_id = :appId!;

/* @name selectAppsByOrg */
SELECT t.app_id AS "app_id!", t.extl_id AS "extl_id!", t.org_id AS "org_id!", o.extl_id AS "org_extl_id!", o.kind AS "org_kind!", t.name AS "name!",
  t.description AS "description!", t.oauth2_client_id, t.version AS "version!", ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
  ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
FROM iam.app t
JOIN iam.org o ON o.org_id = t.org_id
LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id
WHERE t.org_id = :orgId!
  AND (CAST(:afterCreateAt AS timestamptz) IS NULL
       OR (t.create_at, t.extl_id) < (CAST(:afterCreateAt AS timestamptz), CAST(:afterExtlId AS text)))
ORDER BY t.create_at DESC, t.extl_id DESC
LIMIT :limit!;

/* @name updateApp */
UPDATE iam.app
SET name = :name!, description = :description!, oauth2_client_id = :oauth2ClientId, version = version + 1, update_app_id = CAST(:actorAppId AS bigint), update_user_id = CAST(:actorUserId AS bigint), update_at = clock_timestamp()
WHERE app_id = :appId!
  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
RETURNING app_id;

/* @name deleteApp */
DELETE FROM iam.app
WHERE app_id = :appId!
  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
RETURNING extl_id;

/* @name insertApiKey */
INSERT INTO iam.app_api_key (app_id, key_id, prefix, key_hash, deactivation_date, create_app_id, create_user_id, update_app_id, update_user_id)
VALUES (:appId!, :keyId!, :prefix!, :keyHash!, :deactivationDate!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
RETURNING key_id, prefix, deactivation_date, create_at;

/* @name selectApiKeysOfApps */
SELECT app_id, key_id, prefix, deactivation_date, create_at
FROM iam.app_api_key
WHERE app_id IN (SELECT CAST(jsonb_array_elements_text(CAST(:appIds! AS jsonb)) AS bigint)) AND revoked_at IS NULL
ORDER BY create_at, key_id;

/* @name revokeApiKey */
UPDATE iam.app_api_key
SET revoked_at = clock_timestamp(), update_app_id = CAST(:actorAppId AS bigint), update_user_id = CAST(:actorUserId AS bigint), update_at = clock_timestamp()
WHERE app_id = :appId! AND key_id = :keyId! AND revoked_at IS NULL
RETURNING key_id;

/* @name selectAppCredentials */
SELECT a.app_id AS "app_id!", a.extl_id AS "extl_id!", a.org_id AS "org_id!", o.extl_id AS "org_extl_id!", o.kind AS "org_kind!",
  k.key_id AS "key_id?", k.key_hash AS "key_hash?", k.deactivation_date AS "deactivation_date?"
FROM iam.app a
JOIN iam.org o ON o.org_id = a.org_id
LEFT JOIN iam.app_api_key k ON k.app_id = a.app_id AND k.revoked_at IS NULL
WHERE a.extl_id = :extlId!;

/* @name selectAppByClientId */
SELECT a.app_id AS "app_id!", a.extl_id AS "extl_id!", a.org_id AS "org_id!", o.extl_id AS "org_extl_id!", o.kind AS "org_kind!"
FROM iam.app a
JOIN iam.org o ON o.org_id = a.org_id
WHERE a.oauth2_client_id = :clientId!;

/* @name selectAppKeys */
SELECT a.app_id AS "app_id!", a.extl_id AS "app_extl_id!", a.name AS "app_name!", o.extl_id AS "org_extl_id!", o.name AS "org_name!", o.kind AS "org_kind!",
  k.key_id AS "key_id?", k.prefix AS "prefix?", k.deactivation_date AS "deactivation_date?", k.revoked_at AS "revoked_at?", k.create_at AS "create_at?", k.update_at AS "update_at?",
  ca.extl_id AS "create_app_extl_id?", cu.issuer AS "create_user_issuer?", cu.subject AS "create_user_subject?", cu.name AS "create_user_name?",
  ua.extl_id AS "update_app_extl_id?", uu.issuer AS "update_user_issuer?", uu.subject AS "update_user_subject?", uu.name AS "update_user_name?"
FROM iam.app a
JOIN iam.org o ON o.org_id = a.org_id
LEFT JOIN iam.app_api_key k ON k.app_id = a.app_id AND (CAST(:includeRevoked! AS boolean) OR k.revoked_at IS NULL)
LEFT JOIN iam.app ca ON ca.app_id = k.create_app_id
LEFT JOIN iam.user_account cu ON cu.user_id = k.create_user_id
LEFT JOIN iam.app ua ON ua.app_id = k.update_app_id
LEFT JOIN iam.user_account uu ON uu.user_id = k.update_user_id
WHERE CAST(:appId AS bigint) IS NULL OR a.app_id = CAST(:appId AS bigint)
ORDER BY o.kind, o.name, a.name, a.app_id, k.create_at, k.key_id;
