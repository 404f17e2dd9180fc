/* @name insertMovie */
INSERT INTO movie.movie
  (extl_id, org_id, title, rated, release_date, run_time, director, writer,
   create_app_extl_id, create_user_first_name, create_user_last_name,
   update_app_extl_id, update_user_first_name, update_user_last_name)
VALUES
  (:extlId!, CAST(:orgId! AS bigint), :title!, :rated!, CAST(:releaseDate! AS date), :runTime!, :director!, :writer!,
   :appExtlId!, :userFirstName, :userLastName,
   :appExtlId!, :userFirstName, :userLastName)
RETURNING extl_id, title, rated, to_char(release_date, 'YYYY-MM-DD') AS "release_date!", run_time, director, writer, version,
  create_app_extl_id, create_user_first_name, create_user_last_name,
  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "create_at!",
  update_app_extl_id, update_user_first_name, update_user_last_name,
  to_char(update_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "update_at!",
  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!";

/* @name selectMovieByExtlId */
SELECT extl_id, title, rated, to_char(release_date, 'YYYY-MM-DD') AS "release_date!", run_time, director, writer, version,
  create_app_extl_id, create_user_first_name, create_user_last_name,
  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "create_at!",
  update_app_extl_id, update_user_first_name, update_user_last_name,
  to_char(update_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "update_at!",
  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
FROM movie.movie
WHERE extl_id = :extlId!
  AND org_id = CAST(:orgId! AS bigint);

/* @name selectMoviesByOrg */
SELECT extl_id, title, rated, to_char(release_date, 'YYYY-MM-DD') AS "release_date!", run_time, director, writer, version,
  create_app_extl_id, create_user_first_name, create_user_last_name,
  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "create_at!",
  update_app_extl_id, update_user_first_name, update_user_last_name,
  to_char(update_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "update_at!",
  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
FROM movie.movie
WHERE org_id = CAST(:orgId! AS bigint)
  AND (CAST(:titleContains AS text) IS NULL OR strpos(lower(title), lower(CAST(:titleContains AS text))) > 0)
  AND (CAST(:director AS text) IS NULL OR lower(director) = lower(CAST(:director AS text)))
  AND (CAST(:releasedFrom AS date) IS NULL OR release_date >= CAST(:releasedFrom AS date))
  AND (CAST(:releasedTo AS date) IS NULL OR release_date <= CAST(:releasedTo AS date))
  -- One index-usable keyset condition (first page: before 'infinity'), so the prepared statement's
  -- generic plan walks movie_org_create_ix and stops after :limit rows instead of sorting the org.
  AND (create_at, extl_id) < (COALESCE(CAST(:afterCreateAt AS timestamptz), 'infinity'::timestamptz), COALESCE(CAST(:afterExtlId AS text), ''))
ORDER BY create_at DESC, extl_id DESC
LIMIT :limit!;

/* @name selectMoviesPageByOrg */
SELECT extl_id, title, rated, to_char(release_date, 'YYYY-MM-DD') AS "release_date!", run_time, director, writer, version,
  create_app_extl_id, create_user_first_name, create_user_last_name,
  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "create_at!",
  update_app_extl_id, update_user_first_name, update_user_last_name,
  to_char(update_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "update_at!",
  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!"
FROM movie.movie
WHERE org_id = CAST(:orgId! AS bigint)
  -- The unfiltered list (the common case) has its own statement: with no optional filters the
  -- generic plan is an index scan in list order that stops after :limit rows.
  -- One index-usable keyset condition (first page: before 'infinity'), so the prepared statement's
  -- generic plan walks movie_org_create_ix and stops after :limit rows instead of sorting the org.
  AND (create_at, extl_id) < (COALESCE(CAST(:afterCreateAt AS timestamptz), 'infinity'::timestamptz), COALESCE(CAST(:afterExtlId AS text), ''))
ORDER BY create_at DESC, extl_id DESC
LIMIT :limit!;

/* @name updateMovie */
UPDATE movie.movie
SET title = :title!, rated = :rated!, release_date = CAST(:releaseDate! AS date), run_time = :runTime!,
    director = :director!, writer = :writer!, version = version + 1,
    update_app_extl_id = :appExtlId!, update_user_first_name = :userFirstName, update_user_last_name = :userLastName,
    update_at = clock_timestamp()
WHERE extl_id = :extlId!
  AND org_id = CAST(:orgId! AS bigint)
  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
RETURNING extl_id, title, rated, to_char(release_date, 'YYYY-MM-DD') AS "release_date!", run_time, director, writer, version,
  create_app_extl_id, create_user_first_name, create_user_last_name,
  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "create_at!",
  update_app_extl_id, update_user_first_name, update_user_last_name,
  to_char(update_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "update_at!",
  to_char(create_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "sort_key!";

/* @name deleteMovie */
DELETE FROM movie.movie
WHERE extl_id = :extlId!
  AND org_id = CAST(:orgId! AS bigint)
  AND (CAST(:expectedVersions AS jsonb) IS NULL OR CAST(:expectedVersions AS jsonb) @> to_jsonb(version))
RETURNING extl_id;

/* @name selectMovieVersionInOrg */
SELECT version
FROM movie.movie
WHERE extl_id = :extlId!
  AND org_id = CAST(:orgId! AS bigint);
