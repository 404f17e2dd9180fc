import { generateApiKey } from '../domain/api-key.js';
import type { IamRepositories } from '../domain/iam.store.js';
import type { Actor } from '../domain/audit.js';
import type { App } from '../domain/app.js';
import type { Org, OrgKind } from '../domain/org.js';

/** A new org, its first app and that app's key (plaintext, shown once), keyed by key id. */
export interface CreatedOrgWithApp {
  org: Org;
  app: App;
  keys: Map<string, string>;
}

/** What {@link createOrgWithApp} writes; names and descriptions already validated and trimmed. */
export interface OrgWithAppDraft {
  org: { externalId: string; name: string; description: string; kind: OrgKind };
  app: { externalId: string; name: string; description: string; oauth2ClientId: string | null };
  keyDeactivation: Date;
}

/**
 * Creates an org with its first app and one API key, inside the caller's transaction (`tx`):
 * the one way an org and its app come to be together (`POST /orgs` with `app`, and genesis for
 * each of its three orgs). A duplicate name or OAuth2 client id rejects with `conflict_error`.
 */
export async function createOrgWithApp(
  tx: Pick<IamRepositories, 'orgs' | 'apps' | 'apiKeys'>,
  draft: OrgWithAppDraft,
  actor: Actor,
): Promise<CreatedOrgWithApp> {
  const org = await tx.orgs.createOrg(draft.org, actor);
  const appId = await tx.apps.createApp({ ...draft.app, orgId: org.id }, actor);
  const key = generateApiKey();
  await tx.apiKeys.addApiKey(appId, key, draft.keyDeactivation, actor);
  const app = (await tx.apps.findAppByExternalId(draft.app.externalId))!;
  return { org, app, keys: new Map([[key.keyId, key.key]]) };
}
