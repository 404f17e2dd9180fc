import * as z from 'zod';
import { defineEvent } from '../../platform/events/event.js';

/**
 * The events the movie module publishes (docs/adr/0021-transactional-outbox.md): snake_case JSON
 * payloads, recorded in the transaction of the change. `org_id` is the tenant's internal id.
 */

/** A movie was created in an org. */
export const movieCreated = defineEvent({
  name: 'movie.created',
  version: 1,
  aggregateType: 'movie',
  payload: z.object({ movie_external_id: z.string(), org_id: z.string(), title: z.string(), created_by_app_external_id: z.string() }),
});
