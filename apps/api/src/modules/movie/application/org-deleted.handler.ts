import * as z from 'zod';
import type { Queryable } from '../../../platform/db/db.js';
import { parseEventPayload, UnprocessableEventError, type EventSubscription } from '../../../platform/events/event.js';
import type { OrgMovies } from '../domain/org-movies.js';

/**
 * The fields of iam's `iam.org.deleted` v1 this subscriber reads (its own view: the movie module
 * does not import iam's code). `org_id` is the tenant key movies are stored under.
 */
const orgDeletedV1 = z.object({ org_id: z.string().regex(/^[1-9][0-9]*$/) });

/**
 * Movies of a deleted org are deleted (not archived: the org, its apps and its users' access are
 * gone, so nobody could ever read them again; see docs/adr/0021-transactional-outbox.md), in the
 * delivery's transaction. Idempotent by nature too: a second run deletes nothing.
 * `orgMoviesOn` binds the storage to that transaction.
 */
export function deleteOrgMoviesSubscription(orgMoviesOn: (tx: Queryable) => OrgMovies): EventSubscription {
  return {
    subscriber: 'movie.delete-org-movies',
    events: ['iam.org.deleted'],
    async handle(event, tx) {
      if (event.version !== 1) throw new UnprocessableEventError(`iam.org.deleted v${event.version} is not understood (v1 only)`);
      const { org_id: orgId } = parseEventPayload(event, orgDeletedV1);
      await orgMoviesOn(tx).deleteMoviesOfOrg(orgId);
    },
  };
}
