import { authenticatedCaller } from '../../../platform/auth/authenticated.js';
import { etagOf, parseIfMatch } from '../../../platform/http/etag.js';
import type { OperationHandlers } from '../../../platform/http/operation.js';
import type { AppService } from '../application/app.service.js';
import { toAppBody, toAppInput, toAppUpdate } from './app.mapping.js';
import type { operations } from './openapi.gen.js';
import { pageByKeyset } from './page.js';

/** The operations bound here: the apps of the caller's org (their keys are api-key.routes.ts'). */
export type AppOperations = Pick<operations, 'createApp' | 'findApps' | 'findAppById' | 'updateApp' | 'deleteApp'>;

/** Handlers of the app operations, typed from the spec. */
export function createAppHandlers(apps: AppService): OperationHandlers<AppOperations> {
  return {
    createApp: async ({ auth, body }) => {
      const { app, keys } = await apps.createApp(authenticatedCaller(auth), toAppInput(body));
      return {
        status: 201,
        body: toAppBody(app, keys),
        replayBody: toAppBody(app),
        headers: { Location: `/api/v1/apps/${app.externalId}`, ETag: etagOf(app.version) },
      };
    },
    findApps: async ({ auth, query }) => {
      const page = await pageByKeyset(query, (p) => apps.findApps(authenticatedCaller(auth), p));
      return { status: 200, body: { items: page.items.map((a) => toAppBody(a)), next_cursor: page.next } };
    },
    findAppById: async ({ auth, params }) => {
      const app = await apps.findAppById(authenticatedCaller(auth), params.extlId);
      return { status: 200, body: toAppBody(app), headers: { ETag: etagOf(app.version) } };
    },
    updateApp: async ({ auth, params, body, headers }) => {
      const app = await apps.updateApp(authenticatedCaller(auth), params.extlId, toAppUpdate(body), parseIfMatch(headers['if-match']));
      return { status: 200, body: toAppBody(app), headers: { ETag: etagOf(app.version) } };
    },
    deleteApp: async ({ auth, params, headers }) => {
      await apps.deleteApp(authenticatedCaller(auth), params.extlId, parseIfMatch(headers['if-match']));
      return { status: 200, body: { external_id: params.extlId, deleted: true } };
    },
  };
}
