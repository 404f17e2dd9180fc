/** Types generated for queries found in "src/modules/iam/infra/app.sql" */
import { PreparedQuery } from '../../../platform/db/typed-query.js';

export type DateOrString = Date | string;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type NumberOrString = number | string;

/** 'InsertApp' parameters type */
export interface IInsertAppParams {
  actorAppId?: NumberOrString | null | void;
  actorUserId?: NumberOrString | null | void;
  description: string;
  extlId: string;
  name: string;
  oauth2ClientId?: string | null | void;
  orgId: NumberOrString;
}

/** 'InsertApp' return type */
export interface IInsertAppResult {
  app_id: string;
}

/** 'InsertApp' query type */
export interface IInsertAppQuery {
  params: IInsertAppParams;
  result: IInsertAppResult;
}

const insertAppIR: any = {"usedParamSet":{"extlId":true,"orgId":true,"name":true,"description":true,"oauth2ClientId":true,"actorAppId":true,"actorUserId":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":145,"b":152}]},{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":155,"b":161}]},{"name":"name","required":true,"transform":{"type":"scalar"},"locs":[{"a":164,"b":169}]},{"name":"description","required":true,"transform":{"type":"scalar"},"locs":[{"a":172,"b":184}]},{"name":"oauth2ClientId","required":false,"transform":{"type":"scalar"},"locs":[{"a":187,"b":201}]},{"name":"actorAppId","required":false,"transform":{"type":"scalar"},"locs":[{"a":209,"b":219},{"a":268,"b":278}]},{"name":"actorUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":238,"b":249},{"a":297,"b":308}]}],"statement":"INSERT INTO iam.app (extl_id, org_id, name, description, oauth2_client_id, create_app_id, create_user_id, update_app_id, update_user_id)\nVALUES (:extlId!, :orgId!, :name!, :description!, :oauth2ClientId, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))\nRETURNING app_id"};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO iam.app (extl_id, org_id, name, description, oauth2_client_id, create_app_id, create_user_id, update_app_id, update_user_id)
 * VALUES (:extlId!, :orgId!, :name!, :description!, :oauth2ClientId, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
 * RETURNING app_id
 * ```
 */
export const insertApp = new PreparedQuery<IInsertAppParams,IInsertAppResult>(insertAppIR, 'insertApp');


/** 'SelectAppByExtlId' parameters type */
export interface ISelectAppByExtlIdParams {
  extlId: string;
}

/** 'SelectAppByExtlId' return type */
export interface ISelectAppByExtlIdResult {
  app_id: string;
  create_app_extl_id: string | null;
  create_at: Date;
  create_user_first_name: string | null;
  create_user_last_name: string | null;
  description: string;
  extl_id: string;
  name: string;
  oauth2_client_id: string | null;
  org_extl_id: string;
  org_id: string;
  org_kind: string;
  sort_key: string;
  update_app_extl_id: string | null;
  update_at: Date;
  update_user_first_name: string | null;
  update_user_last_name: string | null;
  version: number;
}

/** 'SelectAppByExtlId' query type */
export interface ISelectAppByExtlIdQuery {
  params: ISelectAppByExtlIdParams;
  result: ISelectAppByExtlIdResult;
}

const selectAppByExtlIdIR: any = {"usedParamSet":{"extlId":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":928,"b":935}]}],"statement":"SELECT t.app_id AS \"app_id!\", t.extl_id AS \"extl_id!\", t.org_id AS \"org_id!\", o.extl_id AS \"org_extl_id!\", o.kind AS \"org_kind!\", t.name AS \"name!\",\n  t.description AS \"description!\", t.oauth2_client_id, t.version AS \"version!\", ca.extl_id AS \"create_app_extl_id?\", cu.given_name AS \"create_user_first_name?\", cu.family_name AS \"create_user_last_name?\", t.create_at AS \"create_at!\",\n  ua.extl_id AS \"update_app_extl_id?\", uu.given_name AS \"update_user_first_name?\", uu.family_name AS \"update_user_last_name?\", t.update_at AS \"update_at!\", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\"\nFROM iam.app t\nJOIN iam.org o ON o.org_id = t.org_id\nLEFT JOIN iam.app ca ON ca.app_id = t.create_app_id\nLEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id\nLEFT JOIN iam.app ua ON ua.app_id = t.update_app_id\nLEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id\nWHERE t.extl_id = :extlId!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT t.app_id AS "app_id!", t.extl_id AS "extl_id!", t.org_id AS "org_id!", o.extl_id AS "org_extl_id!", o.kind AS "org_kind!", t.name AS "name!",
 *   t.description AS "description!", t.oauth2_client_id, t.version AS "version!", ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
 *   ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
 * FROM iam.app t
 * JOIN iam.org o ON o.org_id = t.org_id
 * LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
 * LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
 * LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
 * LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id
 * WHERE t.extl_id = :extlId!
 * ```
 */
export const selectAppByExtlId = new PreparedQuery<ISelectAppByExtlIdParams,ISelectAppByExtlIdResult>(selectAppByExtlIdIR, 'selectAppByExtlId');


/** 'SelectAppById' parameters type */
export interface ISelectAppByIdParams {
  appId: NumberOrString;
}

/** 'SelectAppById' return type */
export interface ISelectAppByIdResult {
  app_id: string;
  create_app_extl_id: string | null;
  create_at: Date;
  create_user_first_name: string | null;
  create_user_last_name: string | null;
  description: string;
  extl_id: string;
  name: string;
  oauth2_client_id: string | null;
  org_extl_id: string;
  org_id: string;
  org_kind: string;
  sort_key: string;
  update_app_extl_id: string | null;
  update_at: Date;
  update_user_first_name: string | null;
  update_user_last_name: string | null;
  version: number;
}

/** 'SelectAppById' query type */
export interface ISelectAppByIdQuery {
  params: ISelectAppByIdParams;
  result: ISelectAppByIdResult;
}

const selectAppByIdIR: any = {"usedParamSet":{"appId":true},"params":[{"name":"appId","required":true,"transform":{"type":"scalar"},"locs":[{"a":927,"b":933}]}],"statement":"SELECT t.app_id AS \"app_id!\", t.extl_id AS \"extl_id!\", t.org_id AS \"org_id!\", o.extl_id AS \"org_extl_id!\", o.kind AS \"org_kind!\", t.name AS \"name!\",\n  t.description AS \"description!\", t.oauth2_client_id, t.version AS \"version!\", ca.extl_id AS \"create_app_extl_id?\", cu.given_name AS \"create_user_first_name?\", cu.family_name AS \"create_user_last_name?\", t.create_at AS \"create_at!\",\n  ua.extl_id AS \"update_app_extl_id?\", uu.given_name AS \"update_user_first_name?\", uu.family_name AS \"update_user_last_name?\", t.update_at AS \"update_at!\", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\"\nFROM iam.app t\nJOIN iam.org o ON o.org_id = t.org_id\nLEFT JOIN iam.app ca ON ca.app_id = t.create_app_id\nLEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id\nLEFT JOIN iam.app ua ON ua.app_id = t.update_app_id\nLEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id\nWHERE t.app_id = :appId!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT t.app_id AS "app_id!", t.extl_id AS "extl_id!", t.org_id AS "org_id!", o.extl_id AS "org_extl_id!", o.kind AS "org_kind!", t.name AS "name!",
 *   t.description AS "description!", t.oauth2_client_id, t.version AS "version!", ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
 *   ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
 * FROM iam.app t
 * JOIN iam.org o ON o.org_id = t.org_id
 * LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
 * LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
 * LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
 * LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id
 * WHERE t.app_id = :appId!
 * ```
 */
export const selectAppById = new PreparedQuery<ISelectAppByIdParams,ISelectAppByIdResult>(selectAppByIdIR, 'selectAppById');


/** 'SelectAppsByOrg' parameters type */
export interface ISelectAppsByOrgParams {
  afterCreateAt?: DateOrString | null | void;
  afterExtlId?: string | null | void;
  limit: NumberOrString;
  orgId: NumberOrString;
}

/** 'SelectAppsByOrg' return type */
export interface ISelectAppsByOrgResult {
  app_id: string;
  create_app_extl_id: string | null;
  create_at: Date;
  create_user_first_name: string | null;
  create_user_last_name: string | null;
  description: string;
  extl_id: string;
  name: string;
  oauth2_client_id: string | null;
  org_extl_id: string;
  org_id: string;
  org_kind: string;
  sort_key: string;
  update_app_extl_id: string | null;
  update_at: Date;
  update_user_first_name: string | null;
  update_user_last_name: string | null;
  version: number;
}

/** 'SelectAppsByOrg' query type */
export interface ISelectAppsByOrgQuery {
  params: ISelectAppsByOrgParams;
  result: ISelectAppsByOrgResult;
}

const selectAppsByOrgIR: any = {"usedParamSet":{"orgId":true,"afterCreateAt":true,"afterExtlId":true,"limit":true},"params":[{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":927,"b":933}]},{"name":"afterCreateAt","required":false,"transform":{"type":"scalar"},"locs":[{"a":947,"b":960},{"a":1029,"b":1042}]},{"name":"afterExtlId","required":false,"transform":{"type":"scalar"},"locs":[{"a":1066,"b":1077}]},{"name":"limit","required":true,"transform":{"type":"scalar"},"locs":[{"a":1138,"b":1144}]}],"statement":"SELECT t.app_id AS \"app_id!\", t.extl_id AS \"extl_id!\", t.org_id AS \"org_id!\", o.extl_id AS \"org_extl_id!\", o.kind AS \"org_kind!\", t.name AS \"name!\",\n  t.description AS \"description!\", t.oauth2_client_id, t.version AS \"version!\", ca.extl_id AS \"create_app_extl_id?\", cu.given_name AS \"create_user_first_name?\", cu.family_name AS \"create_user_last_name?\", t.create_at AS \"create_at!\",\n  ua.extl_id AS \"update_app_extl_id?\", uu.given_name AS \"update_user_first_name?\", uu.family_name AS \"update_user_last_name?\", t.update_at AS \"update_at!\", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\"\nFROM iam.app t\nJOIN iam.org o ON o.org_id = t.org_id\nLEFT JOIN iam.app ca ON ca.app_id = t.create_app_id\nLEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id\nLEFT JOIN iam.app ua ON ua.app_id = t.update_app_id\nLEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id\nWHERE t.org_id = :orgId!\n  AND (CAST(:afterCreateAt AS timestamptz) IS NULL\n       OR (t.create_at, t.extl_id) < (CAST(:afterCreateAt AS timestamptz), CAST(:afterExtlId AS text)))\nORDER BY t.create_at DESC, t.extl_id DESC\nLIMIT :limit!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT t.app_id AS "app_id!", t.extl_id AS "extl_id!", t.org_id AS "org_id!", o.extl_id AS "org_extl_id!", o.kind AS "org_kind!", t.name AS "name!",
 *   t.description AS "description!", t.oauth2_client_id, t.version AS "version!", ca.extl_id AS "create_app_extl_id?", cu.given_name AS "create_user_first_name?", cu.family_name AS "create_user_last_name?", t.create_at AS "create_at!",
 *   ua.extl_id AS "update_app_extl_id?", uu.given_name AS "update_user_first_name?", uu.family_name AS "update_user_last_name?", t.update_at AS "update_at!", to_char(t.create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
 * FROM iam.app t
 * JOIN iam.org o ON o.org_id = t.org_id
 * LEFT JOIN iam.app ca ON ca.app_id = t.create_app_id
 * LEFT JOIN iam.user_account cu ON cu.user_id = t.create_user_id
 * LEFT JOIN iam.app ua ON ua.app_id = t.update_app_id
 * LEFT JOIN iam.user_account uu ON uu.user_id = t.update_user_id
 * WHERE t.org_id = :orgId!
 *   AND (CAST(:afterCreateAt AS timestamptz) IS NULL
 *        OR (t.create_at, t.extl_id) < (CAST(:afterCreateAt AS timestamptz), CAST(:afterExtlId AS text)))
 * ORDER BY t.create_at DESC, t.extl_id DESC
 * LIMIT :limit!
 * ```
 */
export const selectAppsByOrg = new PreparedQuery<ISelectAppsByOrgParams,ISelectAppsByOrgResult>(selectAppsByOrgIR, 'selectAppsByOrg');


/** 'UpdateApp' parameters type */
export interface IUpdateAppParams {
  actorAppId?: NumberOrString | null | void;
  actorUserId?: NumberOrString | null | void;
  appId: NumberOrString;
  description: string;
  expectedVersions?: Json | null | void;
  name: string;
  oauth2ClientId?: string | null | void;
}

/** 'UpdateApp' return type */
export interface IUpdateAppResult {
  app_id: string;
}

/** 'UpdateApp' query type */
export interface IUpdateAppQuery {
  params: IUpdateAppParams;
  result: IUpdateAppResult;
}

const updateAppIR: any = {"usedParamSet":{"name":true,"description":true,"oauth2ClientId":true,"actorAppId":true,"actorUserId":true,"appId":true,"expectedVersions":true},"params":[{"name":"name","required":true,"transform":{"type":"scalar"},"locs":[{"a":26,"b":31}]},{"name":"description","required":true,"transform":{"type":"scalar"},"locs":[{"a":48,"b":60}]},{"name":"oauth2ClientId","required":false,"transform":{"type":"scalar"},"locs":[{"a":82,"b":96}]},{"name":"actorAppId","required":false,"transform":{"type":"scalar"},"locs":[{"a":143,"b":153}]},{"name":"actorUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":189,"b":200}]},{"name":"appId","required":true,"transform":{"type":"scalar"},"locs":[{"a":259,"b":265}]},{"name":"expectedVersions","required":false,"transform":{"type":"scalar"},"locs":[{"a":279,"b":295},{"a":323,"b":339}]}],"statement":"UPDATE iam.app\nSET name = :name!, description = :description!, oauth2_client_id = :oauth2ClientId, version = version + 1, update_app_id = CAST(:actorAppId AS bigint), update_user_id = CAST(:actorUserId AS bigint), update_at = clock_timestamp()\nWHERE app_id = :appId!\n  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))\nRETURNING app_id"};

