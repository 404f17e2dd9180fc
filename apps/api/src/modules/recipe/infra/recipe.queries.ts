/** Types generated for queries found in "src/modules/recipe/infra/recipe.sql" */
import { PreparedQuery } from '../../../platform/db/typed-query.js';

export type DateOrString = Date | string;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type NumberOrString = number | string;

/** 'InsertRecipe' parameters type */
export interface IInsertRecipeParams {
  cookMinutes: number;
  description: string;
  extlId: string;
  ingredients: Json;
  ownerIssuer: string;
  ownerSubject: string;
  prepMinutes: number;
  servings: number;
  steps: Json;
  tags: Json;
  title: string;
  visibility: string;
}

/** 'InsertRecipe' return type */
export interface IInsertRecipeResult {
  cook_minutes: number;
  created_at: Date;
  description: string;
  extl_id: string;
  ingredients: Json;
  owner_issuer: string;
  owner_subject: string;
  prep_minutes: number;
  servings: number;
  sort_key: string;
  steps: Json;
  tags: Json;
  title: string;
  updated_at: Date;
  version: number;
  visibility: string;
}

/** 'InsertRecipe' query type */
export interface IInsertRecipeQuery {
  params: IInsertRecipeParams;
  result: IInsertRecipeResult;
}

const insertRecipeIR: any = {"usedParamSet":{"extlId":true,"ownerIssuer":true,"ownerSubject":true,"title":true,"description":true,"servings":true,"prepMinutes":true,"cookMinutes":true,"ingredients":true,"steps":true,"tags":true,"visibility":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":176,"b":183}]},{"name":"ownerIssuer","required":true,"transform":{"type":"scalar"},"locs":[{"a":186,"b":198}]},{"name":"ownerSubject","required":true,"transform":{"type":"scalar"},"locs":[{"a":201,"b":214}]},{"name":"title","required":true,"transform":{"type":"scalar"},"locs":[{"a":217,"b":223}]},{"name":"description","required":true,"transform":{"type":"scalar"},"locs":[{"a":226,"b":238}]},{"name":"servings","required":true,"transform":{"type":"scalar"},"locs":[{"a":241,"b":250}]},{"name":"prepMinutes","required":true,"transform":{"type":"scalar"},"locs":[{"a":253,"b":265}]},{"name":"cookMinutes","required":true,"transform":{"type":"scalar"},"locs":[{"a":268,"b":280}]},{"name":"ingredients","required":true,"transform":{"type":"scalar"},"locs":[{"a":291,"b":303}]},{"name":"steps","required":true,"transform":{"type":"scalar"},"locs":[{"a":321,"b":327}]},{"name":"tags","required":true,"transform":{"type":"scalar"},"locs":[{"a":345,"b":350}]},{"name":"visibility","required":true,"transform":{"type":"scalar"},"locs":[{"a":363,"b":374}]}],"statement":"INSERT INTO recipe.recipe\n  (extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,\n   ingredients, steps, tags, visibility)\nVALUES\n  (:extlId!, :ownerIssuer!, :ownerSubject!, :title!, :description!, :servings!, :prepMinutes!, :cookMinutes!,\n   CAST(:ingredients! AS jsonb), CAST(:steps! AS jsonb), CAST(:tags! AS jsonb), :visibility!)\nRETURNING extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,\n  ingredients, steps, tags, visibility, version, created_at, updated_at,\n  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\""};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO recipe.recipe
 *   (extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,
 *    ingredients, steps, tags, visibility)
 * VALUES
 *   (:extlId!, :ownerIssuer!, :ownerSubject!, :title!, :description!, :servings!, :prepMinutes!, :cookMinutes!,
 *    CAST(:ingredients! AS jsonb), CAST(:steps! AS jsonb), CAST(:tags! AS jsonb), :visibility!)
 * RETURNING extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,
 *   ingredients, steps, tags, visibility, version, created_at, updated_at,
 *   to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
 * ```
 */
export const insertRecipe = new PreparedQuery<IInsertRecipeParams,IInsertRecipeResult>(insertRecipeIR, 'insertRecipe');


/** 'SelectRecipeByExtlId' parameters type */
export interface ISelectRecipeByExtlIdParams {
  extlId: string;
}

/** 'SelectRecipeByExtlId' return type */
export interface ISelectRecipeByExtlIdResult {
  cook_minutes: number;
  created_at: Date;
  description: string;
  extl_id: string;
  ingredients: Json;
  owner_issuer: string;
  owner_subject: string;
  prep_minutes: number;
  servings: number;
  sort_key: string;
  steps: Json;
  tags: Json;
  title: string;
  updated_at: Date;
  version: number;
  visibility: string;
}

/** 'SelectRecipeByExtlId' query type */
export interface ISelectRecipeByExtlIdQuery {
  params: ISelectRecipeByExtlIdParams;
  result: ISelectRecipeByExtlIdResult;
}

const selectRecipeByExtlIdIR: any = {"usedParamSet":{"extlId":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":300,"b":307}]}],"statement":"SELECT extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,\n  ingredients, steps, tags, visibility, version, created_at, updated_at,\n  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\"\nFROM recipe.recipe\nWHERE extl_id = :extlId!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,
 *   ingredients, steps, tags, visibility, version, created_at, updated_at,
 *   to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
 * FROM recipe.recipe
 * WHERE extl_id = :extlId!
 * ```
 */
export const selectRecipeByExtlId = new PreparedQuery<ISelectRecipeByExtlIdParams,ISelectRecipeByExtlIdResult>(selectRecipeByExtlIdIR, 'selectRecipeByExtlId');


/** 'SelectRecipesByOwner' parameters type */
export interface ISelectRecipesByOwnerParams {
  afterCreatedAt?: DateOrString | null | void;
  afterExtlId?: string | null | void;
  limit: NumberOrString;
  ownerIssuer: string;
  ownerSubject: string;
  tag?: string | null | void;
  visibility?: string | null | void;
}

/** 'SelectRecipesByOwner' return type */
export interface ISelectRecipesByOwnerResult {
  cook_minutes: number;
  created_at: Date;
  description: string;
  extl_id: string;
  ingredients: Json;
  owner_issuer: string;
  owner_subject: string;
  prep_minutes: number;
  servings: number;
  sort_key: string;
  steps: Json;
  tags: Json;
  title: string;
  updated_at: Date;
  version: number;
  visibility: string;
}

/** 'SelectRecipesByOwner' query type */
export interface ISelectRecipesByOwnerQuery {
  params: ISelectRecipesByOwnerParams;
  result: ISelectRecipesByOwnerResult;
}

const selectRecipesByOwnerIR: any = {"usedParamSet":{"ownerIssuer":true,"ownerSubject":true,"visibility":true,"tag":true,"afterCreatedAt":true,"afterExtlId":true,"limit":true},"params":[{"name":"ownerIssuer","required":true,"transform":{"type":"scalar"},"locs":[{"a":305,"b":317}]},{"name":"ownerSubject","required":true,"transform":{"type":"scalar"},"locs":[{"a":341,"b":354}]},{"name":"visibility","required":false,"transform":{"type":"scalar"},"locs":[{"a":368,"b":378},{"a":413,"b":423}]},{"name":"tag","required":false,"transform":{"type":"scalar"},"locs":[{"a":438,"b":441},{"a":494,"b":497}]},{"name":"afterCreatedAt","required":false,"transform":{"type":"scalar"},"locs":[{"a":642,"b":656}]},{"name":"afterExtlId","required":false,"transform":{"type":"scalar"},"locs":[{"a":715,"b":726}]},{"name":"limit","required":true,"transform":{"type":"scalar"},"locs":[{"a":788,"b":794}]}],"statement":"SELECT extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,\n  ingredients, steps, tags, visibility, version, created_at, updated_at,\n  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\"\nFROM recipe.recipe\nWHERE owner_issuer = :ownerIssuer!\n  AND owner_subject = :ownerSubject!\n  AND (CAST(:visibility AS text) IS NULL OR visibility = :visibility)\n  AND (CAST(:tag AS text) IS NULL OR tags @> jsonb_build_array(CAST(:tag AS text)))\n  -- One index-usable keyset condition (first page: before 'infinity'); see movie.sql.\n  AND (created_at, extl_id) < (COALESCE(CAST(:afterCreatedAt AS timestamptz), 'infinity'::timestamptz), COALESCE(CAST(:afterExtlId AS text), ''))\nORDER BY created_at DESC, extl_id DESC\nLIMIT :limit!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,
 *   ingredients, steps, tags, visibility, version, created_at, updated_at,
 *   to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
 * FROM recipe.recipe
 * WHERE owner_issuer = :ownerIssuer!
 *   AND owner_subject = :ownerSubject!
 *   AND (CAST(:visibility AS text) IS NULL OR visibility = :visibility)
 *   AND (CAST(:tag AS text) IS NULL OR tags @> jsonb_build_array(CAST(:tag AS text)))
 *   -- One index-usable keyset condition (first page: before 'infinity'); see movie.sql.
 *   AND (created_at, extl_id) < (COALESCE(CAST(:afterCreatedAt AS timestamptz), 'infinity'::timestamptz), COALESCE(CAST(:afterExtlId AS text), ''))
 * ORDER BY created_at DESC, extl_id DESC
 * LIMIT :limit!
 * ```
 */
export const selectRecipesByOwner = new PreparedQuery<ISelectRecipesByOwnerParams,ISelectRecipesByOwnerResult>(selectRecipesByOwnerIR, 'selectRecipesByOwner');


/** 'SelectRecipesPageByOwner' parameters type */
export interface ISelectRecipesPageByOwnerParams {
  afterCreatedAt?: DateOrString | null | void;
  afterExtlId?: string | null | void;
  limit: NumberOrString;
  ownerIssuer: string;
  ownerSubject: string;
}

/** 'SelectRecipesPageByOwner' return type */
export interface ISelectRecipesPageByOwnerResult {
  cook_minutes: number;
  created_at: Date;
  description: string;
  extl_id: string;
  ingredients: Json;
  owner_issuer: string;
  owner_subject: string;
  prep_minutes: number;
  servings: number;
  sort_key: string;
  steps: Json;
  tags: Json;
  title: string;
  updated_at: Date;
  version: number;
  visibility: string;
}

/** 'SelectRecipesPageByOwner' query type */
export interface ISelectRecipesPageByOwnerQuery {
  params: ISelectRecipesPageByOwnerParams;
  result: ISelectRecipesPageByOwnerResult;
}

const selectRecipesPageByOwnerIR: any = {"usedParamSet":{"ownerIssuer":true,"ownerSubject":true,"afterCreatedAt":true,"afterExtlId":true,"limit":true},"params":[{"name":"ownerIssuer","required":true,"transform":{"type":"scalar"},"locs":[{"a":305,"b":317}]},{"name":"ownerSubject","required":true,"transform":{"type":"scalar"},"locs":[{"a":341,"b":354}]},{"name":"afterCreatedAt","required":false,"transform":{"type":"scalar"},"locs":[{"a":499,"b":513}]},{"name":"afterExtlId","required":false,"transform":{"type":"scalar"},"locs":[{"a":572,"b":583}]},{"name":"limit","required":true,"transform":{"type":"scalar"},"locs":[{"a":645,"b":651}]}],"statement":"SELECT extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,\n  ingredients, steps, tags, visibility, version, created_at, updated_at,\n  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\"\nFROM recipe.recipe\nWHERE owner_issuer = :ownerIssuer!\n  AND owner_subject = :ownerSubject!\n  -- Unfiltered lists get this statement: its generic plan is an index scan that stops at :limit.\n  AND (created_at, extl_id) < (COALESCE(CAST(:afterCreatedAt AS timestamptz), 'infinity'::timestamptz), COALESCE(CAST(:afterExtlId AS text), ''))\nORDER BY created_at DESC, extl_id DESC\nLIMIT :limit!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,
 *   ingredients, steps, tags, visibility, version, created_at, updated_at,
 *   to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
 * FROM recipe.recipe
 * WHERE owner_issuer = :ownerIssuer!
 *   AND owner_subject = :ownerSubject!
 *   -- Unfiltered lists get this statement: its generic plan is an index scan that stops at :limit.
 *   AND (created_at, extl_id) < (COALESCE(CAST(:afterCreatedAt AS timestamptz), 'infinity'::timestamptz), COALESCE(CAST(:afterExtlId AS text), ''))
 * ORDER BY created_at DESC, extl_id DESC
 * LIMIT :limit!
 * ```
 */
export const selectRecipesPageByOwner = new PreparedQuery<ISelectRecipesPageByOwnerParams,ISelectRecipesPageByOwnerResult>(selectRecipesPageByOwnerIR, 'selectRecipesPageByOwner');


/** 'UpdateRecipe' parameters type */
export interface IUpdateRecipeParams {
  cookMinutes: number;
  description: string;
  expectedVersions?: Json | null | void;
  extlId: string;
  ingredients: Json;
  ownerIssuer: string;
  ownerSubject: string;
  prepMinutes: number;
  servings: number;
  steps: Json;
  tags: Json;
  title: string;
  visibility: string;
}

/** 'UpdateRecipe' return type */
export interface IUpdateRecipeResult {
  cook_minutes: number;
  created_at: Date;
  description: string;
  extl_id: string;
  ingredients: Json;
  owner_issuer: string;
  owner_subject: string;
  prep_minutes: number;
  servings: number;
  sort_key: string;
  steps: Json;
  tags: Json;
  title: string;
  updated_at: Date;
  version: number;
  visibility: string;
}

/** 'UpdateRecipe' query type */
export interface IUpdateRecipeQuery {
  params: IUpdateRecipeParams;
  result: IUpdateRecipeResult;
}

const updateRecipeIR: any = {"usedParamSet":{"title":true,"description":true,"servings":true,"prepMinutes":true,"cookMinutes":true,"ingredients":true,"steps":true,"tags":true,"visibility":true,"extlId":true,"ownerIssuer":true,"ownerSubject":true,"expectedVersions":true},"params":[{"name":"title","required":true,"transform":{"type":"scalar"},"locs":[{"a":33,"b":39}]},{"name":"description","required":true,"transform":{"type":"scalar"},"locs":[{"a":56,"b":68}]},{"name":"servings","required":true,"transform":{"type":"scalar"},"locs":[{"a":82,"b":91}]},{"name":"prepMinutes","required":true,"transform":{"type":"scalar"},"locs":[{"a":109,"b":121}]},{"name":"cookMinutes","required":true,"transform":{"type":"scalar"},"locs":[{"a":143,"b":155}]},{"name":"ingredients","required":true,"transform":{"type":"scalar"},"locs":[{"a":177,"b":189}]},{"name":"steps","required":true,"transform":{"type":"scalar"},"locs":[{"a":215,"b":221}]},{"name":"tags","required":true,"transform":{"type":"scalar"},"locs":[{"a":250,"b":255}]},{"name":"visibility","required":true,"transform":{"type":"scalar"},"locs":[{"a":281,"b":292}]},{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":365,"b":372}]},{"name":"ownerIssuer","required":true,"transform":{"type":"scalar"},"locs":[{"a":395,"b":407}]},{"name":"ownerSubject","required":true,"transform":{"type":"scalar"},"locs":[{"a":431,"b":444}]},{"name":"expectedVersions","required":false,"transform":{"type":"scalar"},"locs":[{"a":458,"b":474},{"a":502,"b":518}]}],"statement":"UPDATE recipe.recipe\nSET title = :title!, description = :description!, servings = :servings!, prep_minutes = :prepMinutes!,\n    cook_minutes = :cookMinutes!, ingredients = CAST(:ingredients! AS jsonb), steps = CAST(:steps! AS jsonb),\n    tags = CAST(:tags! AS jsonb), visibility = :visibility!, version = version + 1, updated_at = clock_timestamp()\nWHERE extl_id = :extlId!\n  AND owner_issuer = :ownerIssuer!\n  AND owner_subject = :ownerSubject!\n  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))\nRETURNING extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,\n  ingredients, steps, tags, visibility, version, created_at, updated_at,\n  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS \"sort_key!\""};

/**
 * Query generated from SQL:
 * ```
 * UPDATE recipe.recipe
 * SET title = :title!, description = :description!, servings = :servings!, prep_minutes = :prepMinutes!,
 *     cook_minutes = :cookMinutes!, ingredients = CAST(:ingredients! AS jsonb), steps = CAST(:steps! AS jsonb),
 *     tags = CAST(:tags! AS jsonb), visibility = :visibility!, version = version + 1, updated_at = clock_timestamp()
 * WHERE extl_id = :extlId!
 *   AND owner_issuer = :ownerIssuer!
 *   AND owner_subject = :ownerSubject!
 *   AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
 * RETURNING extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,
 *   ingredients, steps, tags, visibility, version, created_at, updated_at,
 *   to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
 * ```
 */
export const updateRecipe = new PreparedQuery<IUpdateRecipeParams,IUpdateRecipeResult>(updateRecipeIR, 'updateRecipe');


/** 'DeleteRecipe' parameters type */
export interface IDeleteRecipeParams {
  expectedVersions?: Json | null | void;
  extlId: string;
  ownerIssuer: string;
  ownerSubject: string;
}

/** 'DeleteRecipe' return type */
export interface IDeleteRecipeResult {
  extl_id: string;
}

/** 'DeleteRecipe' query type */
export interface IDeleteRecipeQuery {
  params: IDeleteRecipeParams;
  result: IDeleteRecipeResult;
}

const deleteRecipeIR: any = {"usedParamSet":{"extlId":true,"ownerIssuer":true,"ownerSubject":true,"expectedVersions":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":42,"b":49}]},{"name":"ownerIssuer","required":true,"transform":{"type":"scalar"},"locs":[{"a":72,"b":84}]},{"name":"ownerSubject","required":true,"transform":{"type":"scalar"},"locs":[{"a":108,"b":121}]},{"name":"expectedVersions","required":false,"transform":{"type":"scalar"},"locs":[{"a":135,"b":151},{"a":179,"b":195}]}],"statement":"DELETE FROM recipe.recipe\nWHERE extl_id = :extlId!\n  AND owner_issuer = :ownerIssuer!\n  AND owner_subject = :ownerSubject!\n  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))\nRETURNING extl_id"};

/**
 * Query generated from SQL:
 * ```
 * DELETE FROM recipe.recipe
 * WHERE extl_id = :extlId!
 *   AND owner_issuer = :ownerIssuer!
 *   AND owner_subject = :ownerSubject!
 *   AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
 * RETURNING extl_id
 * ```
 */
export const deleteRecipe = new PreparedQuery<IDeleteRecipeParams,IDeleteRecipeResult>(deleteRecipeIR, 'deleteRecipe');


/** 'SelectRecipeVersionForOwner' parameters type */
export interface ISelectRecipeVersionForOwnerParams {
  extlId: string;
  ownerIssuer: string;
  ownerSubject: string;
}

/** 'SelectRecipeVersionForOwner' return type */
export interface ISelectRecipeVersionForOwnerResult {
  version: number;
}

/** 'SelectRecipeVersionForOwner' query type */
export interface ISelectRecipeVersionForOwnerQuery {
  params: ISelectRecipeVersionForOwnerParams;
  result: ISelectRecipeVersionForOwnerResult;
}

const selectRecipeVersionForOwnerIR: any = {"usedParamSet":{"extlId":true,"ownerIssuer":true,"ownerSubject":true},"params":[{"name":"extlId","required":true,"transform":{"type":"scalar"},"locs":[{"a":50,"b":57}]},{"name":"ownerIssuer","required":true,"transform":{"type":"scalar"},"locs":[{"a":80,"b":92}]},{"name":"ownerSubject","required":true,"transform":{"type":"scalar"},"locs":[{"a":116,"b":129}]}],"statement":"SELECT version\nFROM recipe.recipe\nWHERE extl_id = :extlId!\n  AND owner_issuer = :ownerIssuer!\n  AND owner_subject = :ownerSubject!"};

/**
 * Query generated from SQL:
 * ```
 * SELECT version
 * FROM recipe.recipe
 * WHERE extl_id = :extlId!
 *   AND owner_issuer = :ownerIssuer!
 *   AND owner_subject = :ownerSubject!
 * ```
 */
export const selectRecipeVersionForOwner = new PreparedQuery<ISelectRecipeVersionForOwnerParams,ISelectRecipeVersionForOwnerResult>(selectRecipeVersionForOwnerIR, 'selectRecipeVersionForOwner');


