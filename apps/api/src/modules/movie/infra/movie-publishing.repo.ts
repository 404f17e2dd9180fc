import type { Db } from '../../../platform/db/db.js';
import type { EventRecorder } from '../../../platform/events/event.js';
import type { ExpectedVersion, WriteOutcome } from '../../../platform/errors/precondition.js';
import type { MovieFilter, MovieRepository } from '../domain/movie.repo.js';
import type { Movie, MovieActor, MovieDraft } from '../domain/movie.js';
import { movieCreated } from '../events.js';
import { PgMovieRepository } from './movie.repo.js';

/**
 * The movie repository that also publishes the movie module's events (events.ts): a created movie
 * and its `movie.created` event commit in one transaction (or join the caller's ambient one, e.g.
 * an idempotent POST's). Everything else is {@link PgMovieRepository} as is.
 */
export class PublishingMovieRepository implements MovieRepository {
  private readonly plain: PgMovieRepository;

  constructor(
    private readonly db: Db,
    private readonly events: EventRecorder,
  ) {
    this.plain = new PgMovieRepository(db);
  }

  createMovie(orgId: string, externalId: string, draft: MovieDraft, actor: MovieActor): Promise<Movie> {
    return this.db.transaction(async (tx) => {
      const movie = await new PgMovieRepository(tx).createMovie(orgId, externalId, draft, actor);
      await this.events.record(tx, movieCreated, {
        aggregateId: movie.externalId,
        orgId,
        payload: {
          movie_external_id: movie.externalId,
          org_id: orgId,
          title: movie.title,
          created_by_app_external_id: actor.appExternalId,
        },
      });
      return movie;
    });
  }

  findMovieById(orgId: string, externalId: string): Promise<Movie | undefined> {
    return this.plain.findMovieById(orgId, externalId);
  }

  findMovies(orgId: string, filter: MovieFilter): Promise<Movie[]> {
    return this.plain.findMovies(orgId, filter);
  }

  updateMovie(
    orgId: string,
    externalId: string,
    draft: MovieDraft,
    actor: MovieActor,
    expected?: ExpectedVersion,
  ): Promise<WriteOutcome<Movie>> {
    return this.plain.updateMovie(orgId, externalId, draft, actor, expected);
  }

  deleteMovie(orgId: string, externalId: string, expected?: ExpectedVersion): Promise<WriteOutcome<null>> {
    return this.plain.deleteMovie(orgId, externalId, expected);
  }
}
