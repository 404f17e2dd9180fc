import type { Db } from '../../platform/db/db.js';
import type { EventRecorder } from '../../platform/events/event.js';
import { toRuntimeHandlers } from '../../platform/http/operation.js';
import type { ApiModule } from '../../platform/http/module.js';
import { newExternalId } from '../../platform/ids/external-id.js';
import { MovieService } from './application/movie.service.js';
import { deleteOrgMoviesSubscription } from './application/org-deleted.handler.js';
import { PublishingMovieRepository } from './infra/movie-publishing.repo.js';
import { PgOrgMovies } from './infra/org-movies.repo.js';
import { createMovieHandlers } from './transport/movie.routes.js';

/** What the movie module needs from app.ts. */
export interface MovieModuleDeps {
  db: Db;
  /** Records the movie module's events (events.ts) in its transactions. */
  events: EventRecorder;
}

/**
 * Wires the movie module: PostgreSQL repository (publishing movie events) → service → spec-bound
 * handlers, and its event subscriptions. Its operations
 * rely on the platform's security hook (JWT + app credentials + RBAC, from the spec) having put
 * the user and the app in `request.auth`; app.ts must therefore pass an AppAuthenticator and an
 * Authorizer to the router.
 */
export function createMovieModule(deps: MovieModuleDeps): ApiModule {
  const service = new MovieService(new PublishingMovieRepository(deps.db, deps.events), newExternalId);
  return {
    name: 'movie',
    handlers: toRuntimeHandlers(createMovieHandlers(service)),
    // The movies of a deleted org go with it (iam publishes iam.org.deleted).
    subscriptions: [deleteOrgMoviesSubscription((tx) => new PgOrgMovies(tx))],
  };
}
