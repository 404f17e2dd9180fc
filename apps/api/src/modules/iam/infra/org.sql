/* @name insertOrg */
WITH t AS (
  INSERT INTO iam.org (extl_id, name, description, kind, create_app_id, create_user_id, update_app_id, update_user_id)
  VALUES (:extlId!, :name!, :description!, :kind!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
  RETURNING *
)
SELECT t.org_id AS "org_id!", t.extl_id AS "extl_id!", t.name AS "name!", t.description AS "description!", t.kind AS "kind!", t.version AS "version!",
  ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
  ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
FROM t
LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id;

/* @name selectOrgByExtlId */
SELECT t.org_id AS "org_id!", t.extl_id AS "extl_id!", t.name AS "name!", t.description AS "description!", t.kind AS "kind!", t.version AS "version!",
  ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
  ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
FROM iam.org t
LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id
WHERE t.extl_id = :extlId!;

/* @name selectOrgById */
SELECT t.org_id AS "org_id!", t.extl_id AS "extl_id!", t.name AS "name!", t.description AS "description!", t.kind AS "kind!", t.version AS "version!",
  ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
  ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
FROM iam.org t
LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id
WHERE t.org_id = :orgId!;

/* @name selectOrgs */
SELECT t.org_id AS "org_id!", t.extl_id AS "extl_id!", t.name AS "name!", t.description AS "description!", t.kind AS "kind!", t.version AS "version!",
  ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
  ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
FROM iam.org t
LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id
WHERE (CAST(:onlyOrgId AS bigint) IS NULL OR t.org_id = CAST(:onlyOrgId AS bigint))
  AND (CAST(:afterCreateAt AS timestamptz) IS NULL
       OR (t.create_at, t.extl_id) < (CAST(:afterCreateAt AS timestamptz), CAST(:afterExtlId AS text)))
ORDER BY t.create_at DESC, t.extl_id DESC
LIMIT :limit!;

/* @name updateOrg */
UPDATE iam.org
SET name = :name!, description = :description!, version = version + 1, update_app_id = CAST(:actorAppId AS bigint), update_user_id = CAST(:actorUserId AS bigint), update_at = clock_timestamp()
WHERE org_id = :orgId!
  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
RETURNING org_id;

/* @name deleteOrg */
DELETE FROM iam.org
WHERE org_id = :orgId!
  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
RETURNING extl_id;

/* @name insertOrgUser */
INSERT INTO iam.org_user (org_id, user_id, create_app_id, create_user_id, update_app_id, update_user_id)
VALUES (:orgId!, :userId!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
ON CONFLICT ON CONSTRAINT org_user_pk DO NOTHING;

/* @name insertUserRole */
INSERT INTO iam.user_role (user_id, role_id, org_id, create_app_id, create_user_id, update_app_id, update_user_id)
VALUES (:userId!, :roleId!, :orgId!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
ON CONFLICT ON CONSTRAINT user_role_pk DO NOTHING;

/* @name deleteUserRole */
DELETE FROM iam.user_role WHERE user_id = :userId! AND role_id = :roleId! AND org_id = :orgId!
RETURNING user_id;

/* @name selectOrgMembers */
SELECT u.extl_id AS "user_extl_id!", u.email, u.name,
  to_char(ou.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!",
  COALESCE((SELECT jsonb_agg(r.code ORDER BY r.code) FROM iam.user_role ur JOIN iam.role r ON r.role_id = ur.role_id
            WHERE ur.user_id = u.user_id AND ur.org_id = ou.org_id), '[]'::jsonb) AS "role_codes!"
FROM iam.org_user ou
JOIN iam.user_account u ON u.user_id = ou.user_id
WHERE ou.org_id = :orgId!
  AND (CAST(:onlyUserId AS bigint) IS NULL OR ou.user_id = CAST(:onlyUserId AS bigint))
  AND (CAST(:afterCreateAt AS timestamptz) IS NULL
       OR (ou.create_at, u.extl_id) > (CAST(:afterCreateAt AS timestamptz), CAST(:afterExtlId AS text)))
ORDER BY ou.create_at, u.extl_id
LIMIT :limit!;