/**
 * Query generated from SQL:
 * ```
 * UPDATE iam.app
 * SET name = :name!, description = :description!, oauth2_client_id = :oauth2ClientId, version = version + 1, update_app_id = CAST(:actorAppId AS bigint), update_user_id = CAST(:actorUserId AS bigint), update_at = clock_timestamp()
 * WHERE app_id = :appId!
 *   AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
 * RETURNING app_id
 * ```
 */
export const updateApp = new PreparedQuery<IUpdateAppParams,IUpdateAppResult>(updateAppIR, 'updateApp');


/** 'DeleteApp' parameters type */
export interface IDeleteAppParams {
  appId: NumberOrString;
  expectedVersions?: Json | null | void;
}

/** 'DeleteApp' return type */
export interface IDeleteAppResult {
  extl_id: string;
}

/** 'DeleteApp' query type */
export interface IDeleteAppQuery {
  params: IDeleteAppParams;
  result: IDeleteAppResult;
}

const deleteAppIR: any = {"usedParamSet":{"appId":true,"expectedVersions":true},"params":[{"name":"appId","required":true,"transform":{"type":"scalar"},"locs":[{"a":35,"b":41}]},{"name":"expectedVersions","required":false,"transform":{"type":"scalar"},"locs":[{"a":55,"b":71},{"a":99,"b":115}]}],"statement":"DELETE FROM iam.app\nWHERE app_id = :appId!\n  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))\nRETURNING extl_id"};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM iam.app
 * WHERE app_id = :appId!
 *   AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
 * RETURNING extl_id
 * ```
 */
export const deleteApp = new PreparedQuery<IDeleteAppParams,IDeleteAppResult>(deleteAppIR, 'deleteApp');


/** 'InsertApiKey' parameters type */
export interface IInsertApiKeyParams {
  actorAppId?: NumberOrString | null | void;
  actorUserId?: NumberOrString | null | void;
  appId: NumberOrString;
  deactivationDate: DateOrString;
  keyHash: Buffer;
  keyId: string;
  prefix: string;
}

/** 'InsertApiKey' return type */
export interface IInsertApiKeyResult {
  create_at: Date;
  deactivation_date: Date;
  key_id: string;
  prefix: string;
}

/** 'InsertApiKey' query type */
export interface IInsertApiKeyQuery {
  params: IInsertApiKeyParams;
  result: IInsertApiKeyResult;
}

const insertApiKeyIR: any = {"usedParamSet":{"appId":true,"keyId":true,"prefix":true,"keyHash":true,"deactivationDate":true,"actorAppId":true,"actorUserId":true},"params":[{"name":"appId","required":true,"transform":{"type":"scalar"},"locs":[{"a":152,"b":158}]},{"name":"keyId","required":true,"transform":{"type":"scalar"},"locs":[{"a":161,"b":167}]},{"name":"prefix","required":true,"transform":{"type":"scalar"},"locs":[{"a":170,"b":177}]},{"name":"keyHash","required":true,"transform":{"type":"scalar"},"locs":[{"a":180,"b":188}]},{"name":"deactivationDate","required":true,"transform":{"type":"scalar"},"locs":[{"a":191,"b":208}]},{"name":"actorAppId","required":false,"transform":{"type":"scalar"},"locs":[{"a":216,"b":226},{"a":275,"b":285}]},{"name":"actorUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":245,"b":256},{"a":304,"b":315}]}],"statement":"INSERT INTO iam.app_api_key (app_id, key_id, prefix, key_hash, deactivation_date, create_app_id, create_user_id, update_app_id, update_user_id)\nVALUES (:appId!, :keyId!, :prefix!, :keyHash!, :deactivationDate!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))\nRETURNING key_id, prefix, deactivation_date, create_at"};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO iam.app_api_key (app_id, key_id, prefix, key_hash, deactivation_date, create_app_id, create_user_id, update_app_id, update_user_id)
 * VALUES (:appId!, :keyId!, :prefix!, :keyHash!, :deactivationDate!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
 * RETURNING key_id, prefix, deactivation_date, create_at
 * ```
 */
