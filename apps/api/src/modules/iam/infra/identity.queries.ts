/** Types generated for queries found in "src/modules/iam/infra/identity.sql" */
import { PreparedQuery } from '../../../platform/db/typed-query.js';

export type NumberOrString = number | string;

/** 'SelectPersonOfUser' parameters type */
export interface ISelectPersonOfUserParams {
  issuer: string;
  subject: string;
}

/** 'SelectPersonOfUser' return type */
export interface ISelectPersonOfUserResult {
  person_extl_id: string;
  person_id: string;
  user_id: string;
}

/** 'SelectPersonOfUser' query type */
export interface ISelectPersonOfUserQuery {
  params: ISelectPersonOfUserParams;
  result: ISelectPersonOfUserResult;
}

const selectPersonOfUserIR: any = {"usedParamSet":{"issuer":true,"subject":true},"params":[{"name":"issuer","required":true,"transform":{"type":"scalar"},"locs":[{"a":180,"b":187}]},{"name":"subject","required":true,"transform":{"type":"scalar"},"locs":[{"a":205,"b":213}]}],"statement":"SELECT u.user_id AS \"user_id!\", u.person_id AS \"person_id!\", p.extl_id AS \"person_extl_id!\"\nFROM iam.user_account u\nJOIN iam.person p ON p.person_id = u.person_id\nWHERE u.issuer = :issuer! AND u.subject = :subject!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT u.user_id AS "user_id!", u.person_id AS "person_id!", p.extl_id AS "person_extl_id!"
 * FROM iam.user_account u
 * JOIN iam.person p ON p.person_id = u.person_id
 * WHERE u.issuer = :issuer! AND u.subject = :subject!
 * ```
 */
export const selectPersonOfUser = new PreparedQuery<ISelectPersonOfUserParams,ISelectPersonOfUserResult>(selectPersonOfUserIR, 'selectPersonOfUser');


/** 'SelectIdentitiesOfPerson' parameters type */
export interface ISelectIdentitiesOfPersonParams {
  personId: NumberOrString;
}

/** 'SelectIdentitiesOfPerson' return type */
export interface ISelectIdentitiesOfPersonResult {
  issuer: string;
  subject: string;
}

/** 'SelectIdentitiesOfPerson' query type */
export interface ISelectIdentitiesOfPersonQuery {
  params: ISelectIdentitiesOfPersonParams;
  result: ISelectIdentitiesOfPersonResult;
}

const selectIdentitiesOfPersonIR: any = {"usedParamSet":{"personId":true},"params":[{"name":"personId","required":true,"transform":{"type":"scalar"},"locs":[{"a":98,"b":107}]}],"statement":"SELECT u.issuer AS \"issuer!\", u.subject AS \"subject!\"\nFROM iam.user_account u\nWHERE u.person_id = :personId!\nORDER BY u.create_at, u.user_id"};

/**
 * Query generated from SQL:
 * ```
 * SELECT u.issuer AS "issuer!", u.subject AS "subject!"
 * FROM iam.user_account u
 * WHERE u.person_id = :personId!
 * ORDER BY u.create_at, u.user_id
 * ```
 */
export const selectIdentitiesOfPerson = new PreparedQuery<ISelectIdentitiesOfPersonParams,ISelectIdentitiesOfPersonResult>(selectIdentitiesOfPersonIR, 'selectIdentitiesOfPerson');


/** 'InsertLinkedUser' parameters type */
export interface IInsertLinkedUserParams {
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

/** 'InsertLinkedUser' return type */
export interface IInsertLinkedUserResult {
  user_id: string;
}

/** 'InsertLinkedUser' query type */
export interface IInsertLinkedUserQuery {
  params: IInsertLinkedUserParams;
  result: IInsertLinkedUserResult;
}

const insertLinkedUserIR: any = {"usedParamSet":{"extlId":true,"personId":true,"issuer":true,"subject":true,"email":true,"name":true,"givenName":true,"familyName":true,"actorUserId":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":175,"b":182}]},{"name":"personId","required":true,"transform":{"type":"scalar"},"locs":[{"a":185,"b":194}]},{"name":"issuer","required":true,"transform":{"type":"scalar"},"locs":[{"a":197,"b":204}]},{"name":"subject","required":true,"transform":{"type":"scalar"},"locs":[{"a":207,"b":215}]},{"name":"email","required":false,"transform":{"type":"scalar"},"locs":[{"a":218,"b":223}]},{"name":"name","required":false,"transform":{"type":"scalar"},"locs":[{"a":226,"b":230}]},{"name":"givenName","required":false,"transform":{"type":"scalar"},"locs":[{"a":233,"b":242}]},{"name":"familyName","required":false,"transform":{"type":"scalar"},"locs":[{"a":245,"b":255}]},{"name":"actorUserId","required":false,"transform":{"type":"scalar"},"locs":[{"a":269,"b":280},{"a":305,"b":316}]}],"statement":"INSERT INTO iam.user_account (extl_id, person_id, issuer, subject, email, name, given_name, family_name, create_app_id, create_user_id, update_app_id, update_user_id)\nVALUES (:extlId!, :personId!, :issuer!, :subject!, :email, :name, :givenName, :familyName, NULL, CAST(:actorUserId AS bigint), NULL, CAST(:actorUserId AS bigint))\nON CONFLICT ON CONSTRAINT user_account_issuer_subject_uk DO NOTHING\nRETURNING user_id"};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO iam.user_account (extl_id, person_id, issuer, subject, email, name, given_name, family_name, create_app_id, create_user_id, update_app_id, update_user_id)
 * VALUES (:extlId!, :personId!, :issuer!, :subject!, :email, :name, :givenName, :familyName, NULL, CAST(:actorUserId AS bigint), NULL, CAST(:actorUserId AS bigint))
 * ON CONFLICT ON CONSTRAINT user_account_issuer_subject_uk DO NOTHING
 * RETURNING user_id
 * ```
 */
export const insertLinkedUser = new PreparedQuery<IInsertLinkedUserParams,IInsertLinkedUserResult>(insertLinkedUserIR, 'insertLinkedUser');


/** 'LockPerson' parameters type */
export interface ILockPersonParams {
  personId: NumberOrString;
}

/** 'LockPerson' return type */
export interface ILockPersonResult {
  person_id: string;
}

/** 'LockPerson' query type */
export interface ILockPersonQuery {
  params: ILockPersonParams;
  result: ILockPersonResult;
}

const lockPersonIR: any = {"usedParamSet":{"personId":true},"params":[{"name":"personId","required":true,"transform":{"type":"scalar"},"locs":[{"a":73,"b":82}]}],"statement":"SELECT p.person_id AS \"person_id!\"\nFROM iam.person p\nWHERE p.person_id = :personId!\nFOR UPDATE"};

/**
 * Query generated from SQL:
 * ```
 * SELECT p.person_id AS "person_id!"
 * FROM iam.person p
 * WHERE p.person_id = :personId!
 * FOR UPDATE
 * ```
 */
export const lockPerson = new PreparedQuery<ILockPersonParams,ILockPersonResult>(lockPersonIR, 'lockPerson');


