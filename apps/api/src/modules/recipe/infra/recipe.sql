/* @name insertRecipe */
INSERT INTO recipe.recipe
  (extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,
   ingredients, steps, tags, visibility)
VALUES
  (:extlId!, :ownerIssuer!, :ownerSubject!, :title!, :description!, :servings!, :prepMinutes!, :cookMinutes!,
   CAST(:ingredients! AS jsonb), CAST(:steps! AS jsonb), CAST(:tags! AS jsonb), :visibility!)
RETURNING extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,
  ingredients, steps, tags, visibility, version, created_at, updated_at,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!";

/* @name selectRecipeByExtlId */
SELECT extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,
  ingredients, steps, tags, visibility, version, created_at, updated_at,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
FROM recipe.recipe
WHERE extl_id = :extlId!;

/* @name selectRecipesByOwner */
SELECT extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,
  ingredients, steps, tags, visibility, version, created_at, updated_at,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
FROM recipe.recipe
WHERE owner_issuer = :ownerIssuer!
  AND owner_subject = :ownerSubject!
  AND (CAST(:visibility AS text) IS NULL OR visibility = :visibility)
  AND (CAST(:tag AS text) IS NULL OR tags @> jsonb_build_array(CAST(:tag AS text)))
  -- One index-usable keyset condition (first page: before 'infinity'); see movie.sql.
  AND (created_at, extl_id) < (COALESCE(CAST(:afterCreatedAt AS timestamptz), 'infinity'::timestamptz), COALESCE(CAST(:afterExtlId AS text), ''))
ORDER BY created_at DESC, extl_id DESC
LIMIT :limit!;

/* @name selectRecipesPageByOwner */
SELECT extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,
  ingredients, steps, tags, visibility, version, created_at, updated_at,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
FROM recipe.recipe
WHERE owner_issuer = :ownerIssuer!
  AND owner_subject = :ownerSubject!
  -- Unfiltered lists get this statement: its generic plan is an index scan that stops at :limit.
  AND (created_at, extl_id) < (COALESCE(CAST(:afterCreatedAt AS timestamptz), 'infinity'::timestamptz), COALESCE(CAST(:afterExtlId AS text), ''))
ORDER BY created_at DESC, extl_id DESC
LIMIT :limit!;

/* @name updateRecipe */
UPDATE recipe.recipe
SET title = :title!, description = :description!, servings = :servings!, prep_minutes = :prepMinutes!,
    cook_minutes = :cookMinutes!, ingredients = CAST(:ingredients! AS jsonb), steps = CAST(:steps! AS jsonb),
    tags = CAST(:tags! AS jsonb), visibility = :visibility!, version = version + 1, updated_at = clock_timestamp()
WHERE extl_id = :extlId!
  AND owner_issuer = :ownerIssuer!
  AND owner_subject = :ownerSubject!
  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
RETURNING extl_id, owner_issuer, owner_subject, title, description, servings, prep_minutes, cook_minutes,
  ingredients, steps, tags, visibility, version, created_at, updated_at,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!";

/* @name deleteRecipe */
DELETE FROM recipe.recipe
WHERE extl_id = :extlId!
  AND owner_issuer = :ownerIssuer!
  AND owner_subject = :ownerSubject!
  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
RETURNING extl_id;

/* @name selectRecipeVersionForOwner */
SELECT version
FROM recipe.recipe
WHERE extl_id = :extlId!
  AND owner_issuer = :ownerIssuer!
  AND owner_subject = :ownerSubject!;