export const insertApiKey = new PreparedQuery<IInsertApiKeyParams,IInsertApiKeyResult>(insertApiKeyIR, 'insertApiKey');


/** 'SelectApiKeysOfApps' parameters type */
export interface ISelectApiKeysOfAppsParams {
  appIds: Json;
}

/** 'SelectApiKeysOfApps' return type */
export interface ISelectApiKeysOfAppsResult {
  app_id: string;
  create_at: Date;
  deactivation_date: Date;
  key_id: string;
  prefix: string;
}

/** 'SelectApiKeysOfApps' query type */
export interface ISelectApiKeysOfAppsQuery {
  params: ISelectApiKeysOfAppsParams;
  result: ISelectApiKeysOfAppsResult;
}

const selectApiKeysOfAppsIR: any = {"usedParamSet":{"appIds":true},"params":[{"name":"appIds","required":true,"transform":{"type":"scalar"},"locs":[{"a":141,"b":148}]}],"statement":"SELECT app_id, key_id, prefix, deactivation_date, create_at\nFROM iam.app_api_key\nWHERE app_id IN (SELECT CAST(jsonb_array_elements_text(CAST(:appIds! AS jsonb)) AS bigint)) AND revoked_at IS NULL\nORDER BY create_at, key_id"};

/**
 * Query generated from SQL:
 * ```
 * SELECT app_id, key_id, prefix, deactivation_date, create_at
 * FROM iam.app_api_key
 * WHERE app_id IN (SELECT CAST(jsonb_array_elements_text(CAST(:appIds! AS jsonb)) AS bigint)) AND revoked_at IS NULL
 * ORDER BY create_at, key_id
 * ```
 */
