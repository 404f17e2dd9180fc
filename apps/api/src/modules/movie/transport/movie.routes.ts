import { authenticatedCaller, personNameOf } from '../../../platform/auth/authenticated.js';
import type { RequestAuth } from '../../../platform/auth/ports.js';
import { etagOf, parseIfMatch } from '../../../platform/http/etag.js';
import type { OperationHandlers } from '../../../platform/http/operation.js';
import { decodeCursor, encodeCursor } from '../../../platform/http/pagination.js';
import type { MovieListQuery, MovieService } from '../application/movie.service.js';
import type { Movie, MovieActor, MovieInput } from '../domain/movie.js';
import type { components, operations } from './openapi.gen.js';

type MovieBody = components['schemas']['Movie'];

/** The wire form of a movie (snake_case, `release_date` as `YYYY-MM-DD`, times RFC 3339 UTC). */
export function toMovieBody(movie: Movie): MovieBody {
  return {
    external_id: movie.externalId,
    title: movie.title,
    rated: movie.rated,
    release_date: movie.releaseDate,
    run_time: movie.runTime,
    director: movie.director,
    writer: movie.writer,
    create_app_extl_id: movie.createdBy.appExternalId,
    create_user_first_name: movie.createdBy.firstName,
    create_user_last_name: movie.createdBy.lastName,
    create_date_time: movie.createdAt,
    update_app_extl_id: movie.updatedBy.appExternalId,
    update_user_first_name: movie.updatedBy.firstName,
    update_user_last_name: movie.updatedBy.lastName,
    update_date_time: movie.updatedAt,
  };
}

type MovieInputBody = components['schemas']['MovieInput'];

/** The movie a client sent, camelCase for the application (validated there). */
export function toMovieInput(body: MovieInputBody): MovieInput {
  return {
    title: body.title,
    rated: body.rated,
    releaseDate: body.release_date,
    runTime: body.run_time,
    director: body.director,
    writer: body.writer,
  };
}

/** The tenant and the author of a request: the authenticated app's org, the app and the token user. */
interface Caller {
  orgId: string;
  actor: MovieActor;
}

function callerOf(auth: RequestAuth): Caller {
  // Every movie operation requires a JWT and app credentials (spec security).
  const { user, app } = authenticatedCaller(auth);
  // The tenant comes only from the authenticated app, never from anything the client sends.
  return { orgId: app.orgId, actor: { appExternalId: app.externalId, ...personNameOf(user) } };
}

/** Handlers of the movie spec's operations (tenant = the calling app's org). */
export function createMovieHandlers(service: MovieService): OperationHandlers<operations> {
  return {
    createMovie: async ({ auth, body }) => {
      const { orgId, actor } = callerOf(auth);
      const movie = await service.createMovie(orgId, actor, toMovieInput(body));
      return {
        status: 201,
        body: toMovieBody(movie),
        headers: { Location: `/api/v1/movies/${movie.externalId}`, ETag: etagOf(movie.version) },
      };
    },
    findMovies: async ({ auth, query }) => {
      const { orgId } = callerOf(auth);
      const listQuery: MovieListQuery = { limit: query.limit ?? 50 };
      if (query.cursor) listQuery.after = decodeCursor(query.cursor, 2);
      if (query.title !== undefined) listQuery.title = query.title;
      if (query.director !== undefined) listQuery.director = query.director;
      if (query.release_year_from !== undefined) listQuery.releaseYearFrom = query.release_year_from;
      if (query.release_year_to !== undefined) listQuery.releaseYearTo = query.release_year_to;
      const page = await service.findMovies(orgId, listQuery);
      return {
        status: 200,
        body: { items: page.movies.map(toMovieBody), next_cursor: page.nextKey ? encodeCursor(page.nextKey) : null },
      };
    },
    findMovieById: async ({ auth, params }) => {
      const { orgId } = callerOf(auth);
      const movie = await service.findMovieById(orgId, params.extlId);
      return { status: 200, body: toMovieBody(movie), headers: { ETag: etagOf(movie.version) } };
    },
    updateMovie: async ({ auth, params, body, headers }) => {
      const { orgId, actor } = callerOf(auth);
      const movie = await service.updateMovie(orgId, actor, params.extlId, toMovieInput(body), parseIfMatch(headers['if-match']));
      return { status: 200, body: toMovieBody(movie), headers: { ETag: etagOf(movie.version) } };
    },
    deleteMovie: async ({ auth, params, headers }) => {
      const { orgId } = callerOf(auth);
      await service.deleteMovie(orgId, params.extlId, parseIfMatch(headers['if-match']));
      return { status: 200, body: { external_id: params.extlId, deleted: true } };
    },
  };
}
