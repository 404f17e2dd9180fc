/* @name deleteMoviesOfOrg */
DELETE FROM movie.movie
WHERE org_id = CAST(:orgId! AS bigint);
