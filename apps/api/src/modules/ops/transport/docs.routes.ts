import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

/** The files of swagger-ui-dist served under /docs/assets (no CDN: the page works offline). */
const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

/** The API reference page: Swagger UI rendering /openapi.json, every asset served locally. */
export const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chompardo API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/docs-init.js"></script>
</body>
</html>
`;

const initScript = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: false
});
`;

/** Registers the static assets of the API reference page (loaded once, served from memory). */
export function registerDocsAssets(app: FastifyInstance): void {
  const require = createRequire(import.meta.url);
  const dist = join(require.resolve('swagger-ui-dist/package.json'), '..');
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const [name, type] of Object.entries(assets)) files.set(name, { body: readFileSync(join(dist, name)), type });
  files.set('docs-init.js', { body: Buffer.from(initScript), type: 'text/javascript; charset=utf-8' });
  app.get<{ Params: { file: string } }>('/docs/assets/:file', async (request, reply) => {
    const file = files.get(request.params.file);
    if (!file) return reply.callNotFound();
    reply.header('Cache-Control', 'public, max-age=3600');
    return reply.type(file.type).send(file.body);
  });
}