export const selectApiKeysOfApps = new PreparedQuery<ISelectApiKeysOfAppsParams,ISelectApiKeysOfAppsResult>(selectApiKeysOfAppsIR, 'selectApiKeysOfApps');


/** 'RevokeApiKey' parameters type */
export interface IRevokeApiKeyParams {
  actorAppId?: NumberOrString | null | void;
  actorUserId?: NumberOrString | null | void;
  appId: NumberOrString;
  keyId: string;
}

/** 'RevokeApiKey' return type */
export interface IRevokeApiKeyResult {
  key_id: string;
}

/** 'RevokeApiKey' query type */
export interface IRevokeApiKeyQuery {
  params: IRevokeApiKeyParams;
  result: IRevokeApiKeyResult;
}

const revokeApiKeyIR: any = {"usedParamSet":{"actorAppId":true,"actorUserId":true,"appId":true,"keyId":true},"params":[{"name":"actorAppId","required":false,"transform":{"type":"scalar"},"locs":[{"a":80,"b":90}]},{"name":"actorUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":126,"b":137}]},{"name":"appId","required":true,"transform":{"type":"scalar"},"locs":[{"a":196,"b":202}]},{"name":"keyId","required":true,"transform":{"type":"scalar"},"locs":[{"a":217,"b":223}]}],"statement":"UPDATE iam.app_api_key\nSET revoked_at = clock_timestamp(), update_app_id = CAST(:actorAppId AS bigint), update_user_id = CAST(:actorUserId AS bigint), update_at = clock_timestamp()\nWHERE app_id = :appId! AND key_id = :keyId! AND revoked_at IS NULL\nRETURNING key_id"};

