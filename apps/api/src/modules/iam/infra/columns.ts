/**
 * The columns every iam table shares, as the repositories read and write them: the audit columns
 * (who created and last updated a row, and when), the version an If-Match names, and the keyset
 * (creation time, external id) of newest-first lists.
 */
import { expectedVersionsParam, type ExpectedVersion } from '../../../platform/errors/precondition.js';
import type { Actor, Audit } from '../domain/audit.js';
import type { After } from '../domain/page.js';

/** The audit columns of a row, with the app's external id and the users' names joined in. */
export interface AuditRow {
  create_app_extl_id: string | null;
  create_user_first_name: string | null;
  create_user_last_name: string | null;
  create_at: Date;
  update_app_extl_id: string | null;
  update_user_first_name: string | null;
  update_user_last_name: string | null;
  update_at: Date;
}

/** The audit columns as the domain shows them. */
export function toAudit(row: AuditRow): Audit {
  return {
    createAppExtlId: row.create_app_extl_id,
    createUserFirstName: row.create_user_first_name,
    createUserLastName: row.create_user_last_name,
    createdAt: row.create_at,
    updateAppExtlId: row.update_app_extl_id,
    updateUserFirstName: row.update_user_first_name,
    updateUserLastName: row.update_user_last_name,
    updatedAt: row.update_at,
  };
}

/** The writer of a row, as the queries' `actorAppId` / `actorUserId` parameters. */
export function actorParams(actor: Actor) {
  return { actorAppId: actor.appId, actorUserId: actor.userId };
}

/** An If-Match precondition as the queries' `expectedVersions` parameter. */
export function expectedParams(expected: ExpectedVersion | undefined) {
  return { expectedVersions: expectedVersionsParam(expected) };
}

/** A keyset position as the queries' `afterCreateAt` / `afterExtlId` parameters (null: the first page). */
export function afterParams(after: After | undefined) {
  return { afterCreateAt: after?.sortKey ?? null, afterExtlId: after?.externalId ?? null };
}
