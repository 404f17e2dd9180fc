/** Types generated for queries found in "src/modules/iam/infra/user.sql" */
import { PreparedQuery } from '../../../platform/db/typed-query.js';

export type NumberOrString = number | string;

/** 'InsertPerson' parameters type */
export interface IInsertPersonParams {
  actorAppId?: NumberOrString | null | void;
  actorUserId?: NumberOrString | null | void;
  extlId: string;
}

/** 'InsertPerson' return type */
export interface IInsertPersonResult {
  person_id: string;
}

/** 'InsertPerson' query type */
export interface IInsertPersonQuery {
  params: IInsertPersonParams;
  result: IInsertPersonResult;
}

const insertPersonIR: any = {"usedParamSet":{"extlId":true,"actorAppId":true,"actorUserId":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":103,"b":110}]},{"name":"actorAppId","required":false,"transform":{"type":"scalar"},"locs":[{"a":118,"b":128},{"a":177,"b":187}]},{"name":"actorUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":147,"b":158},{"a":206,"b":217}]}],"statement":"INSERT INTO iam.person (extl_id, create_app_id, create_user_id, update_app_id, update_user_id)\nVALUES (:extlId!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))\nRETURNING person_id"};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO iam.person (extl_id, create_app_id, create_user_id, update_app_id, update_user_id)
 * VALUES (:extlId!, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
 * RETURNING person_id
 * ```
 */
export const insertPerson = new PreparedQuery<IInsertPersonParams,IInsertPersonResult>(insertPersonIR, 'insertPerson');


/** 'InsertUser' parameters type */
export interface IInsertUserParams {
  actorAppId?: NumberOrString | null | void;
  actorUserId?: NumberOrString | null | void;
  email?: string | null | void;
  extlId: string;
  familyName?: string | null | void;
  givenName?: string | null | void;
  issuer: string;
  name?: string | null | void;
  personId: NumberOrString;
  subject: string;
}

/** 'InsertUser' return type */
export interface IInsertUserResult {
  user_id: string;
}

/** 'InsertUser' query type */
export interface IInsertUserQuery {
  params: IInsertUserParams;
  result: IInsertUserResult;
}

const insertUserIR: any = {"usedParamSet":{"extlId":true,"personId":true,"issuer":true,"subject":true,"email":true,"name":true,"givenName":true,"familyName":true,"actorAppId":true,"actorUserId":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":175,"b":182}]},{"name":"personId","required":true,"transform":{"type":"scalar"},"locs":[{"a":185,"b":194}]},{"name":"issuer","required":true,"transform":{"type":"scalar"},"locs":[{"a":197,"b":204}]},{"name":"subject","required":true,"transform":{"type":"scalar"},"locs":[{"a":207,"b":215}]},{"name":"email","required":false,"transform":{"type":"scalar"},"locs":[{"a":218,"b":223}]},{"name":"name","required":false,"transform":{"type":"scalar"},"locs":[{"a":226,"b":230}]},{"name":"givenName","required":false,"transform":{"type":"scalar"},"locs":[{"a":233,"b":242}]},{"name":"familyName","required":false,"transform":{"type":"scalar"},"locs":[{"a":245,"b":255}]},{"name":"actorAppId","required":false,"transform":{"type":"scalar"},"locs":[{"a":263,"b":273},{"a":322,"b":332}]},{"name":"actorUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":292,"b":303},{"a":351,"b":362}]}],"statement":"INSERT INTO iam.user_account (extl_id, person_id, issuer, subject, email, name, given_name, family_name, create_app_id, create_user_id, update_app_id, update_user_id)\nVALUES (:extlId!, :personId!, :issuer!, :subject!, :email, :name, :givenName, :familyName, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))\nON CONFLICT ON CONSTRAINT user_account_issuer_subject_uk DO NOTHING\nRETURNING user_id"};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO iam.user_account (extl_id, person_id, issuer, subject, email, name, given_name, family_name, create_app_id, create_user_id, update_app_id, update_user_id)
 * VALUES (:extlId!, :personId!, :issuer!, :subject!, :email, :name, :givenName, :familyName, CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint), CAST(:actorAppId AS bigint), CAST(:actorUserId AS bigint))
 * ON CONFLICT ON CONSTRAINT user_account_issuer_subject_uk DO NOTHING
 * RETURNING user_id
 * ```
 */
export const insertUser = new PreparedQuery<IInsertUserParams,IInsertUserResult>(insertUserIR, 'insertUser');


/** 'SelectUserByIssuerSubject' parameters type */
export interface ISelectUserByIssuerSubjectParams {
  issuer: string;
  subject: string;
}

/** 'SelectUserByIssuerSubject' return type */
export interface ISelectUserByIssuerSubjectResult {
  create_at: Date;
  email: string | null;
  extl_id: string;
  family_name: string | null;
  given_name: string | null;
  issuer: string;
  name: string | null;
  subject: string;
  update_at: Date;
  user_id: string;
}

/** 'SelectUserByIssuerSubject' query type */
export interface ISelectUserByIssuerSubjectQuery {
  params: ISelectUserByIssuerSubjectParams;
  result: ISelectUserByIssuerSubjectResult;
}

const selectUserByIssuerSubjectIR: any = {"usedParamSet":{"issuer":true,"subject":true},"params":[{"name":"issuer","required":true,"transform":{"type":"scalar"},"locs":[{"a":251,"b":258}]},{"name":"subject","required":true,"transform":{"type":"scalar"},"locs":[{"a":276,"b":284}]}],"statement":"SELECT t.user_id AS \"user_id!\", t.extl_id AS \"extl_id!\", t.issuer AS \"issuer!\", t.subject AS \"subject!\", t.email, t.name, t.given_name, t.family_name,\n  t.create_at AS \"create_at!\", t.update_at AS \"update_at!\"\nFROM iam.user_account t\nWHERE t.issuer = :issuer! AND t.subject = :subject!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT t.user_id AS "user_id!", t.extl_id AS "extl_id!", t.issuer AS "issuer!", t.subject AS "subject!", t.email, t.name, t.given_name, t.family_name,
 *   t.create_at AS "create_at!", t.update_at AS "update_at!"
 * FROM iam.user_account t
 * WHERE t.issuer = :issuer! AND t.subject = :subject!
 * ```
 */
export const selectUserByIssuerSubject = new PreparedQuery<ISelectUserByIssuerSubjectParams,ISelectUserByIssuerSubjectResult>(selectUserByIssuerSubjectIR, 'selectUserByIssuerSubject');


/** 'SelectUserByExtlId' parameters type */
export interface ISelectUserByExtlIdParams {
  extlId: string;
}

/** 'SelectUserByExtlId' return type */
export interface ISelectUserByExtlIdResult {
  create_at: Date;
  email: string | null;
  extl_id: string;
  family_name: string | null;
  given_name: string | null;
  issuer: string;
  name: string | null;
  subject: string;
  update_at: Date;
  user_id: string;
}

/** 'SelectUserByExtlId' query type */
export interface ISelectUserByExtlIdQuery {
  params: ISelectUserByExtlIdParams;
  result: ISelectUserByExtlIdResult;
}

const selectUserByExtlIdIR: any = {"usedParamSet":{"extlId":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":252,"b":259}]}],"statement":"SELECT t.user_id AS \"user_id!\", t.extl_id AS \"extl_id!\", t.issuer AS \"issuer!\", t.subject AS \"subject!\", t.email, t.name, t.given_name, t.family_name,\n  t.create_at AS \"create_at!\", t.update_at AS \"update_at!\"\nFROM iam.user_account t\nWHERE t.extl_id = :extlId!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT t.user_id AS "user_id!", t.extl_id AS "extl_id!", t.issuer AS "issuer!", t.subject AS "subject!", t.email, t.name, t.given_name, t.family_name,
 *   t.create_at AS "create_at!", t.update_at AS "update_at!"
 * FROM iam.user_account t
 * WHERE t.extl_id = :extlId!
 * ```
 */
export const selectUserByExtlId = new PreparedQuery<ISelectUserByExtlIdParams,ISelectUserByExtlIdResult>(selectUserByExtlIdIR, 'selectUserByExtlId');


/** 'UpdateUserProfile' parameters type */
export interface IUpdateUserProfileParams {
  actorAppId?: NumberOrString | null | void;
  actorUserId?: NumberOrString | null | void;
  email?: string | null | void;
  familyName?: string | null | void;
  givenName?: string | null | void;
  name?: string | null | void;
  userId: NumberOrString;
}

/** 'UpdateUserProfile' return type */
export type IUpdateUserProfileResult = void;

/** 'UpdateUserProfile' query type */
export interface IUpdateUserProfileQuery {
  params: IUpdateUserProfileParams;
  result: IUpdateUserProfileResult;
}

const updateUserProfileIR: any = {"usedParamSet":{"email":true,"name":true,"givenName":true,"familyName":true,"actorAppId":true,"actorUserId":true,"userId":true},"params":[{"name":"email","required":false,"transform":{"type":"scalar"},"locs":[{"a":36,"b":41},{"a":287,"b":292}]},{"name":"name","required":false,"transform":{"type":"scalar"},"locs":[{"a":51,"b":55},{"a":319,"b":323}]},{"name":"givenName","required":false,"transform":{"type":"scalar"},"locs":[{"a":71,"b":80},{"a":363,"b":372}]},{"name":"familyName","required":false,"transform":{"type":"scalar"},"locs":[{"a":97,"b":107},{"a":406,"b":416}]},{"name":"actorAppId","required":false,"transform":{"type":"scalar"},"locs":[{"a":131,"b":141}]},{"name":"actorUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":177,"b":188}]},{"name":"userId","required":true,"transform":{"type":"scalar"},"locs":[{"a":248,"b":255}]}],"statement":"UPDATE iam.user_account\nSET email = :email, name = :name, given_name = :givenName, family_name = :familyName, update_app_id = CAST(:actorAppId AS bigint), update_user_id = CAST(:actorUserId AS bigint), update_at = clock_timestamp()\nWHERE user_id = :userId!\n  AND (email IS DISTINCT FROM :email OR name IS DISTINCT FROM :name\n       OR given_name IS DISTINCT FROM :givenName OR family_name IS DISTINCT FROM :familyName)"};

/**
 * Query generated from SQL:
 * ```
 * UPDATE iam.user_account
 * SET email = :email, name = :name, given_name = :givenName, family_name = :familyName, update_app_id = CAST(:actorAppId AS bigint), update_user_id = CAST(:actorUserId AS bigint), update_at = clock_timestamp()
 * WHERE user_id = :userId!
 *   AND (email IS DISTINCT FROM :email OR name IS DISTINCT FROM :name
 *        OR given_name IS DISTINCT FROM :givenName OR family_name IS DISTINCT FROM :familyName)
 * ```
 */
export const updateUserProfile = new PreparedQuery<IUpdateUserProfileParams,IUpdateUserProfileResult>(updateUserProfileIR, 'updateUserProfile');