/**
 * Query generated from SQL:
 * ```
 * UPDATE iam.app_api_key
 * SET revoked_at = clock_timestamp(), update_app_id = CAST(:actorAppId AS bigint), update_user_id = CAST(:actorUserId AS bigint), update_at = clock_timestamp()
 * WHERE app_id = :appId! AND key_id = :keyId! AND revoked_at IS NULL
 * RETURNING key_id
 * ```
 */
export const revokeApiKey = new PreparedQuery<IRevokeApiKeyParams,IRevokeApiKeyResult>(revokeApiKeyIR, 'revokeApiKey');


/** 'SelectAppCredentials' parameters type */
export interface ISelectAppCredentialsParams {
  extlId: string;
}

/** 'SelectAppCredentials' return type */
export interface ISelectAppCredentialsResult {
  app_id: string;
  deactivation_date: Date | null;
  extl_id: string;
  key_hash: Buffer | null;
  key_id: string | null;
  org_extl_id: string;
  org_id: string;
  org_kind: string;
}

/** 'SelectAppCredentials' query type */
export interface ISelectAppCredentialsQuery {
  params: ISelectAppCredentialsParams;
  result: ISelectAppCredentialsResult;
}

const selectAppCredentialsIR: any = {"usedParamSet":{"extlId":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":373,"b":380}]}],"statement":"SELECT a.app_id AS \"app_id!\", a.extl_id AS \"extl_id!\", a.org_id AS \"org_id!\", o.extl_id AS \"org_extl_id!\", o.kind AS \"org_kind!\",\n  k.key_id AS \"key_id?\", k.key_hash AS \"key_hash?\", k.deactivation_date AS \"deactivation_date?\"\nFROM iam.app a\nJOIN iam.org o ON o.org_id = a.org_id\nLEFT JOIN iam.app_api_key k ON k.app_id = a.app_id AND k.revoked_at IS NULL\nWHERE a.extl_id = :extlId!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT a.app_id AS "app_id!", a.extl_id AS "extl_id!", a.org_id AS "org_id!", o.extl_id AS "org_extl_id!", o.kind AS "org_kind!",
 *   k.key_id AS "key_id?", k.key_hash AS "key_hash?", k.deactivation_date AS "deactivation_date?"
 * FROM iam.app a
 * JOIN iam.org o ON o.org_id = a.org_id
 * LEFT JOIN iam.app_api_key k ON k.app_id = a.app_id AND k.revoked_at IS NULL
 * WHERE a.extl_id = :extlId!
 * ```
 */
export const selectAppCredentials = new PreparedQuery<ISelectAppCredentialsParams,ISelectAppCredentialsResult>(selectAppCredentialsIR, 'selectAppCredentials');


/** 'SelectAppByClientId' parameters type */
export interface ISelectAppByClientIdParams {
  clientId: string;
}

/** 'SelectAppByClientId' return type */
export interface ISelectAppByClientIdResult {
  app_id: string;
  extl_id: string;
  org_extl_id: string;
  org_id: string;
  org_kind: string;
}

/** 'SelectAppByClientId' query type */
export interface ISelectAppByClientIdQuery {
  params: ISelectAppByClientIdParams;
  result: ISelectAppByClientIdResult;
}

const selectAppByClientIdIR: any = {"usedParamSet":{"clientId":true},"params":[{"name":"clientId","required":true,"transform":{"type":"scalar"},"locs":[{"a":209,"b":218}]}],"statement":"SELECT a.app_id AS \"app_id!\", a.extl_id AS \"extl_id!\", a.org_id AS \"org_id!\", o.extl_id AS \"org_extl_id!\", o.kind AS \"org_kind!\"\nFROM iam.app a\nJOIN iam.org o ON o.org_id = a.org_id\nWHERE a.oauth2_client_id = :clientId!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT a.app_id AS "app_id!", a.extl_id AS "extl_id!", a.org_id AS "org_id!", o.extl_id AS "org_extl_id!", o.kind AS "org_kind!"
 * FROM iam.app a
 * JOIN iam.org o ON o.org_id = a.org_id
 * WHERE a.oauth2_client_id = :clientId!
 * ```
 */
export const selectAppByClientId = new PreparedQuery<ISelectAppByClientIdParams,ISelectAppByClientIdResult>(selectAppByClientIdIR, 'selectAppByClientId');


/** 'SelectAppKeys' parameters type */
export interface ISelectAppKeysParams {
  appId?: NumberOrString | null | void;
  includeRevoked: boolean;
}

/** 'SelectAppKeys' return type */
export interface ISelectAppKeysResult {
  app_extl_id: string;
  app_id: string;
  app_name: string;
  create_app_extl_id: string | null;
  create_at: Date | null;
  create_user_issuer: string | null;
  create_user_name: string | null;
  create_user_subject: string | null;
  deactivation_date: Date | null;
  key_id: string | null;
  org_extl_id: string;
  org_kind: string;
  org_name: string;
  prefix: string | null;
  revoked_at: Date | null;
  update_app_extl_id: string | null;
  update_at: Date | null;
  update_user_issuer: string | null;
  update_user_name: string | null;
  update_user_subject: string | null;
}

/** 'SelectAppKeys' query type */
export interface ISelectAppKeysQuery {
  params: ISelectAppKeysParams;
  result: ISelectAppKeysResult;
}

const selectAppKeysIR: any = {"usedParamSet":{"includeRevoked":true,"appId":true},"params":[{"name":"includeRevoked","required":true,"transform":{"type":"scalar"},"locs":[{"a":742,"b":757}]},{"name":"appId","required":false,"transform":{"type":"scalar"},"locs":[{"a":1037,"b":1042},{"a":1082,"b":1087}]}],"statement":"SELECT a.app_id AS \"app_id!\", a.extl_id AS \"app_extl_id!\", a.name AS \"app_name!\", o.extl_id AS \"org_extl_id!\", o.name AS \"org_name!\", o.kind AS \"org_kind!\",\n  k.key_id AS \"key_id?\", k.prefix AS \"prefix?\", k.deactivation_date AS \"deactivation_date?\", k.revoked_at AS \"revoked_at?\", k.create_at AS \"create_at?\", k.update_at AS \"update_at?\",\n  ca.extl_id AS \"create_app_extl_id?\", cu.issuer AS \"create_user_issuer?\", cu.subject AS \"create_user_subject?\", cu.name AS \"create_user_name?\",\n  ua.extl_id AS \"update_app_extl_id?\", uu.issuer AS \"update_user_issuer?\", uu.subject AS \"update_user_subject?\", uu.name AS \"update_user_name?\"\nFROM iam.app a\nJOIN iam.org o ON o.org_id = a.org_id\nLEFT JOIN iam.app_api_key k ON k.app_id = a.app_id AND (CAST(:includeRevoked! AS boolean) OR k.revoked_at IS NULL)\nLEFT JOIN iam.app ca ON ca.app_id = k.create_app_id\nLEFT JOIN iam.user_account cu ON cu.user_id = k.create_user_id\nLEFT JOIN iam.app ua ON ua.app_id = k.update_app_id\nLEFT JOIN iam.user_account uu ON uu.user_id = k.update_user_id\nWHERE CAST(:appId AS bigint) IS NULL OR a.app_id = CAST(:appId AS bigint)\nORDER BY o.kind, o.name, a.name, a.app_id, k.create_at, k.key_id"};

/**
 * Query generated from SQL:
 * ```
 * SELECT a.app_id AS "app_id!", a.extl_id AS "app_extl_id!", a.name AS "app_name!", o.extl_id AS "org_extl_id!", o.name AS "org_name!", o.kind AS "org_kind!",
 *   k.key_id AS "key_id?", k.prefix AS "prefix?", k.deactivation_date AS "deactivation_date?", k.revoked_at AS "revoked_at?", k.create_at AS "create_at?", k.update_at AS "update_at?",
 *   ca.extl_id AS "create_app_extl_id?", cu.issuer AS "create_user_issuer?", cu.subject AS "create_user_subject?", cu.name AS "create_user_name?",
 *   ua.extl_id AS "update_app_extl_id?", uu.issuer AS "update_user_issuer?", uu.subject AS "update_user_subject?", uu.name AS "update_user_name?"
 * FROM iam.app a
 * JOIN iam.org o ON o.org_id = a.org_id
 * LEFT JOIN iam.app_api_key k ON k.app_id = a.app_id AND (CAST(:includeRevoked! AS boolean) OR k.revoked_at IS NULL)
 * LEFT JOIN iam.app ca ON ca.app_id = k.create_app_id
 * LEFT JOIN iam.user_account cu ON cu.user_id = k.create_user_id
 * LEFT JOIN iam.app ua ON ua.app_id = k.update_app_id
 * LEFT JOIN iam.user_account uu ON uu.user_id = k.update_user_id
 * WHERE CAST(:appId AS bigint) IS NULL OR a.app_id = CAST(:appId AS bigint)
 * ORDER BY o.kind, o.name, a.name, a.app_id, k.create_at, k.key_id
 * ```
 */
export const selectAppKeys = new PreparedQuery<ISelectAppKeysParams,ISelectAppKeysResult>(selectAppKeysIR, 'selectAppKeys');


