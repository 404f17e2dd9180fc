import type { ExpectedVersion, WriteOutcome } from '../../../platform/errors/precondition.js';
import type { Movie, MovieActor, MovieCriteria, MovieDraft } from './movie.js';

/** Filter of an org's movie list. */
export interface MovieFilter extends MovieCriteria {
  limit: number;
  /** Sort key of the last item of the previous page. */
  after?: string[];
}

/**
 * Storage of movies (port). Every method takes the tenant — `orgId`, the internal id of the
 * calling app's org as a decimal string — as a required argument: a movie of another org is
 * never read, listed, changed or deleted, it simply does not exist (undefined / `not_found`).
 * Implementations throw AppError (database failures mapped to client-safe kinds).
 */
export interface MovieRepository {
  createMovie(orgId: string, externalId: string, draft: MovieDraft, actor: MovieActor): Promise<Movie>;
  findMovieById(orgId: string, externalId: string): Promise<Movie | undefined>;
  /** The org's movies matching `filter`, newest first, at most `filter.limit`. */
  findMovies(orgId: string, filter: MovieFilter): Promise<Movie[]>;
  /** Replaces the content atomically when the current version satisfies `expected`. */
  updateMovie(
    orgId: string,
    externalId: string,
    draft: MovieDraft,
    actor: MovieActor,
    expected?: ExpectedVersion,
  ): Promise<WriteOutcome<Movie>>;
  /** Deletes atomically when the current version satisfies `expected`. */
  deleteMovie(orgId: string, externalId: string, expected?: ExpectedVersion): Promise<WriteOutcome<null>>;
}
