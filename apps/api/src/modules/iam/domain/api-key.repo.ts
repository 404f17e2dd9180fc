import type { ApiKeyInfo, AppKeys, GeneratedApiKey } from './api-key.js';
import type { Actor } from './audit.js';
import type { OrgKind } from './org.js';

/** What app authentication needs about an app: its org, and its active (unrevoked) keys. */
export interface AppCredentials {
  appId: string;
  appExternalId: string;
  orgId: string;
  orgExternalId: string;
  orgKind: OrgKind;
  keys: { keyId: string; hash: Buffer; deactivationDate: Date }[];
}

/** Storage of apps' API keys (port), and what app authentication reads of an app. */
export interface ApiKeyRepository {
  addApiKey(appId: string, key: GeneratedApiKey, deactivationDate: Date, actor: Actor): Promise<ApiKeyInfo>;
  revokeApiKey(appId: string, keyId: string, actor: Actor): Promise<boolean>;
  /** Every app (or only `appId`) with its keys, unrevoked only unless `includeRevoked`; by org, then app. */
  findAppKeys(filter: { appId?: string; includeRevoked: boolean }): Promise<AppKeys[]>;
  findAppCredentials(appExternalId: string): Promise<AppCredentials | undefined>;
  /** The app bound to an OAuth2 client id (no keys: a token authenticates it). */
  findAppCredentialsByClientId(clientId: string): Promise<AppCredentials | undefined>;
}
