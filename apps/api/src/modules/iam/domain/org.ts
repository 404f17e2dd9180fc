import type { Audit } from './audit.js';

/** Kinds of org: the one Principal (platform administration), the one Test org, and the rest. */
export type OrgKind = 'principal' | 'test' | 'standard';

/** An org: the tenant that apps, members and their role grants belong to. */
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

/** A member of an org with the codes of the roles granted there. */
export interface Member {
  userExternalId: string;
  email: string | null;
  name: string | null;
  roleCodes: string[];
  /** Keyset position (membership time) in the member list. */
  sortKey: string;
}
