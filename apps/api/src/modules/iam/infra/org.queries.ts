/** Types generated for queries found in "src/modules/iam/infra/org.sql" */
import { PreparedQuery } from '../../../platform/db/typed-query.js';

export type DateOrString = Date | string;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type NumberOrString = number | string;

/** 'InsertOrg' parameters type */
export interface IInsertOrgParams {
  actorAppId?: NumberOrString | null | void;
  actorUserId?: NumberOrString | null | void;
  description: string;
  extlId: string;
  kind: string;
  name: string;
}

/** 'InsertOrg' return type */
export interface IInsertOrgResult {
  create_app_extl_id: string | null;
  create_at: Date;
  create_user_first_name: string | null;
  create_user_last_name: string | null;
  description: string;
  extl_id: string;
  kind: string;
  name: string;
  org_id: string;
  sort_key: string;
  update_app_extl_id: string | null;
  update_at: Date;
  update_user_first_name: string | null;
  update_user_last_name: string | null;
  version: number;
}

/** 'InsertOrg' query type */
export interface IInsertOrgQuery {
  params: IInsertOrgParams;
  result: IInsertOrgResult;
}

const insertOrgIR: any = {"usedParamSet":{"extlId":true,"name":true,"description":true,"kind":true,"actorAppId":true,"actorUserId":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":141,"b":148}]},{"name":"name","required":true,"transform":{"type":"scalar"},"locs":[{"a":151,"b":156}]},{"name":"description","required":true,"transform":{"type":"scalar"},"locs":[{"a":159,"b":171}]},{"name":"kind","required":true,"transform":{"type":"scalar"},"locs":[{"a":174,"b":179}]},{"name":"actorAppId","required":false,"transform":{"type":"scalar"},"locs":[{"a":187,"b":197},{"a":246,"b":256}]},{"name":"actorUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":216,"b":227},{"a":275,"b":286}]}],"statement":"WITH t AS (\n  INSERT INTO iam.org (extl_id, name, description, kind, create_app_id, create_user_id, update_app_id, update_user_id)\n  VALUES (:extlId!, :name!, :description!, :kind!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))\n  RETURNING *\n)\nSELECT t.org_id AS \"org_id!\", t.extl_id AS \"extl_id!\", t.name AS \"name!\", t.description AS \"description!\", t.kind AS \"kind!\", t.version AS \"version!\",\n  ca.extl_id AS \"create_app_extl_id?\", cu.given_name AS \"create_user_first_name?\", cu.family_name AS \"create_user_last_name?\", t.create_at AS \"create_at!\",\n  ua.extl_id AS \"update_app_extl_id?\", uu.given_name AS \"update_user_first_name?\", uu.family_name AS \"update_user_last_name?\", t.update_at AS \"update_at!\", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\"\nFROM t\nLEFT JOIN iam.app ca ON ca.app_id = t.create_app_id\nLEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id\nLEFT JOIN iam.app ua ON ua.app_id = t.update_app_id\nLEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id"};

/**
 * Query generated from SQL:
 * ```
 * WITH t AS (
 *   INSERT INTO iam.org (extl_id, name, description, kind, create_app_id, create_user_id, update_app_id, update_user_id)
 *   VALUES (:extlId!, :name!, :description!, :kind!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
 *   RETURNING *
 * )
 * SELECT t.org_id AS "org_id!", t.extl_id AS "extl_id!", t.name AS "name!", t.description AS "description!", t.kind AS "kind!", t.version AS "version!",
 *   ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
 *   ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
 * FROM t
 * LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
 * LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
 * LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
 * LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id
 * ```
 */
export const insertOrg = new PreparedQuery<IInsertOrgParams,IInsertOrgResult>(insertOrgIR, 'insertOrg');


/** 'SelectOrgByExtlId' parameters type */
export interface ISelectOrgByExtlIdParams {
  extlId: string;
}

