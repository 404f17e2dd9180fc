import type { Actor } from './audit.js';

/** The orgs genesis created (internal ids). */
export interface GenesisRecord {
  principalOrgId: string;
  testOrgId: string;
  userOrgId: string;
  principalAppId: string;
  testAppId: string;
  userAppId: string;
}

/** Storage of genesis' record and its lock (port). */
export interface GenesisRepository {
  /**
   * Takes the transaction-scoped genesis lock without waiting: false when another genesis is
   * running (its caller gets 409 at once, never a wait that could end in a lock timeout).
   */
  lockGenesis(): Promise<boolean>;
  findGenesis(): Promise<GenesisRecord | undefined>;
  recordGenesis(record: GenesisRecord, actor: Actor): Promise<void>;
}
