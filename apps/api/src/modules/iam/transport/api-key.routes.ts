import { authenticatedCaller } from '../../../platform/auth/authenticated.js';
import type { OperationHandlers } from '../../../platform/http/operation.js';
import type { ApiKeyService } from '../application/api-key.service.js';
import type { operations } from './openapi.gen.js';

/** The operations bound here: adding a key to an app, and revoking one. */
export type ApiKeyOperations = Pick<operations, 'createApiKey' | 'revokeApiKey'>;

/** Handlers of `createApiKey` and `revokeApiKey`, typed from the spec. */
export function createApiKeyHandlers(apiKeys: ApiKeyService): OperationHandlers<ApiKeyOperations> {
  return {
    createApiKey: async ({ auth, params, body }) => {
      const { key, info } = await apiKeys.createApiKey(authenticatedCaller(auth), params.extlId, body?.deactivation_date);
      const shown = { key_id: info.keyId, prefix: info.prefix, deactivation_date: info.deactivationDate.toISOString() };
      // The plaintext key is in the first answer only, never in what an Idempotency-Key retry replays.
      return { status: 201, body: { key, ...shown }, replayBody: shown, headers: { Location: `/api/v1/apps/${params.extlId}` } };
    },
    revokeApiKey: async ({ auth, params }) => {
      await apiKeys.revokeApiKey(authenticatedCaller(auth), params.extlId, params.keyId);
      return { status: 200, body: { external_id: params.keyId, deleted: true } };
    },
  };
}
