import type { Db } from '../../platform/db/db.js';
import { toRuntimeHandlers } from '../../platform/http/operation.js';
import type { ApiModule } from '../../platform/http/module.js';
import { newExternalId } from '../../platform/ids/external-id.js';
import { MovieService } from './application/movie.service.js';
import { PgMovieRepository } from './infra/movie.repo.js';
import { createMovieHandlers } from './transport/movie.routes.js';

/** What the movie module needs from app.ts. */
export interface MovieModuleDeps {
  db: Db;
}

/**
 * Wires the movie module: PostgreSQL repository → service → spec-bound handlers. Its operations
 * rely on the platform's security hook (JWT + app credentials + RBAC, from the spec) having put
 * the user and the app in `request.auth`; app.ts must therefore pass an AppAuthenticator and an
 * Authorizer to the router.
 */
export function createMovieModule(deps: MovieModuleDeps): ApiModule {
  const service = new MovieService(new PgMovieRepository(deps.db), newExternalId);
  return { name: 'movie', handlers: toRuntimeHandlers(createMovieHandlers(service)) };
}
