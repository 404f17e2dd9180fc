/** Types generated for queries found in "src/modules/iam/infra/audit.sql" */
import { PreparedQuery } from '../../../platform/db/typed-query.js';

export type DateOrString = Date | string;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type NumberOrString = number | string;

/** 'InsertAuditEvent' parameters type */
export interface IInsertAuditEventParams {
  aggregateId: string;
  detail: Json;
  eventId: string;
  eventName: string;
  occurredAt: DateOrString;
  orgId?: NumberOrString | null | void;
}

/** 'InsertAuditEvent' return type */
export type IInsertAuditEventResult = void;

/** 'InsertAuditEvent' query type */
export interface IInsertAuditEventQuery {
  params: IInsertAuditEventParams;
  result: IInsertAuditEventResult;
}

const insertAuditEventIR: any = {"usedParamSet":{"eventId":true,"eventName":true,"aggregateId":true,"orgId":true,"detail":true,"occurredAt":true},"params":[{"name":"eventId","required":true,"transform":{"type":"scalar"},"locs":[{"a":107,"b":115}]},{"name":"eventName","required":true,"transform":{"type":"scalar"},"locs":[{"a":127,"b":137}]},{"name":"aggregateId","required":true,"transform":{"type":"scalar"},"locs":[{"a":140,"b":152}]},{"name":"orgId","required":false,"transform":{"type":"scalar"},"locs":[{"a":160,"b":165}]},{"name":"detail","required":true,"transform":{"type":"scalar"},"locs":[{"a":184,"b":191}]},{"name":"occurredAt","required":true,"transform":{"type":"scalar"},"locs":[{"a":209,"b":220}]}],"statement":"INSERT INTO iam.audit_event (event_id, event_name, aggregate_id, org_id, detail, occurred_at)\nVALUES (CAST(:eventId! AS uuid), :eventName!, :aggregateId!, CAST(:orgId AS bigint), CAST(:detail! AS jsonb), CAST(:occurredAt! AS timestamptz))\nON CONFLICT ON CONSTRAINT audit_event_event_id_uk DO NOTHING"};

/**
 * Query generated from SQL:
 * ```
 * INSERT INTO iam.audit_event (event_id, event_name, aggregate_id, org_id, detail, occurred_at)
 * VALUES (CAST(:eventId! AS uuid), :eventName!, :aggregateId!, CAST(:orgId AS bigint), CAST(:detail! AS jsonb), CAST(:occurredAt! AS timestamptz))
 * ON CONFLICT ON CONSTRAINT audit_event_event_id_uk DO NOTHING
 * ```
 */
export const insertAuditEvent = new PreparedQuery<IInsertAuditEventParams,IInsertAuditEventResult>(insertAuditEventIR, 'insertAuditEvent');


