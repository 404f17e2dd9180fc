import type { ApiKeyInfo } from './api-key.js';
import type { Audit } from './audit.js';
import type { OrgKind } from './org.js';

/** An app of an org, with its unrevoked API keys (never the keys themselves). */
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
