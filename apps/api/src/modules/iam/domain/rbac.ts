import type { Audit } from './audit.js';

/** HTTP methods a permission may name. */
export type Operation = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const operations: ReadonlySet<string> = new Set<Operation>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** True when `method` (upper case) is an operation RBAC decides on. */
export function isOperation(method: string): method is Operation {
  return operations.has(method);
}

/** A route a permission names: path template exactly as in the spec, and method. */
export interface Route {
  resource: string;
  operation: Operation;
}

/** A permission: one route (template + method); roles hold permissions. */
export interface Permission extends Route {
  id: string;
  externalId: string;
  description: string;
  active: boolean;
  audit: Audit;
}

/** A role: a set of permissions, granted to users per org. */
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

/**
 * `METHOD /path/template`, the key RBAC decisions are made on: the one spelling of a route as a
 * string, in code and in SQL (`operation || ' ' || resource`, infra/rbac.sql).
 */
export function routeKey(route: { operation: string; resource: string }): string {
  return `${route.operation} ${route.resource}`;
}
