/** Types generated for queries found in "src/modules/iam/infra/genesis.sql" */
import { PreparedQuery } from '../../../platform/db/typed-query.js';

export type NumberOrString = number | string;

/** 'NotifyIamChange' parameters type */
export interface INotifyIamChangeParams {
  payload: string;
}

/** 'NotifyIamChange' return type */
export interface INotifyIamChangeResult {
  pg_notify: undefined | null;
}

/** 'NotifyIamChange' query type */
export interface INotifyIamChangeQuery {
  params: INotifyIamChangeParams;
  result: INotifyIamChangeResult;
}

const notifyIamChangeIR: any = {"usedParamSet":{"payload":true},"params":[{"name":"payload","required":true,"transform":{"type":"scalar"},"locs":[{"a":34,"b":42}]}],"statement":"SELECT pg_notify('chompardo_iam', :payload!)"};

/**
 * Query generated from SQL:
 * ```
 * SELECT pg_notify('chompardo_iam', :payload!)
 * ```
 */
export const notifyIamChange = new PreparedQuery<INotifyIamChangeParams,INotifyIamChangeResult>(notifyIamChangeIR, 'notifyIamChange');


/** 'LockGenesis' parameters type */
export type ILockGenesisParams = void;

/** 'LockGenesis' return type */
export interface ILockGenesisResult {
  locked: boolean;
}

/** 'LockGenesis' query type */
export interface ILockGenesisQuery {
  params: ILockGenesisParams;
  result: ILockGenesisResult;
}

const lockGenesisIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT pg_try_advisory_xact_lock(4857254713946632805) AS \"locked!\""};

/**
 * Query generated from SQL:
 * ```
 * SELECT pg_try_advisory_xact_lock(4857254713946632805) AS "locked!"
 * ```
 */
export const lockGenesis = new PreparedQuery<ILockGenesisParams,ILockGenesisResult>(lockGenesisIR, 'lockGenesis');


/** 'InsertGenesis' parameters type */
export interface IInsertGenesisParams {
  actorAppId?: NumberOrString | null | void;
  actorUserId?: NumberOrString | null | void;
  principalAppId: NumberOrString;
  principalOrgId: NumberOrString;
  testAppId: NumberOrString;
  testOrgId: NumberOrString;
  userAppId: NumberOrString;
  userOrgId: NumberOrString;
}

/** 'InsertGenesis' return type */
export type IInsertGenesisResult = void;

/** 'InsertGenesis' query type */
export interface IInsertGenesisQuery {
  params: IInsertGenesisParams;
  result: IInsertGenesisResult;
}

const insertGenesisIR: any = {"usedParamSet":{"principalOrgId":true,"testOrgId":true,"userOrgId":true,"principalAppId":true,"testAppId":true,"userAppId":true,"actorAppId":true,"actorUserId":true},"params":[{"name":"principalOrgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":183,"b":198}]},{"name":"testOrgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":201,"b":211}]},{"name":"userOrgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":214,"b":224}]},{"name":"principalAppId","required":true,"transform":{"type":"scalar"},"locs":[{"a":227,"b":242}]},{"name":"testAppId","required":true,"transform":{"type":"scalar"},"locs":[{"a":245,"b":255}]},{"name":"userAppId","required":true,"transform":{"type":"scalar"},"locs":[{"a":258,"b":268}]},{"name":"actorAppId","required":false,"transform":{"type":"scalar"},"locs":[{"a":276,"b":286},{"a":335,"b":345}]},{"name":"actorUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":305,"b":316},{"a":364,"b":375}]}],"statement":"INSERT INTO iam.genesis (principal_org_id, test_org_id, user_org_id, principal_app_id, test_app_id, user_app_id, create_app_id, create_user_id, update_app_id, update_user_id)\nVALUES (:principalOrgId!, :testOrgId!, :userOrgId!, :principalAppId!, :testAppId!, :userAppId!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))"};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO iam.genesis (principal_org_id, test_org_id, user_org_id, principal_app_id, test_app_id, user_app_id, create_app_id, create_user_id, update_app_id, update_user_id)
 * VALUES (:principalOrgId!, :testOrgId!, :userOrgId!, :principalAppId!, :testAppId!, :userAppId!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
 * ```
 */
export const insertGenesis = new PreparedQuery<IInsertGenesisParams,IInsertGenesisResult>(insertGenesisIR, 'insertGenesis');


/** 'SelectGenesis' parameters type */
export type ISelectGenesisParams = void;

/** 'SelectGenesis' return type */
export interface ISelectGenesisResult {
  principal_app_id: string;
  principal_org_id: string;
  test_app_id: string;
  test_org_id: string;
  user_app_id: string;
  user_org_id: string;
}

/** 'SelectGenesis' query type */
export interface ISelectGenesisQuery {
  params: ISelectGenesisParams;
  result: ISelectGenesisResult;
}

const selectGenesisIR: any = {"usedParamSet":{},"params":[],"statement":"SELECT principal_org_id, test_org_id, user_org_id, principal_app_id, test_app_id, user_app_id FROM iam.genesis"};

/**
 * Query generated from SQL:
 * ```
 * SELECT principal_org_id, test_org_id, user_org_id, principal_app_id, test_app_id, user_app_id FROM iam.genesis
 * ```
 */
export const selectGenesis = new PreparedQuery<ISelectGenesisParams,ISelectGenesisResult>(selectGenesisIR, 'selectGenesis');


