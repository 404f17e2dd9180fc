/** Types generated for queries found in "src/modules/iam/infra/rbac.sql" */
import { PreparedQuery } from '../../../platform/db/typed-query.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type NumberOrString = number | string;

/** 'InsertPermission' parameters type */
export interface IInsertPermissionParams {
  active: boolean;
  actorAppId?: NumberOrString | null | void;
  actorUserId?: NumberOrString | null | void;
  description: string;
  extlId: string;
  operation: string;
  resource: string;
}

/** 'InsertPermission' return type */
export interface IInsertPermissionResult {
  permission_id: string;
}

/** 'InsertPermission' query type */
export interface IInsertPermissionQuery {
  params: IInsertPermissionParams;
  result: IInsertPermissionResult;
}

const insertPermissionIR: any = {"usedParamSet":{"extlId":true,"resource":true,"operation":true,"description":true,"active":true,"actorAppId":true,"actorUserId":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":149,"b":156}]},{"name":"resource","required":true,"transform":{"type":"scalar"},"locs":[{"a":159,"b":168}]},{"name":"operation","required":true,"transform":{"type":"scalar"},"locs":[{"a":171,"b":181}]},{"name":"description","required":true,"transform":{"type":"scalar"},"locs":[{"a":184,"b":196}]},{"name":"active","required":true,"transform":{"type":"scalar"},"locs":[{"a":199,"b":206}]},{"name":"actorAppId","required":false,"transform":{"type":"scalar"},"locs":[{"a":214,"b":224},{"a":273,"b":283}]},{"name":"actorUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":243,"b":254},{"a":302,"b":313}]}],"statement":"INSERT INTO iam.permission (extl_id, resource, operation, description, active, create_app_id, create_user_id, update_app_id, update_user_id)\nVALUES (:extlId!, :resource!, :operation!, :description!, :active!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))\nRETURNING permission_id"};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO iam.permission (extl_id, resource, operation, description, active, create_app_id, create_user_id, update_app_id, update_user_id)
 * VALUES (:extlId!, :resource!, :operation!, :description!, :active!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
 * RETURNING permission_id
 * ```
 */
export const insertPermission = new PreparedQuery<IInsertPermissionParams,IInsertPermissionResult>(insertPermissionIR, 'insertPermission');


/** 'SelectPermissions' parameters type */
export interface ISelectPermissionsParams {
  onlyExtlId?: string | null | void;
  onlyPermissionId?: NumberOrString | null | void;
}

/** 'SelectPermissions' return type */
export interface ISelectPermissionsResult {
  active: boolean;
  create_app_extl_id: string | null;
  create_at: Date;
  create_user_first_name: string | null;
  create_user_last_name: string | null;
  description: string;
  extl_id: string;
  operation: string;
  permission_id: string;
  resource: string;
  update_app_extl_id: string | null;
  update_at: Date;
  update_user_first_name: string | null;
  update_user_last_name: string | null;
}

/** 'SelectPermissions' query type */
export interface ISelectPermissionsQuery {
  params: ISelectPermissionsParams;
  result: ISelectPermissionsResult;
}

const selectPermissionsIR: any = {"usedParamSet":{"onlyPermissionId":true,"onlyExtlId":true},"params":[{"name":"onlyPermissionId","required":false,"transform":{"type":"scalar"},"locs":[{"a":756,"b":772},{"a":819,"b":835}]},{"name":"onlyExtlId","required":false,"transform":{"type":"scalar"},"locs":[{"a":861,"b":871},{"a":910,"b":920}]}],"statement":"SELECT t.permission_id AS \"permission_id!\", t.extl_id AS \"extl_id!\", t.resource AS \"resource!\", t.operation AS \"operation!\",\n  t.description AS \"description!\", t.active AS \"active!\", ca.extl_id AS \"create_app_extl_id?\", cu.given_name AS \"create_user_first_name?\", cu.family_name AS \"create_user_last_name?\", t.create_at AS \"create_at!\",\n  ua.extl_id AS \"update_app_extl_id?\", uu.given_name AS \"update_user_first_name?\", uu.family_name AS \"update_user_last_name?\", t.update_at AS \"update_at!\"\nFROM iam.permission t\nLEFT JOIN iam.app ca ON ca.app_id = t.create_app_id\nLEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id\nLEFT JOIN iam.app ua ON ua.app_id = t.update_app_id\nLEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id\nWHERE (CAST(:onlyPermissionId AS bigint) IS NULL OR t.permission_id = CAST(:onlyPermissionId AS bigint))\n  AND (CAST(:onlyExtlId AS text) IS NULL OR t.extl_id = CAST(:onlyExtlId AS text))\nORDER BY t.resource, t.operation"};

/**
 * Query generated from SQL:
 * ```
 * SELECT t.permission_id AS "permission_id!", t.extl_id AS "extl_id!", t.resource AS "resource!", t.operation AS "operation!",
 *   t.description AS "description!", t.active AS "active!", ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
 *   ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!"
 * FROM iam.permission t
 * LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
 * LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
 * LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
 * LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id
 * WHERE (CAST(:onlyPermissionId AS bigint) IS NULL OR t.permission_id = CAST(:onlyPermissionId AS bigint))
 *   AND (CAST(:onlyExtlId AS text) IS NULL OR t.extl_id = CAST(:onlyExtlId AS text))
 * ORDER BY t.resource, t.operation
 * ```
 */
export const selectPermissions = new PreparedQuery<ISelectPermissionsParams,ISelectPermissionsResult>(selectPermissionsIR, 'selectPermissions');


/** 'SelectPermissionIdsByRoute' parameters type */
export interface ISelectPermissionIdsByRouteParams {
  routes: Json;
}

/** 'SelectPermissionIdsByRoute' return type */
export interface ISelectPermissionIdsByRouteResult {
  operation: string;
  permission_id: string;
  resource: string;
}

/** 'SelectPermissionIdsByRoute' query type */
export interface ISelectPermissionIdsByRouteQuery {
  params: ISelectPermissionIdsByRouteParams;
  result: ISelectPermissionIdsByRouteResult;
}

const selectPermissionIdsByRouteIR: any = {"usedParamSet":{"routes":true},"params":[{"name":"routes","required":true,"transform":{"type":"scalar"},"locs":[{"a":139,"b":146}]}],"statement":"SELECT permission_id, resource, operation\nFROM iam.permission\nWHERE operation || ' ' || resource IN (SELECT jsonb_array_elements_text(CAST(:routes! AS jsonb)))"};

/**
 * Query generated from SQL:
 * ```
 * SELECT permission_id, resource, operation
 * FROM iam.permission
 * WHERE operation || ' ' || resource IN (SELECT jsonb_array_elements_text(CAST(:routes! AS jsonb)))
 * ```
 */
export const selectPermissionIdsByRoute = new PreparedQuery<ISelectPermissionIdsByRouteParams,ISelectPermissionIdsByRouteResult>(selectPermissionIdsByRouteIR, 'selectPermissionIdsByRoute');


/** 'DeletePermission' parameters type */
export interface IDeletePermissionParams {
  extlId: string;
}

/** 'DeletePermission' return type */
export interface IDeletePermissionResult {
  extl_id: string;
}

/** 'DeletePermission' query type */
export interface IDeletePermissionQuery {
  params: IDeletePermissionParams;
  result: IDeletePermissionResult;
}

const deletePermissionIR: any = {"usedParamSet":{"extlId":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":43,"b":50}]}],"statement":"DELETE FROM iam.permission WHERE extl_id = :extlId! RETURNING extl_id"};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM iam.permission WHERE extl_id = :extlId! RETURNING extl_id
 * ```
 */
export const deletePermission = new PreparedQuery<IDeletePermissionParams,IDeletePermissionResult>(deletePermissionIR, 'deletePermission');


/** 'InsertRole' parameters type */
export interface IInsertRoleParams {
  active: boolean;
  actorAppId?: NumberOrString | null | void;
  actorUserId?: NumberOrString | null | void;
  code: string;
  description: string;
  extlId: string;
}

/** 'InsertRole' return type */
export interface IInsertRoleResult {
  role_id: string;
}

/** 'InsertRole' query type */
export interface IInsertRoleQuery {
  params: IInsertRoleParams;
  result: IInsertRoleResult;
}

const insertRoleIR: any = {"usedParamSet":{"extlId":true,"code":true,"description":true,"active":true,"actorAppId":true,"actorUserId":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":128,"b":135}]},{"name":"code","required":true,"transform":{"type":"scalar"},"locs":[{"a":138,"b":143}]},{"name":"description","required":true,"transform":{"type":"scalar"},"locs":[{"a":146,"b":158}]},{"name":"active","required":true,"transform":{"type":"scalar"},"locs":[{"a":161,"b":168}]},{"name":"actorAppId","required":false,"transform":{"type":"scalar"},"locs":[{"a":176,"b":186},{"a":235,"b":245}]},{"name":"actorUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":205,"b":216},{"a":264,"b":275}]}],"statement":"INSERT INTO iam.role (extl_id, code, description, active, create_app_id, create_user_id, update_app_id, update_user_id)\nVALUES (:extlId!, :code!, :description!, :active!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))\nRETURNING role_id"};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO iam.role (extl_id, code, description, active, create_app_id, create_user_id, update_app_id, update_user_id)
 * VALUES (:extlId!, :code!, :description!, :active!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
 * RETURNING role_id
 * ```
 */
export const insertRole = new PreparedQuery<IInsertRoleParams,IInsertRoleResult>(insertRoleIR, 'insertRole');


/** 'SelectRoles' parameters type */
export interface ISelectRolesParams {
  onlyCode?: string | null | void;
}

/** 'SelectRoles' return type */
export interface ISelectRolesResult {
  active: boolean;
  code: string;
  create_app_extl_id: string | null;
  create_at: Date;
  create_user_first_name: string | null;
  create_user_last_name: string | null;
  description: string;
  extl_id: string;
  permissions: Json;
  role_id: string;
  update_app_extl_id: string | null;
  update_at: Date;
  update_user_first_name: string | null;
  update_user_last_name: string | null;
  version: number;
}

/** 'SelectRoles' query type */
export interface ISelectRolesQuery {
  params: ISelectRolesParams;
  result: ISelectRolesResult;
}

const selectRolesIR: any = {"usedParamSet":{"onlyCode":true},"params":[{"name":"onlyCode","required":false,"transform":{"type":"scalar"},"locs":[{"a":1033,"b":1041},{"a":1077,"b":1085}]}],"statement":"SELECT t.role_id AS \"role_id!\", t.extl_id AS \"extl_id!\", t.code AS \"code!\", t.description AS \"description!\", t.active AS \"active!\", t.version AS \"version!\",\n  COALESCE((SELECT jsonb_agg(jsonb_build_object('resource', p.resource, 'operation', p.operation) ORDER BY p.resource, p.operation)\n            FROM iam.role_permission rp JOIN iam.permission p ON p.permission_id = rp.permission_id\n            WHERE rp.role_id = t.role_id), '[]'::jsonb) AS \"permissions!\",\n  ca.extl_id AS \"create_app_extl_id?\", cu.given_name AS \"create_user_first_name?\", cu.family_name AS \"create_user_last_name?\", t.create_at AS \"create_at!\",\n  ua.extl_id AS \"update_app_extl_id?\", uu.given_name AS \"update_user_first_name?\", uu.family_name AS \"update_user_last_name?\", t.update_at AS \"update_at!\"\nFROM iam.role t\nLEFT JOIN iam.app ca ON ca.app_id = t.create_app_id\nLEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id\nLEFT JOIN iam.app ua ON ua.app_id = t.update_app_id\nLEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id\nWHERE (CAST(:onlyCode AS text) IS NULL OR t.code = CAST(:onlyCode AS text))\nORDER BY t.code"};

/**
 * Query generated from SQL:
 * ```
 * SELECT t.role_id AS "role_id!", t.extl_id AS "extl_id!", t.code AS "code!", t.description AS "description!", t.active AS "active!", t.version AS "version!",
 *   COALESCE((SELECT jsonb_agg(jsonb_build_object('resource', p.resource, 'operation', p.operation) ORDER BY p.resource, p.operation)
 *             FROM iam.role_permission rp JOIN iam.permission p ON p.permission_id = rp.permission_id
 *             WHERE rp.role_id = t.role_id), '[]'::jsonb) AS "permissions!",
 *   ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
 *   ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!"
 * FROM iam.role t
 * LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
 * LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
 * LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
 * LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id
 * WHERE (CAST(:onlyCode AS text) IS NULL OR t.code = CAST(:onlyCode AS text))
 * ORDER BY t.code
 * ```
 */
export const selectRoles = new PreparedQuery<ISelectRolesParams,ISelectRolesResult>(selectRolesIR, 'selectRoles');


/** 'UpdateRole' parameters type */
export interface IUpdateRoleParams {
  active: boolean;
  actorAppId?: NumberOrString | null | void;
  actorUserId?: NumberOrString | null | void;
  description: string;
  expectedVersions?: Json | null | void;
  roleId: NumberOrString;
}

/** 'UpdateRole' return type */
export interface IUpdateRoleResult {
  role_id: string;
}

/** 'UpdateRole' query type */
export interface IUpdateRoleQuery {
  params: IUpdateRoleParams;
  result: IUpdateRoleResult;
}

const updateRoleIR: any = {"usedParamSet":{"description":true,"active":true,"actorAppId":true,"actorUserId":true,"roleId":true,"expectedVersions":true},"params":[{"name":"description","required":true,"transform":{"type":"scalar"},"locs":[{"a":34,"b":46}]},{"name":"active","required":true,"transform":{"type":"scalar"},"locs":[{"a":58,"b":65}]},{"name":"actorAppId","required":false,"transform":{"type":"scalar"},"locs":[{"a":112,"b":122}]},{"name":"actorUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":158,"b":169}]},{"name":"roleId","required":true,"transform":{"type":"scalar"},"locs":[{"a":229,"b":236}]},{"name":"expectedVersions","required":false,"transform":{"type":"scalar"},"locs":[{"a":250,"b":266},{"a":294,"b":310}]}],"statement":"UPDATE iam.role\nSET description = :description!, active = :active!, version = version + 1, update_app_id = CAST(:actorAppId AS bigint), update_user_id = CAST(:actorUserId AS bigint), update_at = clock_timestamp()\nWHERE role_id = :roleId!\n  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))\nRETURNING role_id"};

/**
 * Query generated from SQL:
 * ```
 * UPDATE iam.role
 * SET description = :description!, active = :active!, version = version + 1, update_app_id = CAST(:actorAppId AS bigint), update_user_id = CAST(:actorUserId AS bigint), update_at = clock_timestamp()
 * WHERE role_id = :roleId!
 *   AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
 * RETURNING role_id
 * ```
 */
export const updateRole = new PreparedQuery<IUpdateRoleParams,IUpdateRoleResult>(updateRoleIR, 'updateRole');


/** 'DeleteRole' parameters type */
export interface IDeleteRoleParams {
  code: string;
  expectedVersions?: Json | null | void;
}

/** 'DeleteRole' return type */
export interface IDeleteRoleResult {
  extl_id: string;
}

/** 'DeleteRole' query type */
export interface IDeleteRoleQuery {
  params: IDeleteRoleParams;
  result: IDeleteRoleResult;
}

const deleteRoleIR: any = {"usedParamSet":{"code":true,"expectedVersions":true},"params":[{"name":"code","required":true,"transform":{"type":"scalar"},"locs":[{"a":34,"b":39}]},{"name":"expectedVersions","required":false,"transform":{"type":"scalar"},"locs":[{"a":53,"b":69},{"a":97,"b":113}]}],"statement":"DELETE FROM iam.role\nWHERE code = :code!\n  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))\nRETURNING extl_id"};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM iam.role
 * WHERE code = :code!
 *   AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
 * RETURNING extl_id
 * ```
 */
export const deleteRole = new PreparedQuery<IDeleteRoleParams,IDeleteRoleResult>(deleteRoleIR, 'deleteRole');


/** 'DeleteRolePermissions' parameters type */
export interface IDeleteRolePermissionsParams {
  roleId: NumberOrString;
}

/** 'DeleteRolePermissions' return type */
export type IDeleteRolePermissionsResult = void;

/** 'DeleteRolePermissions' query type */
export interface IDeleteRolePermissionsQuery {
  params: IDeleteRolePermissionsParams;
  result: IDeleteRolePermissionsResult;
}

const deleteRolePermissionsIR: any = {"usedParamSet":{"roleId":true},"params":[{"name":"roleId","required":true,"transform":{"type":"scalar"},"locs":[{"a":48,"b":55}]}],"statement":"DELETE FROM iam.role_permission WHERE role_id = :roleId!"};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM iam.role_permission WHERE role_id = :roleId!
 * ```
 */
export const deleteRolePermissions = new PreparedQuery<IDeleteRolePermissionsParams,IDeleteRolePermissionsResult>(deleteRolePermissionsIR, 'deleteRolePermissions');


/** 'InsertRolePermissions' parameters type */
export interface IInsertRolePermissionsParams {
  actorAppId?: NumberOrString | null | void;
  actorUserId?: NumberOrString | null | void;
  permissionIds: Json;
  roleId: NumberOrString;
}

/** 'InsertRolePermissions' return type */
export type IInsertRolePermissionsResult = void;

/** 'InsertRolePermissions' query type */
export interface IInsertRolePermissionsQuery {
  params: IInsertRolePermissionsParams;
  result: IInsertRolePermissionsResult;
}

const insertRolePermissionsIR: any = {"usedParamSet":{"roleId":true,"actorAppId":true,"actorUserId":true,"permissionIds":true},"params":[{"name":"roleId","required":true,"transform":{"type":"scalar"},"locs":[{"a":126,"b":133}]},{"name":"actorAppId","required":false,"transform":{"type":"scalar"},"locs":[{"a":160,"b":170},{"a":219,"b":229}]},{"name":"actorUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":189,"b":200},{"a":248,"b":259}]},{"name":"permissionIds","required":true,"transform":{"type":"scalar"},"locs":[{"a":308,"b":322}]}],"statement":"INSERT INTO iam.role_permission (role_id, permission_id, create_app_id, create_user_id, update_app_id, update_user_id)\nSELECT :roleId!, CAST(p AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint)\nFROM jsonb_array_elements_text(CAST(:permissionIds! AS jsonb)) AS p\nON CONFLICT ON CONSTRAINT role_permission_pk DO NOTHING"};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO iam.role_permission (role_id, permission_id, create_app_id, create_user_id, update_app_id, update_user_id)
 * SELECT :roleId!, CAST(p AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint)
 * FROM jsonb_array_elements_text(CAST(:permissionIds! AS jsonb)) AS p
 * ON CONFLICT ON CONSTRAINT role_permission_pk DO NOTHING
 * ```
 */
export const insertRolePermissions = new PreparedQuery<IInsertRolePermissionsParams,IInsertRolePermissionsResult>(insertRolePermissionsIR, 'insertRolePermissions');


/** 'SelectRoleIdByCode' parameters type */
export interface ISelectRoleIdByCodeParams {
  code: string;
}

/** 'SelectRoleIdByCode' return type */
export interface ISelectRoleIdByCodeResult {
  role_id: string;
}

/** 'SelectRoleIdByCode' query type */
export interface ISelectRoleIdByCodeQuery {
  params: ISelectRoleIdByCodeParams;
  result: ISelectRoleIdByCodeResult;
}

const selectRoleIdByCodeIR: any = {"usedParamSet":{"code":true},"params":[{"name":"code","required":true,"transform":{"type":"scalar"},"locs":[{"a":42,"b":47}]}],"statement":"SELECT role_id FROM iam.role WHERE code = :code!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT role_id FROM iam.role WHERE code = :code!
 * ```
 */
export const selectRoleIdByCode = new PreparedQuery<ISelectRoleIdByCodeParams,ISelectRoleIdByCodeResult>(selectRoleIdByCodeIR, 'selectRoleIdByCode');


/** 'SelectUserPermissions' parameters type */
export interface ISelectUserPermissionsParams {
  orgId: NumberOrString;
  userId: NumberOrString;
}

/** 'SelectUserPermissions' return type */
export interface ISelectUserPermissionsResult {
  route: string;
}

/** 'SelectUserPermissions' query type */
export interface ISelectUserPermissionsQuery {
  params: ISelectUserPermissionsParams;
  result: ISelectUserPermissionsResult;
}

const selectUserPermissionsIR: any = {"usedParamSet":{"userId":true,"orgId":true},"params":[{"name":"userId","required":true,"transform":{"type":"scalar"},"locs":[{"a":284,"b":291}]},{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":309,"b":315}]}],"statement":"SELECT DISTINCT p.operation || ' ' || p.resource AS \"route!\"\nFROM iam.user_role ur\nJOIN iam.role r ON r.role_id = ur.role_id AND r.active\nJOIN iam.role_permission rp ON rp.role_id = r.role_id\nJOIN iam.permission p ON p.permission_id = rp.permission_id AND p.active\nWHERE ur.user_id = :userId! AND ur.org_id = :orgId!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT DISTINCT p.operation || ' ' || p.resource AS "route!"
 * FROM iam.user_role ur
 * JOIN iam.role r ON r.role_id = ur.role_id AND r.active
 * JOIN iam.role_permission rp ON rp.role_id = r.role_id
 * JOIN iam.permission p ON p.permission_id = rp.permission_id AND p.active
 * WHERE ur.user_id = :userId! AND ur.org_id = :orgId!
 * ```
 */
export const selectUserPermissions = new PreparedQuery<ISelectUserPermissionsParams,ISelectUserPermissionsResult>(selectUserPermissionsIR, 'selectUserPermissions');


