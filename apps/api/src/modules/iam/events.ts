import * as z from 'zod';
import { defineEvent } from '../../platform/events/event.js';

/**
 * The events the iam module publishes (its published language, docs/adr/0021-transactional-outbox.md).
 * Payloads are snake_case JSON. `org_id` is the org's internal id, the tenant key other modules
 * store (`AuthApp.orgId`); `*_external_id` are the ids the API shows. Each event is recorded in the
 * transaction of the change, so it exists exactly when the change committed. Subscribers read
 * these by name and validate what they use themselves; a breaking change is a new version.
 */

/**
 * An org was deleted with its apps, keys, memberships and grants (no `iam.app.deleted` is recorded
 * for the apps that went with it); data other modules keep for it is orphaned until they react.
 */
export const orgDeleted = defineEvent({
  name: 'iam.org.deleted',
  version: 1,
  aggregateType: 'org',
  payload: z.object({ org_id: z.string(), org_external_id: z.string(), name: z.string() }),
});

/** An app was deleted; its keys went with it (revoked at once on every instance). */
export const appDeleted = defineEvent({
  name: 'iam.app.deleted',
  version: 1,
  aggregateType: 'app',
  payload: z.object({ app_id: z.string(), app_external_id: z.string(), org_id: z.string(), org_external_id: z.string(), name: z.string() }),
});

/** A user registered for the first time (through an app of `org_id`, where they became a member). */
export const userRegistered = defineEvent({
  name: 'iam.user.registered',
  version: 1,
  aggregateType: 'user',
  payload: z.object({ user_external_id: z.string(), org_id: z.string(), app_external_id: z.string() }),
});
