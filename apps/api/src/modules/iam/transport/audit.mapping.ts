import type { Audit } from '../domain/audit.js';

/** Audit fields on the wire (diygoapi's names). */
export function toAuditBody(audit: Audit) {
  return {
    create_app_extl_id: audit.createAppExtlId,
    create_user_first_name: audit.createUserFirstName,
    create_user_last_name: audit.createUserLastName,
    create_date_time: audit.createdAt.toISOString(),
    update_app_extl_id: audit.updateAppExtlId,
    update_user_first_name: audit.updateUserFirstName,
    update_user_last_name: audit.updateUserLastName,
    update_date_time: audit.updatedAt.toISOString(),
  };
}
