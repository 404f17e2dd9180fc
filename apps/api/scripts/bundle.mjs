// Bundles the built server (dist/main.js, from tsc) into dist/main.js plus its lazily loaded
// chunks, so the process loads a few files instead of ~600 modules (docs/adr/0028-server-bundle.md).
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const apiDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(apiDir, 'dist');

/**
 * Loaded from their own packages at run time, not bundled: `pg` (OpenTelemetry patches it as it
 * is first required, so it must stay the one module `require` sees), the tracing packages (only
 * loaded when tracing is on), PGlite and swagger-ui (they read files next to their own code),
 * ioredis (only with the redis rate-limit store).
 */
const external = ['pg', '@opentelemetry/*', '@electric-sql/pglite', '@fastify/swagger-ui', 'ioredis'];

/**
 * Every bundled file's `import.meta.url` stays the URL of the file tsc emitted, relative to the
 * bundle (which lives in dist/ like the entry), so paths built from it — the modules' migration
 * folders, the default genesis request — resolve as before.
 */
const keepFileUrls = {
  name: 'keep-file-urls',
  setup(builder) {
    builder.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(dist + sep)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const own = JSON.stringify('./' + relative(dist, args.path).split(sep).join('/'));
      return { contents: source.replaceAll('import.meta.url', `new URL(${own}, import.meta.url).href`), loader: 'js' };
    });
  },
};

const banner = "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);";
if ((await readFile(join(dist, 'main.js'), 'utf8')).startsWith(banner)) {
  throw new Error('dist/main.js is already the bundle: compile first (npm run build runs tsc, then this)');
}
for (const name of readdirSync(dist)) if (name.startsWith('chunk-')) rmSync(join(dist, name));

await build({
  entryPoints: [join(dist, 'main.js')],
  outdir: dist,
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  plugins: [keepFileUrls],
  chunkNames: 'chunk-[hash]',
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
  // CommonJS packages inside an ES module bundle still call require() for Node's own modules.
  banner: { js: banner },
});
