import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { docsSecurityHeaders } from '../../../platform/http/security-headers.js';

/** Where the page and its assets live. */
const docsPrefix = '/docs';

/** Cache-Control of the page's static assets (the API's answers are `no-store`). */
const assetCacheControl = 'public, max-age=3600';

/** The operation of the ops spec served by {@link registerDocs} rather than by a handler. */
export const docsOperationId = 'getDocs';

/**
 * Registers the API reference page, `GET /docs` (the ops spec's `getDocs`): Swagger UI from
 * @fastify/swagger-ui rendering the bundled spec (given to @fastify/swagger in static mode, served
 * to the page at `/docs/json`), every asset served by the API itself under `/docs/static/` (no CDN:
 * the page works offline). The page and its scripts carry the page's own Content-Security-Policy
 * (same-origin scripts, styles and images); everything else the API's.
 */
export function registerDocs(app: FastifyInstance, spec: unknown): void {
  void app.register(async (docs) => {
    // The bundled assets change only with a release: browsers may keep them an hour.
    docs.addHook('onSend', async (request, reply) => {
      if (reply.statusCode === 200 && request.url.startsWith(`${docsPrefix}/static/`)) reply.header('Cache-Control', assetCacheControl);
    });
    await docs.register(fastifySwagger, { mode: 'static', specification: { document: spec as never } });
    await docs.register(fastifySwaggerUi, {
      routePrefix: docsPrefix,
      theme: { title: 'Chompardo API reference' },
      uiConfig: { deepLinking: true, tryItOutEnabled: false },
      // No calls to swagger.io's validator: the page stays offline.
      validatorUrl: false,
      uiHooks: {
        // The plugin takes callback-style hooks.
        onRequest: (_request, reply, done) => {
          reply.headers(docsSecurityHeaders);
          done();
        },
      },
    });
  });
}
