import type { Db } from '../../../platform/db/db.js';
import type { EventRecorder } from '../../../platform/events/event.js';
import type { ExpectedVersion, WriteOutcome } from '../../../platform/errors/precondition.js';
import type { MovieFilter, MovieRepository } from '../domain/movie.repo.js';
import type { Movie, MovieActor, MovieDraft } from '../domain/movie.js';
import { movieCreated } from '../events.js';
import { PgMovieRepository } from './movie.repo.js';

/**
 * The movie repository that also publishes the movie module's events (events.ts): a created movie
 * and its `movie.created` event are written by one statement, so they commit together (in the
 * caller's ambient transaction when there is one, e.g. an idempotent POST's). Everything else is
 * {@link PgMovieRepository} as is.
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
    // The INSERT and the event are one statement (no transaction of their own; within an ambient
    // one, e.g. an idempotent POST's, they join it).
    const withEvent = this.events.alongside(this.db, movieCreated, {
      aggregateId: externalId,
      orgId,
      payload: {
        movie_external_id: externalId,
        org_id: orgId,
        title: draft.title,
        created_by_app_external_id: actor.appExternalId,
      },
    });
    return new PgMovieRepository(withEvent).createMovie(orgId, externalId, draft, actor);
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
