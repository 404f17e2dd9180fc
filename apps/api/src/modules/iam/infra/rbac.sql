/* @name insertPermission */
INSERT INTO iam.permission (extl_id, resource, operation, description, active, create_app_id, create_user_id, update_app_id, update_user_id)
VALUES (:extlId!, :resource!, :operation!, :description!, :active!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
RETURNING permission_id;

/* @name selectPermissions */
SELECT t.permission_id AS "permission_id!", t.extl_id AS "extl_id!", t.resource AS "resource!", t.operation AS "operation!",
  t.description AS "description!", t.active AS "active!", ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
  ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!"
FROM iam.permission t
LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id
WHERE (CAST(:onlyPermissionId AS bigint) IS NULL OR t.permission_id = CAST(:onlyPermissionId AS bigint))
  AND (CAST(:onlyExtlId AS text) IS NULL OR t.extl_id = CAST(:onlyExtlId AS text))
ORDER BY t.resource, t.operation;

/* @name selectPermissionIdsByRoute */
SELECT permission_id, resource, operation
FROM iam.permission
WHERE operation || ' ' || resource IN (SELECT jsonb_array_elements_text(CAST(:routes! AS jsonb)));

/* @name deletePermission */
DELETE FROM iam.permission WHERE extl_id = :extlId! RETURNING extl_id;

/* @name insertRole */
INSERT INTO iam.role (extl_id, code, description, active, create_app_id, create_user_id, update_app_id, update_user_id)
VALUES (:extlId!, :code!, :description!, :active!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
RETURNING role_id;

/* @name selectRoles */
SELECT t.role_id AS "role_id!", t.extl_id AS "extl_id!", t.code AS "code!", t.description AS "description!", t.active AS "active!", t.version AS "version!",
  COALESCE((SELECT jsonb_agg(jsonb_build_object('resource', p.resource, 'operation', p.operation) ORDER BY p.resource, p.operation)
            FROM iam.role_permission rp JOIN iam.permission p ON p.permission_id = rp.permission_id
            WHERE rp.role_id = t.role_id), '[]'::jsonb) AS "permissions!",
  ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
  ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!"
FROM iam.role t
LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id
WHERE (CAST(:onlyCode AS text) IS NULL OR t.code = CAST(:onlyCode AS text))
ORDER BY t.code;

/* @name updateRole */
UPDATE iam.role
SET description = :description!, active = :active!, version = version + 1, update_app_id = CAST(:actorAppId AS bigint), update_user_id = CAST(:actorUserId AS bigint), update_at = clock_timestamp()
WHERE role_id = :roleId!
  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
RETURNING role_id;

/* @name deleteRole */
DELETE FROM iam.role
WHERE code = :code!
  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
RETURNING extl_id;

/* @name deleteRolePermissions */
DELETE FROM iam.role_permission WHERE role_id = :roleId!;

/* @name insertRolePermissions */
INSERT INTO iam.role_permission (role_id, permission_id, create_app_id, create_user_id, update_app_id, update_user_id)
SELECT :roleId!, CAST(p AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint)
FROM jsonb_array_elements_text(CAST(:permissionIds! AS jsonb)) AS p
ON CONFLICT ON CONSTRAINT role_permission_pk DO NOTHING;

/* @name selectRoleIdByCode */
SELECT role_id FROM iam.role WHERE code = :code!;

/* @name selectUserPermissions */
SELECT DISTINCT p.operation || ' ' || p.resource AS "route!"
FROM iam.user_role ur
JOIN iam.role r ON r.role_id = ur.role_id AND r.active
JOIN iam.role_permission rp ON rp.role_id = r.role_id
JOIN iam.permission p ON p.permission_id = rp.permission_id AND p.active
WHERE ur.user_id = :userId! AND ur.org_id = :orgId!;
