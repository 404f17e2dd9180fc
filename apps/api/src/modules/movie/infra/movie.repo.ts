import { expectedVersionsParam, type ExpectedVersion, type WriteOutcome } from '../../../platform/errors/precondition.js';
import type { Queryable } from '../../../platform/db/db.js';
import { queriesAbout } from '../../../platform/db/typed-query.js';
import { AppError } from '../../../platform/errors/app-error.js';
import type { MovieFilter, MovieRepository } from '../domain/movie.repo.js';
import type { Movie, MovieActor, MovieDraft } from '../domain/movie.js';
import * as movieQueries from './movie.queries.js';

// Errors of these queries name a movie (`movie already exists`); see platform/db/typed-query.ts.
const { deleteMovie, insertMovie, selectMovieByExtlId, selectMoviesByOrg, selectMoviesPageByOrg, selectMovieVersionInOrg, updateMovie } =
  queriesAbout(movieQueries, 'movie');

type MovieRow = movieQueries.IInsertMovieResult;

/** The sort key's shape as `sort_key` renders it (microseconds, UTC). */
const sortKeyPattern = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** True when `key` is a sort key this repository could have made (a real instant, right shape). */
function isSortKey(key: string | undefined): key is string {
  if (key === undefined || !sortKeyPattern.test(key)) return false;
  // Millisecond prefix round-trips through Date only when every field is in range.
  const millis = `${key.slice(0, 23)}Z`;
  const date = new Date(millis);
  return !Number.isNaN(date.getTime()) && date.toISOString() === millis;
}

function toMovie(row: MovieRow): Movie {
  return {
    externalId: row.extl_id,
    title: row.title,
    rated: row.rated,
    releaseDate: row.release_date,
    runTime: row.run_time,
    director: row.director,
    writer: row.writer,
    version: row.version,
    createdBy: {
      appExternalId: row.create_app_extl_id,
      firstName: row.create_user_first_name,
      lastName: row.create_user_last_name,
    },
    createdAt: row.create_at,
    updatedBy: {
      appExternalId: row.update_app_extl_id,
      firstName: row.update_user_first_name,
      lastName: row.update_user_last_name,
    },
    updatedAt: row.update_at,
    sortKey: row.sort_key,
  };
}

function contentParams(draft: MovieDraft, actor: MovieActor) {
  return {
    title: draft.title,
    rated: draft.rated,
    // `YYYY-MM-DD` text, cast to date in SQL: a JS Date would shift with the server's time zone.
    releaseDate: draft.releaseDate,
    runTime: draft.runTime,
    director: draft.director,
    writer: draft.writer,
    appExtlId: actor.appExternalId,
    userFirstName: actor.firstName,
    userLastName: actor.lastName,
  };
}

/**
 * PostgreSQL storage of movies through the typed queries generated from movie.sql. Every
 * statement filters on `org_id`; database errors leave as client-safe AppErrors, mapped by the
 * typed-query runtime (503 when the database is unreachable, never driver text).
 */
export class PgMovieRepository implements MovieRepository {
  constructor(private readonly db: Queryable) {}

  async createMovie(orgId: string, externalId: string, draft: MovieDraft, actor: MovieActor): Promise<Movie> {
    const [row] = await insertMovie.run({ extlId: externalId, orgId, ...contentParams(draft, actor) }, this.db);
    return toMovie(row!);
  }

  async findMovieById(orgId: string, externalId: string): Promise<Movie | undefined> {
    const [row] = await selectMovieByExtlId.run({ extlId: externalId, orgId }, this.db);
    return row ? toMovie(row) : undefined;
  }

  async findMovies(orgId: string, filter: MovieFilter): Promise<Movie[]> {
    const [afterCreateAt, afterExtlId] = filter.after ?? [];
    // A forged cursor must be a 400 here, not an invalid timestamp reaching PostgreSQL.
    if (filter.after && (!isSortKey(afterCreateAt) || afterExtlId === undefined)) {
      throw new AppError('input_validation_error', 'cursor is invalid', { param: 'cursor' });
    }
    const page = { orgId, afterCreateAt: afterCreateAt ?? null, afterExtlId: afterExtlId ?? null, limit: String(filter.limit) };
    const filtered =
      filter.titleContains !== undefined ||
      filter.director !== undefined ||
      filter.releasedFrom !== undefined ||
      filter.releasedTo !== undefined;
    const rows = filtered
      ? await selectMoviesByOrg.run(
          {
            ...page,
            titleContains: filter.titleContains ?? null,
            director: filter.director ?? null,
            releasedFrom: filter.releasedFrom ?? null,
            releasedTo: filter.releasedTo ?? null,
          },
          this.db,
        )
      : await selectMoviesPageByOrg.run(page, this.db);
    return rows.map(toMovie);
  }

  async updateMovie(
    orgId: string,
    externalId: string,
    draft: MovieDraft,
    actor: MovieActor,
    expected?: ExpectedVersion,
  ): Promise<WriteOutcome<Movie>> {
    const [row] = await updateMovie.run(
      { extlId: externalId, orgId, expectedVersions: expectedVersionsParam(expected), ...contentParams(draft, actor) },
      this.db,
    );
    if (row) return { status: 'ok', value: toMovie(row) };
    return this.missOutcome(orgId, externalId);
  }

  async deleteMovie(orgId: string, externalId: string, expected?: ExpectedVersion): Promise<WriteOutcome<null>> {
    const [row] = await deleteMovie.run({ extlId: externalId, orgId, expectedVersions: expectedVersionsParam(expected) }, this.db);
    if (row) return { status: 'ok', value: null };
    return this.missOutcome(orgId, externalId);
  }

  /**
   * Tells a missing (or another org's) movie from a failed precondition after a conditional
   * write hit no row. The write itself was atomic; this read only chooses the error.
   */
  private async missOutcome(orgId: string, externalId: string): Promise<{ status: 'not_found' } | { status: 'version_mismatch' }> {
    const [current] = await selectMovieVersionInOrg.run({ extlId: externalId, orgId }, this.db);
    return current ? { status: 'version_mismatch' } : { status: 'not_found' };
  }
}
