/** Types generated for queries found in "src/modules/movie/infra/org-movies.sql" */
import { PreparedQuery } from '../../../platform/db/typed-query.js';

export type NumberOrString = number | string;

/** 'DeleteMoviesOfOrg' parameters type */
export interface IDeleteMoviesOfOrgParams {
  orgId: NumberOrString;
}

/** 'DeleteMoviesOfOrg' return type */
export type IDeleteMoviesOfOrgResult = void;

/** 'DeleteMoviesOfOrg' query type */
export interface IDeleteMoviesOfOrgQuery {
  params: IDeleteMoviesOfOrgParams;
  result: IDeleteMoviesOfOrgResult;
}

const deleteMoviesOfOrgIR: any = {"usedParamSet":{"orgId":true},"params":[{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":44,"b":50}]}],"statement":"DELETE FROM movie.movie\nWHERE org_id = CAST(:orgId! AS bigint)"};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM movie.movie
 * WHERE org_id = CAST(:orgId! AS bigint)
 * ```
 */
export const deleteMoviesOfOrg = new PreparedQuery<IDeleteMoviesOfOrgParams,IDeleteMoviesOfOrgResult>(deleteMoviesOfOrgIR, 'deleteMoviesOfOrg');


