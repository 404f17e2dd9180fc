import { AppError } from '../../../platform/errors/app-error.js';

/**
 * The identity-and-access domain (diygoapi's model): users (identified by token issuer +
 * subject), orgs, apps with API keys, permissions (route template + method), roles holding
 * permissions, and role grants per org. Internal ids are strings of bigints and never leave the
 * server; clients see external ids.
 */

/** Kinds of org: the one Principal (platform administration), the one Test org, and the rest. */
export type OrgKind = 'principal' | 'test' | 'standard';

/** HTTP methods a permission may name. */
export type Operation = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const operations: ReadonlySet<string> = new Set<Operation>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** True when `method` (upper case) is an operation RBAC decides on. */
export function isOperation(method: string): method is Operation {
  return operations.has(method);
}

/** Who performs a write, recorded in the audit columns (internal ids). */
export interface Actor {
  appId: string | null;
  userId: string | null;
}

/** Audit fields as shown to clients. */
export interface Audit {
  createAppExtlId: string | null;
  createUserFirstName: string | null;
  createUserLastName: string | null;
  createdAt: Date;
  updateAppExtlId: string | null;
  updateUserFirstName: string | null;
  updateUserLastName: string | null;
  updatedAt: Date;
}

export interface Org {
  id: string;
  externalId: string;
  name: string;
  description: string;
  kind: OrgKind;
  /** Increases with every update; backs the ETag. */
  version: number;
  audit: Audit;
  sortKey: string;
}

/** An API key as stored and shown (never the key itself). */
export interface ApiKeyInfo {
  keyId: string;
  prefix: string;
  deactivationDate: Date;
  createdAt: Date;
}

/** Who wrote an audited row, as recorded: the app, and the user (an operator is a user of the operator issuer). */
export interface AuditParty {
  appExternalId: string | null;
  user: { issuer: string; subject: string; name: string | null } | null;
}

/** An API key as an operator lists it: its state and who created / last changed it (never the key). */
export interface ApiKeyRecord extends ApiKeyInfo {
  revokedAt: Date | null;
  updatedAt: Date;
  createdBy: AuditParty;
  updatedBy: AuditParty;
}

/** An app with its org and keys, as an operator lists it. */
export interface AppKeys {
  appId: string;
  appExternalId: string;
  appName: string;
  orgExternalId: string;
  orgName: string;
  orgKind: OrgKind;
  keys: ApiKeyRecord[];
}

export interface App {
  id: string;
  externalId: string;
  orgId: string;
  orgExternalId: string;
  orgKind: OrgKind;
  name: string;
  description: string;
  oauth2ClientId: string | null;
  version: number;
  apiKeys: ApiKeyInfo[];
  audit: Audit;
  sortKey: string;
}

/** A route a permission names: path template exactly as in the spec, and method. */
export interface Route {
  resource: string;
  operation: Operation;
}

export interface Permission extends Route {
  id: string;
  externalId: string;
  description: string;
  active: boolean;
  audit: Audit;
}

export interface Role {
  id: string;
  externalId: string;
  code: string;
  description: string;
  active: boolean;
  version: number;
  permissions: Route[];
  audit: Audit;
}

export interface User {
  id: string;
  externalId: string;
  issuer: string;
  subject: string;
  email: string | null;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A user's profile as the token's claims tell it. */
export interface UserProfile {
  issuer: string;
  subject: string;
  email: string | null;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
}

/** A member of an org with the codes of the roles granted there. */
export interface Member {
  userExternalId: string;
  email: string | null;
  name: string | null;
  roleCodes: string[];
  /** Keyset position (membership time) in the member list. */
  sortKey: string;
}

/**
 * `METHOD /path/template`, the key RBAC decisions are made on: the one spelling of a route as a
 * string, in code and in SQL (`operation || ' ' || resource`, infra/rbac.sql).
 */
export function routeKey(route: { operation: string; resource: string }): string {
  return `${route.operation} ${route.resource}`;
}

/** A trimmed non-blank name, else `<param> is required`. */
export function requiredName(value: string, param: string): string {
  const trimmed = value.trim();
  if (!trimmed) throw new AppError('input_validation_error', `${param} is required`, { param });
  return trimmed;
}
