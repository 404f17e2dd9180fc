/** Types generated for queries found in "src/modules/movie/infra/movie.sql" */
import { PreparedQuery } from '../../../platform/db/typed-query.js';

export type DateOrString = Date | string;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type NumberOrString = number | string;

/** 'InsertMovie' parameters type */
export interface IInsertMovieParams {
  appExtlId: string;
  director: string;
  extlId: string;
  orgId: NumberOrString;
  rated: string;
  releaseDate: DateOrString;
  runTime: number;
  title: string;
  userFirstName?: string | null | void;
  userLastName?: string | null | void;
  writer: string;
}

/** 'InsertMovie' return type */
export interface IInsertMovieResult {
  create_app_extl_id: string;
  create_at: string;
  create_user_first_name: string | null;
  create_user_last_name: string | null;
  director: string;
  extl_id: string;
  rated: string;
  release_date: string;
  run_time: number;
  sort_key: string;
  title: string;
  update_app_extl_id: string;
  update_at: string;
  update_user_first_name: string | null;
  update_user_last_name: string | null;
  version: number;
  writer: string;
}

/** 'InsertMovie' query type */
export interface IInsertMovieQuery {
  params: IInsertMovieParams;
  result: IInsertMovieResult;
}

const insertMovieIR: any = {"usedParamSet":{"extlId":true,"orgId":true,"title":true,"rated":true,"releaseDate":true,"runTime":true,"director":true,"writer":true,"appExtlId":true,"userFirstName":true,"userLastName":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":250,"b":257}]},{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":265,"b":271}]},{"name":"title","required":true,"transform":{"type":"scalar"},"locs":[{"a":285,"b":291}]},{"name":"rated","required":true,"transform":{"type":"scalar"},"locs":[{"a":294,"b":300}]},{"name":"releaseDate","required":true,"transform":{"type":"scalar"},"locs":[{"a":308,"b":320}]},{"name":"runTime","required":true,"transform":{"type":"scalar"},"locs":[{"a":332,"b":340}]},{"name":"director","required":true,"transform":{"type":"scalar"},"locs":[{"a":343,"b":352}]},{"name":"writer","required":true,"transform":{"type":"scalar"},"locs":[{"a":355,"b":362}]},{"name":"appExtlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":368,"b":378},{"a":415,"b":425}]},{"name":"userFirstName","required":false,"transform":{"type":"scalar"},"locs":[{"a":381,"b":394},{"a":428,"b":441}]},{"name":"userLastName","required":false,"transform":{"type":"scalar"},"locs":[{"a":397,"b":409},{"a":444,"b":456}]}],"statement":"INSERT INTO movie.movie\n  (extl_id, org_id, title, rated, release_date, run_time, director, writer,\n   create_app_extl_id, create_user_first_name, create_user_last_name,\n   update_app_extl_id, update_user_first_name, update_user_last_name)\nVALUES\n  (:extlId!, CAST(:orgId! AS bigint), :title!, :rated!, CAST(:releaseDate! AS date), :runTime!, :director!, :writer!,\n   :appExtlId!, :userFirstName, :userLastName,\n   :appExtlId!, :userFirstName, :userLastName)\nRETURNING extl_id, title, rated, to_char(release_date, 'YYYY-MM-DD') AS \"release_date!\", run_time, director, writer, version,\n  create_app_extl_id, create_user_first_name, create_user_last_name,\n  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS \"create_at!\",\n  update_app_extl_id, update_user_first_name, update_user_last_name,\n  to_char(update_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS \"update_at!\",\n  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\""};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO movie.movie
 *   (extl_id, org_id, title, rated, release_date, run_time, director, writer,
 *    create_app_extl_id, create_user_first_name, create_user_last_name,
 *    update_app_extl_id, update_user_first_name, update_user_last_name)
 * VALUES
 *   (:extlId!, CAST(:orgId! AS bigint), :title!, :rated!, CAST(:releaseDate! AS date), :runTime!, :director!, :writer!,
 *    :appExtlId!, :userFirstName, :userLastName,
 *    :appExtlId!, :userFirstName, :userLastName)
 * RETURNING extl_id, title, rated, to_char(release_date, 'YYYY-MM-DD') AS "release_date!", run_time, director, writer, version,
 *   create_app_extl_id, create_user_first_name, create_user_last_name,
 *   to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "create_at!",
 *   update_app_extl_id, update_user_first_name, update_user_last_name,
 *   to_char(update_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "update_at!",
 *   to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
 * ```
 */
export const insertMovie = new PreparedQuery<IInsertMovieParams,IInsertMovieResult>(insertMovieIR, 'insertMovie');


/** 'SelectMovieByExtlId' parameters type */
export interface ISelectMovieByExtlIdParams {
  extlId: string;
  orgId: NumberOrString;
}

/** 'SelectMovieByExtlId' return type */
export interface ISelectMovieByExtlIdResult {
  create_app_extl_id: string;
  create_at: string;
  create_user_first_name: string | null;
  create_user_last_name: string | null;
  director: string;
  extl_id: string;
  rated: string;
  release_date: string;
  run_time: number;
  sort_key: string;
  title: string;
  update_app_extl_id: string;
  update_at: string;
  update_user_first_name: string | null;
  update_user_last_name: string | null;
  version: number;
  writer: string;
}

/** 'SelectMovieByExtlId' query type */
export interface ISelectMovieByExtlIdQuery {
  params: ISelectMovieByExtlIdParams;
  result: ISelectMovieByExtlIdResult;
}

const selectMovieByExtlIdIR: any = {"usedParamSet":{"extlId":true,"orgId":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":562,"b":569}]},{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":591,"b":597}]}],"statement":"SELECT extl_id, title, rated, to_char(release_date, 'YYYY-MM-DD') AS \"release_date!\", run_time, director, writer, version,\n  create_app_extl_id, create_user_first_name, create_user_last_name,\n  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS \"create_at!\",\n  update_app_extl_id, update_user_first_name, update_user_last_name,\n  to_char(update_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS \"update_at!\",\n  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\"\nFROM movie.movie\nWHERE extl_id = :extlId!\n  AND org_id = CAST(:orgId! AS bigint)"};

/**
 * Query generated from SQL:
 * ```
 * SELECT extl_id, title, rated, to_char(release_date, 'YYYY-MM-DD') AS "release_date!", run_time, director, writer, version,
 *   create_app_extl_id, create_user_first_name, create_user_last_name,
 *   to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "create_at!",
 *   update_app_extl_id, update_user_first_name, update_user_last_name,
 *   to_char(update_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "update_at!",
 *   to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
 * FROM movie.movie
 * WHERE extl_id = :extlId!
 *   AND org_id = CAST(:orgId! AS bigint)
 * ```
 */
export const selectMovieByExtlId = new PreparedQuery<ISelectMovieByExtlIdParams,ISelectMovieByExtlIdResult>(selectMovieByExtlIdIR, 'selectMovieByExtlId');


/** 'SelectMoviesByOrg' parameters type */
export interface ISelectMoviesByOrgParams {
  afterCreateAt?: DateOrString | null | void;
  afterExtlId?: string | null | void;
  director?: string | null | void;
  limit: NumberOrString;
  orgId: NumberOrString;
  releasedFrom?: DateOrString | null | void;
  releasedTo?: DateOrString | null | void;
  titleContains?: string | null | void;
}

/** 'SelectMoviesByOrg' return type */
export interface ISelectMoviesByOrgResult {
  create_app_extl_id: string;
  create_at: string;
  create_user_first_name: string | null;
  create_user_last_name: string | null;
  director: string;
  extl_id: string;
  rated: string;
  release_date: string;
  run_time: number;
  sort_key: string;
  title: string;
  update_app_extl_id: string;
  update_at: string;
  update_user_first_name: string | null;
  update_user_last_name: string | null;
  version: number;
  writer: string;
}

/** 'SelectMoviesByOrg' query type */
export interface ISelectMoviesByOrgQuery {
  params: ISelectMoviesByOrgParams;
  result: ISelectMoviesByOrgResult;
}

const selectMoviesByOrgIR: any = {"usedParamSet":{"orgId":true,"titleContains":true,"director":true,"releasedFrom":true,"releasedTo":true,"afterCreateAt":true,"afterExtlId":true,"limit":true},"params":[{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":566,"b":572}]},{"name":"titleContains","required":false,"transform":{"type":"scalar"},"locs":[{"a":597,"b":610},{"a":664,"b":677}]},{"name":"director","required":false,"transform":{"type":"scalar"},"locs":[{"a":707,"b":715},{"a":766,"b":774}]},{"name":"releasedFrom","required":false,"transform":{"type":"scalar"},"locs":[{"a":799,"b":811},{"a":854,"b":866}]},{"name":"releasedTo","required":false,"transform":{"type":"scalar"},"locs":[{"a":890,"b":900},{"a":943,"b":953}]},{"name":"afterCreateAt","required":false,"transform":{"type":"scalar"},"locs":[{"a":1209,"b":1222}]},{"name":"afterExtlId","required":false,"transform":{"type":"scalar"},"locs":[{"a":1281,"b":1292}]},{"name":"limit","required":true,"transform":{"type":"scalar"},"locs":[{"a":1353,"b":1359}]}],"statement":"SELECT extl_id, title, rated, to_char(release_date, 'YYYY-MM-DD') AS \"release_date!\", run_time, director, writer, version,\n  create_app_extl_id, create_user_first_name, create_user_last_name,\n  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS \"create_at!\",\n  update_app_extl_id, update_user_first_name, update_user_last_name,\n  to_char(update_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS \"update_at!\",\n  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\"\nFROM movie.movie\nWHERE org_id = CAST(:orgId! AS bigint)\n  AND (CAST(:titleContains AS text) IS NULL OR strpos(lower(title), lower(CAST(:titleContains AS text))) > 0)\n  AND (CAST(:director AS text) IS NULL OR lower(director) = lower(CAST(:director AS text)))\n  AND (CAST(:releasedFrom AS date) IS NULL OR release_date >= CAST(:releasedFrom AS date))\n  AND (CAST(:releasedTo AS date) IS NULL OR release_date <= CAST(:releasedTo AS date))\n  -- One index-usable keyset condition (first page: before 'infinity'), so the prepared statement's\n  -- generic plan walks movie_org_create_ix and stops after :limit rows instead of sorting the org.\n  AND (create_at, extl_id) < (COALESCE(CAST(:afterCreateAt AS timestamptz), 'infinity'::timestamptz), COALESCE(CAST(:afterExtlId AS text), ''))\nORDER BY create_at DESC, extl_id DESC\nLIMIT :limit!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT extl_id, title, rated, to_char(release_date, 'YYYY-MM-DD') AS "release_date!", run_time, director, writer, version,
 *   create_app_extl_id, create_user_first_name, create_user_last_name,
 *   to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "create_at!",
 *   update_app_extl_id, update_user_first_name, update_user_last_name,
 *   to_char(update_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "update_at!",
 *   to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
 * FROM movie.movie
 * WHERE org_id = CAST(:orgId! AS bigint)
 *   AND (CAST(:titleContains AS text) IS NULL OR strpos(lower(title), lower(CAST(:titleContains AS text))) > 0)
 *   AND (CAST(:director AS text) IS NULL OR lower(director) = lower(CAST(:director AS text)))
 *   AND (CAST(:releasedFrom AS date) IS NULL OR release_date >= CAST(:releasedFrom AS date))
 *   AND (CAST(:releasedTo AS date) IS NULL OR release_date <= CAST(:releasedTo AS date))
 *   -- One index-usable keyset condition (first page: before 'infinity'), so the prepared statement's
 *   -- generic plan walks movie_org_create_ix and stops after :limit rows instead of sorting the org.
 *   AND (create_at, extl_id) < (COALESCE(CAST(:afterCreateAt AS timestamptz), 'infinity'::timestamptz), COALESCE(CAST(:afterExtlId AS text), ''))
 * ORDER BY create_at DESC, extl_id DESC
 * LIMIT :limit!
 * ```
 */
export const selectMoviesByOrg = new PreparedQuery<ISelectMoviesByOrgParams,ISelectMoviesByOrgResult>(selectMoviesByOrgIR, 'selectMoviesByOrg');


/** 'SelectMoviesPageByOrg' parameters type */
export interface ISelectMoviesPageByOrgParams {
  afterCreateAt?: DateOrString | null | void;
  afterExtlId?: string | null | void;
  limit: NumberOrString;
  orgId: NumberOrString;
}

/** 'SelectMoviesPageByOrg' return type */
export interface ISelectMoviesPageByOrgResult {
  create_app_extl_id: string;
  create_at: string;
  create_user_first_name: string | null;
  create_user_last_name: string | null;
  director: string;
  extl_id: string;
  rated: string;
  release_date: string;
  run_time: number;
  sort_key: string;
  title: string;
  update_app_extl_id: string;
  update_at: string;
  update_user_first_name: string | null;
  update_user_last_name: string | null;
  version: number;
  writer: string;
}

/** 'SelectMoviesPageByOrg' query type */
export interface ISelectMoviesPageByOrgQuery {
  params: ISelectMoviesPageByOrgParams;
  result: ISelectMoviesPageByOrgResult;
}

const selectMoviesPageByOrgIR: any = {"usedParamSet":{"orgId":true,"afterCreateAt":true,"afterExtlId":true,"limit":true},"params":[{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":566,"b":572}]},{"name":"afterCreateAt","required":false,"transform":{"type":"scalar"},"locs":[{"a":1003,"b":1016}]},{"name":"afterExtlId","required":false,"transform":{"type":"scalar"},"locs":[{"a":1075,"b":1086}]},{"name":"limit","required":true,"transform":{"type":"scalar"},"locs":[{"a":1147,"b":1153}]}],"statement":"SELECT extl_id, title, rated, to_char(release_date, 'YYYY-MM-DD') AS \"release_date!\", run_time, director, writer, version,\n  create_app_extl_id, create_user_first_name, create_user_last_name,\n  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS \"create_at!\",\n  update_app_extl_id, update_user_first_name, update_user_last_name,\n  to_char(update_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS \"update_at!\",\n  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\"\nFROM movie.movie\nWHERE org_id = CAST(:orgId! AS bigint)\n  -- The unfiltered list (the common case) has its own statement: with no optional filters the\n  -- generic plan is an index scan in list order that stops after :limit rows.\n  -- One index-usable keyset condition (first page: before 'infinity'), so the prepared statement's\n  -- generic plan walks movie_org_create_ix and stops after :limit rows instead of sorting the org.\n  AND (create_at, extl_id) < (COALESCE(CAST(:afterCreateAt AS timestamptz), 'infinity'::timestamptz), COALESCE(CAST(:afterExtlId AS text), ''))\nORDER BY create_at DESC, extl_id DESC\nLIMIT :limit!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT extl_id, title, rated, to_char(release_date, 'YYYY-MM-DD') AS "release_date!", run_time, director, writer, version,
 *   create_app_extl_id, create_user_first_name, create_user_last_name,
 *   to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "create_at!",
 *   update_app_extl_id, update_user_first_name, update_user_last_name,
 *   to_char(update_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "update_at!",
 *   to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
 * FROM movie.movie
 * WHERE org_id = CAST(:orgId! AS bigint)
 *   -- The unfiltered list (the common case) has its own statement: with no optional filters the
 *   -- generic plan is an index scan in list order that stops after :limit rows.
 *   -- One index-usable keyset condition (first page: before 'infinity'), so the prepared statement's
 *   -- generic plan walks movie_org_create_ix and stops after :limit rows instead of sorting the org.
 *   AND (create_at, extl_id) < (COALESCE(CAST(:afterCreateAt AS timestamptz), 'infinity'::timestamptz), COALESCE(CAST(:afterExtlId AS text), ''))
 * ORDER BY create_at DESC, extl_id DESC
 * LIMIT :limit!
 * ```
 */
export const selectMoviesPageByOrg = new PreparedQuery<ISelectMoviesPageByOrgParams,ISelectMoviesPageByOrgResult>(selectMoviesPageByOrgIR, 'selectMoviesPageByOrg');


/** 'UpdateMovie' parameters type */
export interface IUpdateMovieParams {
  appExtlId: string;
  director: string;
  expectedVersions?: Json | null | void;
  extlId: string;
  orgId: NumberOrString;
  rated: string;
  releaseDate: DateOrString;
  runTime: number;
  title: string;
  userFirstName?: string | null | void;
  userLastName?: string | null | void;
  writer: string;
}

/** 'UpdateMovie' return type */
export interface IUpdateMovieResult {
  create_app_extl_id: string;
  create_at: string;
  create_user_first_name: string | null;
  create_user_last_name: string | null;
  director: string;
  extl_id: string;
  rated: string;
  release_date: string;
  run_time: number;
  sort_key: string;
  title: string;
  update_app_extl_id: string;
  update_at: string;
  update_user_first_name: string | null;
  update_user_last_name: string | null;
  version: number;
  writer: string;
}

/** 'UpdateMovie' query type */
export interface IUpdateMovieQuery {
  params: IUpdateMovieParams;
  result: IUpdateMovieResult;
}

const updateMovieIR: any = {"usedParamSet":{"title":true,"rated":true,"releaseDate":true,"runTime":true,"director":true,"writer":true,"appExtlId":true,"userFirstName":true,"userLastName":true,"extlId":true,"orgId":true,"expectedVersions":true},"params":[{"name":"title","required":true,"transform":{"type":"scalar"},"locs":[{"a":31,"b":37}]},{"name":"rated","required":true,"transform":{"type":"scalar"},"locs":[{"a":48,"b":54}]},{"name":"releaseDate","required":true,"transform":{"type":"scalar"},"locs":[{"a":77,"b":89}]},{"name":"runTime","required":true,"transform":{"type":"scalar"},"locs":[{"a":112,"b":120}]},{"name":"director","required":true,"transform":{"type":"scalar"},"locs":[{"a":138,"b":147}]},{"name":"writer","required":true,"transform":{"type":"scalar"},"locs":[{"a":159,"b":166}]},{"name":"appExtlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":217,"b":227}]},{"name":"userFirstName","required":false,"transform":{"type":"scalar"},"locs":[{"a":255,"b":268}]},{"name":"userLastName","required":false,"transform":{"type":"scalar"},"locs":[{"a":295,"b":307}]},{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":360,"b":367}]},{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":389,"b":395}]},{"name":"expectedVersions","required":false,"transform":{"type":"scalar"},"locs":[{"a":420,"b":436},{"a":464,"b":480}]}],"statement":"UPDATE movie.movie\nSET title = :title!, rated = :rated!, release_date = CAST(:releaseDate! AS date), run_time = :runTime!,\n    director = :director!, writer = :writer!, version = version + 1,\n    update_app_extl_id = :appExtlId!, update_user_first_name = :userFirstName, update_user_last_name = :userLastName,\n    update_at = clock_timestamp()\nWHERE extl_id = :extlId!\n  AND org_id = CAST(:orgId! AS bigint)\n  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))\nRETURNING extl_id, title, rated, to_char(release_date, 'YYYY-MM-DD') AS \"release_date!\", run_time, director, writer, version,\n  create_app_extl_id, create_user_first_name, create_user_last_name,\n  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS \"create_at!\",\n  update_app_extl_id, update_user_first_name, update_user_last_name,\n  to_char(update_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS \"update_at!\",\n  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\""};

/**
 * Query generated from SQL:
 * ```
 * UPDATE movie.movie
 * SET title = :title!, rated = :rated!, release_date = CAST(:releaseDate! AS date), run_time = :runTime!,
 *     director = :director!, writer = :writer!, version = version + 1,
 *     update_app_extl_id = :appExtlId!, update_user_first_name = :userFirstName, update_user_last_name = :userLastName,
 *     update_at = clock_timestamp()
 * WHERE extl_id = :extlId!
 *   AND org_id = CAST(:orgId! AS bigint)
 *   AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
 * RETURNING extl_id, title, rated, to_char(release_date, 'YYYY-MM-DD') AS "release_date!", run_time, director, writer, version,
 *   create_app_extl_id, create_user_first_name, create_user_last_name,
 *   to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "create_at!",
 *   update_app_extl_id, update_user_first_name, update_user_last_name,
 *   to_char(update_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "update_at!",
 *   to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
 * ```
 */
export const updateMovie = new PreparedQuery<IUpdateMovieParams,IUpdateMovieResult>(updateMovieIR, 'updateMovie');


/** 'DeleteMovie' parameters type */
export interface IDeleteMovieParams {
  expectedVersions?: Json | null | void;
  extlId: string;
  orgId: NumberOrString;
}

/** 'DeleteMovie' return type */
export interface IDeleteMovieResult {
  extl_id: string;
}

/** 'DeleteMovie' query type */
export interface IDeleteMovieQuery {
  params: IDeleteMovieParams;
  result: IDeleteMovieResult;
}

const deleteMovieIR: any = {"usedParamSet":{"extlId":true,"orgId":true,"expectedVersions":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":40,"b":47}]},{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":69,"b":75}]},{"name":"expectedVersions","required":false,"transform":{"type":"scalar"},"locs":[{"a":100,"b":116},{"a":144,"b":160}]}],"statement":"DELETE FROM movie.movie\nWHERE extl_id = :extlId!\n  AND org_id = CAST(:orgId! AS bigint)\n  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))\nRETURNING extl_id"};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM movie.movie
 * WHERE extl_id = :extlId!
 *   AND org_id = CAST(:orgId! AS bigint)
 *   AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
 * RETURNING extl_id
 * ```
 */
export const deleteMovie = new PreparedQuery<IDeleteMovieParams,IDeleteMovieResult>(deleteMovieIR, 'deleteMovie');


/** 'SelectMovieVersionInOrg' parameters type */
export interface ISelectMovieVersionInOrgParams {
  extlId: string;
  orgId: NumberOrString;
}

/** 'SelectMovieVersionInOrg' return type */
export interface ISelectMovieVersionInOrgResult {
  version: number;
}

/** 'SelectMovieVersionInOrg' query type */
export interface ISelectMovieVersionInOrgQuery {
  params: ISelectMovieVersionInOrgParams;
  result: ISelectMovieVersionInOrgResult;
}

const selectMovieVersionInOrgIR: any = {"usedParamSet":{"extlId":true,"orgId":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":48,"b":55}]},{"name":"orgId","required":true,"transform":{"type":"scalar"},"locs":[{"a":77,"b":83}]}],"statement":"SELECT version\nFROM movie.movie\nWHERE extl_id = :extlId!\n  AND org_id = CAST(:orgId! AS bigint)"};

/**
 * Query generated from SQL:
 * ```
 * SELECT version
 * FROM movie.movie
 * WHERE extl_id = :extlId!
 *   AND org_id = CAST(:orgId! AS bigint)
 * ```
 */
export const selectMovieVersionInOrg = new PreparedQuery<ISelectMovieVersionInOrgParams,ISelectMovieVersionInOrgResult>(selectMovieVersionInOrgIR, 'selectMovieVersionInOrg');