/** 'SelectOrgByExtlId' return type */
export interface ISelectOrgByExtlIdResult {
  create_app_extl_id: string | null;
  create_at: Date;
  create_user_first_name: string | null;
  create_user_last_name: string | null;
  description: string;
  extl_id: string;
  kind: string;
  name: string;
  org_id: string;
  sort_key: string;
  update_app_extl_id: string | null;
  update_at: Date;
  update_user_first_name: string | null;
  update_user_last_name: string | null;
  version: number;
}

/** 'SelectOrgByExtlId' query type */
export interface ISelectOrgByExtlIdQuery {
  params: ISelectOrgByExtlIdParams;
  result: ISelectOrgByExtlIdResult;
}

const selectOrgByExtlIdIR: any = {"usedParamSet":{"extlId":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":814,"b":821}]}],"statement":"SELECT t.org_id AS \"org_id!\", t.extl_id AS \"extl_id!\", t.name AS \"name!\", t.description AS \"description!\", t.kind AS \"kind!\", t.version AS \"version!\",\n  ca.extl_id AS \"create_app_extl_id?\", cu.given_name AS \"create_user_first_name?\", cu.family_name AS \"create_user_last_name?\", t.create_at AS \"create_at!\",\n  ua.extl_id AS \"update_app_extl_id?\", uu.given_name AS \"update_user_first_name?\", uu.family_name AS \"update_user_last_name?\", t.update_at AS \"update_at!\", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\"\nFROM iam.org t\nLEFT JOIN iam.app ca ON ca.app_id = t.create_app_id\nLEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id\nLEFT JOIN iam.app ua ON ua.app_id = t.update_app_id\nLEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id\nWHERE t.extl_id = :extlId!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT t.org_id AS "org_id!", t.extl_id AS "extl_id!", t.name AS "name!", t.description AS "description!", t.kind AS "kind!", t.version AS "version!",
 *   ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
 *   ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
 * FROM iam.org t
 * LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
 * LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
 * LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
 * LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id
 * WHERE t.extl_id = :extlId!
 * ```
 */
export const selectOrgByExtlId = new PreparedQuery<ISelectOrgByExtlIdParams,ISelectOrgByExtlIdResult>(selectOrgByExtlIdIR, 'selectOrgByExtlId');


/** 'SelectOrgById' parameters type */
export interface ISelectOrgByIdParams {
  orgId: NumberOrString;
}

/** 'SelectOrgById' return type */
export interface ISelectOrgByIdResult {
  create_app_extl_id: string | null;
  create_at: Date;
  create_user_first_name: string | null;
  create_user_last_name: string | null;
  description: string;
  extl_id: string;
  kind: string;
  name: string;
  org_id: string;
  sort_key: string;
  update_app_extl_id: string | null;
  update_at: Date;
  update_user_first_name: string | null;
  update_user_last_name: string | null;
  version: number;
}

/** 'SelectOrgById' query type */
export interface ISelectOrgByIdQuery {
  params: ISelectOrgByIdParams;
  result: ISelectOrgByIdResult;
}

const selectOrgByIdIR: any = {"usedParamSet":{"orgId":true},"params":[{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":813,"b":819}]}],"statement":"SELECT t.org_id AS \"org_id!\", t.extl_id AS \"extl_id!\", t.name AS \"name!\", t.description AS \"description!\", t.kind AS \"kind!\", t.version AS \"version!\",\n  ca.extl_id AS \"create_app_extl_id?\", cu.given_name AS \"create_user_first_name?\", cu.family_name AS \"create_user_last_name?\", t.create_at AS \"create_at!\",\n  ua.extl_id AS \"update_app_extl_id?\", uu.given_name AS \"update_user_first_name?\", uu.family_name AS \"update_user_last_name?\", t.update_at AS \"update_at!\", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\"\nFROM iam.org t\nLEFT JOIN iam.app ca ON ca.app_id = t.create_app_id\nLEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id\nLEFT JOIN iam.app ua ON ua.app_id = t.update_app_id\nLEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id\nWHERE t.org_id = :orgId!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT t.org_id AS "org_id!", t.extl_id AS "extl_id!", t.name AS "name!", t.description AS "description!", t.kind AS "kind!", t.version AS "version!",
 *   ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
 *   ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
 * FROM iam.org t
 * LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
 * LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
 * LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
 * LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id
 * WHERE t.org_id = :orgId!
 * ```
 */
export const selectOrgById = new PreparedQuery<ISelectOrgByIdParams,ISelectOrgByIdResult>(selectOrgByIdIR, 'selectOrgById');


/** 'SelectOrgs' parameters type */
export interface ISelectOrgsParams {
  afterCreateAt?: DateOrString | null | void;
  afterExtlId?: string | null | void;
  limit: NumberOrString;
  onlyOrgId?: NumberOrString | null | void;
}

/** 'SelectOrgs' return type */
export interface ISelectOrgsResult {
  create_app_extl_id: string | null;
  create_at: Date;
  create_user_first_name: string | null;
  create_user_last_name: string | null;
  description: string;
  extl_id: string;
  kind: string;
  name: string;
  org_id: string;
  sort_key: string;
  update_app_extl_id: string | null;
  update_at: Date;
  update_user_first_name: string | null;
  update_user_last_name: string | null;
  version: number;
}

/** 'SelectOrgs' query type */
export interface ISelectOrgsQuery {
  params: ISelectOrgsParams;
  result: ISelectOrgsResult;
}

const selectOrgsIR: any = {"usedParamSet":{"onlyOrgId":true,"afterCreateAt":true,"afterExtlId":true,"limit":true},"params":[{"name":"onlyOrgId","required":false,"transform":{"type":"scalar"},"locs":[{"a":808,"b":817},{"a":857,"b":866}]},{"name":"afterCreateAt","required":false,"transform":{"type":"scalar"},"locs":[{"a":892,"b":905},{"a":974,"b":987}]},{"name":"afterExtlId","required":false,"transform":{"type":"scalar"},"locs":[{"a":1011,"b":1022}]},{"name":"limit","required":true,"transform":{"type":"scalar"},"locs":[{"a":1083,"b":1089}]}],"statement":"SELECT t.org_id AS \"org_id!\", t.extl_id AS \"extl_id!\", t.name AS \"name!\", t.description AS \"description!\", t.kind AS \"kind!\", t.version AS \"version!\",\n  ca.extl_id AS \"create_app_extl_id?\", cu.given_name AS \"create_user_first_name?\", cu.family_name AS \"create_user_last_name?\", t.create_at AS \"create_at!\",\n  ua.extl_id AS \"update_app_extl_id?\", uu.given_name AS \"update_user_first_name?\", uu.family_name AS \"update_user_last_name?\", t.update_at AS \"update_at!\", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\"\nFROM iam.org t\nLEFT JOIN iam.app ca ON ca.app_id = t.create_app_id\nLEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id\nLEFT JOIN iam.app ua ON ua.app_id = t.update_app_id\nLEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id\nWHERE (CAST(:onlyOrgId AS bigint) IS NULL OR t.org_id = CAST(:onlyOrgId AS bigint))\n  AND (CAST(:afterCreateAt AS timestamptz) IS NULL\n       OR (t.create_at, t.extl_id) < (CAST(:afterCreateAt AS timestamptz), CAST(:afterExtlId AS text)))\nORDER BY t.create_at DESC, t.extl_id DESC\nLIMIT :limit!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT t.org_id AS "org_id!", t.extl_id AS "extl_id!", t.name AS "name!", t.description AS "description!", t.kind AS "kind!", t.version AS "version!",
 *   ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
 *   ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
 * FROM iam.org t
 * LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
 * LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
 * LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
 * LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id
 * WHERE (CAST(:onlyOrgId AS bigint) IS NULL OR t.org_id = CAST(:onlyOrgId AS bigint))
 *   AND (CAST(:afterCreateAt AS timestamptz) IS NULL
 *        OR (t.create_at, t.extl_id) < (CAST(:afterCreateAt AS timestamptz), CAST(:afterExtlId AS text)))
 * ORDER BY t.create_at DESC, t.extl_id DESC
 * LIMIT :limit!
 * ```
 */
export const selectOrgs = new PreparedQuery<ISelectOrgsParams,ISelectOrgsResult>(selectOrgsIR, 'selectOrgs');


/** 'UpdateOrg' parameters type */
export interface IUpdateOrgParams {
  actorAppId?: NumberOrString | null | void;
  actorUserId?: NumberOrString | null | void;
  description: string;
  expectedVersions?: Json | null | void;
  name: string;
  orgId: NumberOrString;
}

/** 'UpdateOrg' return type */
export interface IUpdateOrgResult {
  org_id: string;
}

/** 'UpdateOrg' query type */
export interface IUpdateOrgQuery {
  params: IUpdateOrgParams;
  result: IUpdateOrgResult;
}

const updateOrgIR: any = {"usedParamSet":{"name":true,"description":true,"actorAppId":true,"actorUserId":true,"orgId":true,"expectedVersions":true},"params":[{"name":"name","required":true,"transform":{"type":"scalar"},"locs":[{"a":26,"b":31}]},{"name":"description","required":true,"transform":{"type":"scalar"},"locs":[{"a":48,"b":60}]},{"name":"actorAppId","required":false,"transform":{"type":"scalar"},"locs":[{"a":107,"b":117}]},{"name":"actorUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":153,"b":164}]},{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":223,"b":229}]},{"name":"expectedVersions","required":false,"transform":{"type":"scalar"},"locs":[{"a":243,"b":259},{"a":287,"b":303}]}],"statement":"UPDATE iam.org\nSET name = :name!, description = :description!, version = version + 1, update_app_id = CAST(:actorAppId AS bigint), update_user_id = CAST(:actorUserId AS bigint), update_at = clock_timestamp()\nWHERE org_id = :orgId!\n  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))\nRETURNING org_id"};

/**
 * Query generated from SQL:
 * ```
 * UPDATE iam.org
 * SET name = :name!, description = :description!, version = version + 1, update_app_id = CAST(:actorAppId AS bigint), update_user_id = CAST(:actorUserId AS bigint), update_at = clock_timestamp()
 * WHERE org_id = :orgId!
 *   AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
 * RETURNING org_id
 * ```
 */
export const updateOrg = new PreparedQuery<IUpdateOrgParams,IUpdateOrgResult>(updateOrgIR, 'updateOrg');


/** 'DeleteOrg' parameters type */
export interface IDeleteOrgParams {
  expectedVersions?: Json | null | void;
  orgId: NumberOrString;
}

/** 'DeleteOrg' return type */
export interface IDeleteOrgResult {
  extl_id: string;
}

/** 'DeleteOrg' query type */
export interface IDeleteOrgQuery {
  params: IDeleteOrgParams;
  result: IDeleteOrgResult;
}

const deleteOrgIR: any = {"usedParamSet":{"orgId":true,"expectedVersions":true},"params":[{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":35,"b":41}]},{"name":"expectedVersions","required":false,"transform":{"type":"scalar"},"locs":[{"a":55,"b":71},{"a":99,"b":115}]}],"statement":"DELETE FROM iam.org\nWHERE org_id = :orgId!\n  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))\nRETURNING extl_id"};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM iam.org
 * WHERE org_id = :orgId!
 *   AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
 * RETURNING extl_id
 * ```
 */
export const deleteOrg = new PreparedQuery<IDeleteOrgParams,IDeleteOrgResult>(deleteOrgIR, 'deleteOrg');


/** 'InsertOrgUser' parameters type */
export interface IInsertOrgUserParams {
  actorAppId?: NumberOrString | null | void;
  actorUserId?: NumberOrString | null | void;
  orgId: NumberOrString;
  userId: NumberOrString;
}

/** 'InsertOrgUser' return type */
export type IInsertOrgUserResult = void;

/** 'InsertOrgUser' query type */
export interface IInsertOrgUserQuery {
  params: IInsertOrgUserParams;
  result: IInsertOrgUserResult;
}

const insertOrgUserIR: any = {"usedParamSet":{"orgId":true,"userId":true,"actorAppId":true,"actorUserId":true},"params":[{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":113,"b":119}]},{"name":"userId","required":true,"transform":{"type":"scalar"},"locs":[{"a":122,"b":129}]},{"name":"actorAppId","required":false,"transform":{"type":"scalar"},"locs":[{"a":137,"b":147},{"a":196,"b":206}]},{"name":"actorUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":166,"b":177},{"a":225,"b":236}]}],"statement":"INSERT INTO iam.org_user (org_id, user_id, create_app_id, create_user_id, update_app_id, update_user_id)\nVALUES (:orgId!, :userId!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))\nON CONFLICT ON CONSTRAINT org_user_pk DO NOTHING"};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO iam.org_user (org_id, user_id, create_app_id, create_user_id, update_app_id, update_user_id)
 * VALUES (:orgId!, :userId!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
 * ON CONFLICT ON CONSTRAINT org_user_pk DO NOTHING
 * ```
 */
export const insertOrgUser = new PreparedQuery<IInsertOrgUserParams,IInsertOrgUserResult>(insertOrgUserIR, 'insertOrgUser');


/** 'InsertUserRole' parameters type */
export interface IInsertUserRoleParams {
  actorAppId?: NumberOrString | null | void;
  actorUserId?: NumberOrString | null | void;
  orgId: NumberOrString;
  roleId: NumberOrString;
  userId: NumberOrString;
}

/** 'InsertUserRole' return type */
export type IInsertUserRoleResult = void;

/** 'InsertUserRole' query type */
export interface IInsertUserRoleQuery {
  params: IInsertUserRoleParams;
  result: IInsertUserRoleResult;
}

const insertUserRoleIR: any = {"usedParamSet":{"userId":true,"roleId":true,"orgId":true,"actorAppId":true,"actorUserId":true},"params":[{"name":"userId","required":true,"transform":{"type":"scalar"},"locs":[{"a":123,"b":130}]},{"name":"roleId","required":true,"transform":{"type":"scalar"},"locs":[{"a":133,"b":140}]},{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":143,"b":149}]},{"name":"actorAppId","required":false,"transform":{"type":"scalar"},"locs":[{"a":157,"b":167},{"a":216,"b":226}]},{"name":"actorUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":186,"b":197},{"a":245,"b":256}]}],"statement":"INSERT INTO iam.user_role (user_id, role_id, org_id, create_app_id, create_user_id, update_app_id, update_user_id)\nVALUES (:userId!, :roleId!, :orgId!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))\nON CONFLICT ON CONSTRAINT user_role_pk DO NOTHING"};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO iam.user_role (user_id, role_id, org_id, create_app_id, create_user_id, update_app_id, update_user_id)
 * VALUES (:userId!, :roleId!, :orgId!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
 * ON CONFLICT ON CONSTRAINT user_role_pk DO NOTHING
 * ```
 */
export const insertUserRole = new PreparedQuery<IInsertUserRoleParams,IInsertUserRoleResult>(insertUserRoleIR, 'insertUserRole');


/** 'DeleteUserRole' parameters type */
export interface IDeleteUserRoleParams {
  orgId: NumberOrString;
  roleId: NumberOrString;
  userId: NumberOrString;
}

/** 'DeleteUserRole' return type */
export interface IDeleteUserRoleResult {
  user_id: string;
}

/** 'DeleteUserRole' query type */
export interface IDeleteUserRoleQuery {
  params: IDeleteUserRoleParams;
  result: IDeleteUserRoleResult;
}

const deleteUserRoleIR: any = {"usedParamSet":{"userId":true,"roleId":true,"orgId":true},"params":[{"name":"userId","required":true,"transform":{"type":"scalar"},"locs":[{"a":42,"b":49}]},{"name":"roleId","required":true,"transform":{"type":"scalar"},"locs":[{"a":65,"b":72}]},{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":87,"b":93}]}],"statement":"DELETE FROM iam.user_role WHERE user_id = :userId! AND role_id = :roleId! AND org_id = :orgId!\nRETURNING user_id"};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM iam.user_role WHERE user_id = :userId! AND role_id = :roleId! AND org_id = :orgId!
 * RETURNING user_id
 * ```
 */
export const deleteUserRole = new PreparedQuery<IDeleteUserRoleParams,IDeleteUserRoleResult>(deleteUserRoleIR, 'deleteUserRole');


/** 'SelectOrgMembers' parameters type */
export interface ISelectOrgMembersParams {
  afterCreateAt?: DateOrString | null | void;
  afterExtlId?: string | null | void;
  limit: NumberOrString;
  onlyUserId?: NumberOrString | null | void;
  orgId: NumberOrString;
}

/** 'SelectOrgMembers' return type */
export interface ISelectOrgMembersResult {
  email: string | null;
  name: string | null;
  role_codes: Json;
  sort_key: string;
  user_extl_id: string;
}

/** 'SelectOrgMembers' query type */
export interface ISelectOrgMembersQuery {
  params: ISelectOrgMembersParams;
  result: ISelectOrgMembersResult;
}

const selectOrgMembersIR: any = {"usedParamSet":{"orgId":true,"onlyUserId":true,"afterCreateAt":true,"afterExtlId":true,"limit":true},"params":[{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":451,"b":457}]},{"name":"onlyUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":471,"b":481},{"a":523,"b":533}]},{"name":"afterCreateAt","required":false,"transform":{"type":"scalar"},"locs":[{"a":559,"b":572},{"a":642,"b":655}]},{"name":"afterExtlId","required":false,"transform":{"type":"scalar"},"locs":[{"a":679,"b":690}]},{"name":"limit","required":true,"transform":{"type":"scalar"},"locs":[{"a":742,"b":748}]}],"statement":"SELECT u.extl_id AS \"user_extl_id!\", u.email, u.name,\n  to_char(ou.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\",\n  COALESCE((SELECT jsonb_agg(r.code ORDER BY r.code) FROM iam.user_role ur JOIN iam.role r ON r.role_id = ur.role_id\n            WHERE ur.user_id = u.user_id AND ur.org_id = ou.org_id), '[]'::jsonb) AS \"role_codes!\"\nFROM iam.org_user ou\nJOIN iam.user_account u ON u.user_id = ou.user_id\nWHERE ou.org_id = :orgId!\n  AND (CAST(:onlyUserId AS bigint) IS NULL OR ou.user_id = CAST(:onlyUserId AS bigint))\n  AND (CAST(:afterCreateAt AS timestamptz) IS NULL\n       OR (ou.create_at, u.extl_id) > (CAST(:afterCreateAt AS timestamptz), CAST(:afterExtlId AS text)))\nORDER BY ou.create_at, u.extl_id\nLIMIT :limit!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT u.extl_id AS "user_extl_id!", u.email, u.name,
 *   to_char(ou.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!",
 *   COALESCE((SELECT jsonb_agg(r.code ORDER BY r.code) FROM iam.user_role ur JOIN iam.role r ON r.role_id = ur.role_id
 *             WHERE ur.user_id = u.user_id AND ur.org_id = ou.org_id), '[]'::jsonb) AS "role_codes!"
 * FROM iam.org_user ou
 * JOIN iam.user_account u ON u.user_id = ou.user_id
 * WHERE ou.org_id = :orgId!
 *   AND (CAST(:onlyUserId AS bigint) IS NULL OR ou.user_id = CAST(:onlyUserId AS bigint))
 *   AND (CAST(:afterCreateAt AS timestamptz) IS NULL
 *        OR (ou.create_at, u.extl_id) > (CAST(:afterCreateAt AS timestamptz), CAST(:afterExtlId AS text)))
 * ORDER BY ou.create_at, u.extl_id
 * LIMIT :limit!
 * ```
 */
export const selectOrgMembers = new PreparedQuery<ISelectOrgMembersParams,ISelectOrgMembersResult>(selectOrgMembersIR, 'selectOrgMembers');


