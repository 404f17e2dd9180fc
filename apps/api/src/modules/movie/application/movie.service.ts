import { preconditionFailed, type ExpectedVersion } from '../../../platform/errors/precondition.js';
import { notFound } from '../../../platform/errors/app-error.js';
import type { MovieFilter, MovieRepository } from '../domain/movie.repo.js';
import { toMovieCriteria, toMovieDraft, type Movie, type MovieActor, type MovieInput, type MovieListFilters } from '../domain/movie.js';

/** A page of an org's movies. */
export interface MoviePage {
  movies: Movie[];
  /** Sort key of the last movie when more may follow. */
  nextKey: string[] | undefined;
}

/** Options of an org's movie list. */
export interface MovieListQuery extends MovieListFilters {
  limit: number;
  /** Sort key of the last movie of the previous page (from a decoded cursor). */
  after?: string[];
}

/**
 * Use cases of the movie module. Every call names the tenant (`orgId`: the internal id of the
 * calling app's org); movies of other orgs do not exist for it. Callers are already
 * authenticated and authorized (RBAC) by the platform. Throws AppError:
 * `input_validation_error` (bad content or filters), `not_found_error` (absent or another org's),
 * `precondition_failed_error` (If-Match), and the repository's database kinds.
 */
export class MovieService {
  constructor(
    private readonly repo: MovieRepository,
    private readonly newId: () => string,
  ) {}

  /** Creates a movie in `orgId`, audited as written by `actor`. */
  async createMovie(orgId: string, actor: MovieActor, input: MovieInput): Promise<Movie> {
    return this.repo.createMovie(orgId, this.newId(), toMovieDraft(input), actor);
  }

  /** Reads one of the org's movies. */
  async findMovieById(orgId: string, externalId: string): Promise<Movie> {
    const movie = await this.repo.findMovieById(orgId, externalId);
    if (!movie) throw notFound('movie');
    return movie;
  }

  /** One page of the org's movies, newest first, filtered. */
  async findMovies(orgId: string, query: MovieListQuery): Promise<MoviePage> {
    // One extra row tells whether another page follows without a count query.
    const filter: MovieFilter = { ...toMovieCriteria(query), limit: query.limit + 1 };
    if (query.after) filter.after = query.after;
    const rows = await this.repo.findMovies(orgId, filter);
    const movies = rows.slice(0, query.limit);
    const last = movies[movies.length - 1];
    return { movies, nextKey: rows.length > query.limit && last ? [last.sortKey, last.externalId] : undefined };
  }

  /** Replaces every field of the org's movie; `expected` is the If-Match precondition, if any. */
  async updateMovie(orgId: string, actor: MovieActor, externalId: string, input: MovieInput, expected?: ExpectedVersion): Promise<Movie> {
    const outcome = await this.repo.updateMovie(orgId, externalId, toMovieDraft(input), actor, expected);
    if (outcome.status === 'not_found') throw notFound('movie');
    if (outcome.status === 'version_mismatch') throw preconditionFailed('movie');
    return outcome.value;
  }

  /** Deletes the org's movie; `expected` is the If-Match precondition, if any. */
  async deleteMovie(orgId: string, externalId: string, expected?: ExpectedVersion): Promise<void> {
    const outcome = await this.repo.deleteMovie(orgId, externalId, expected);
    if (outcome.status === 'not_found') throw notFound('movie');
    if (outcome.status === 'version_mismatch') throw preconditionFailed('movie');
  }
}
