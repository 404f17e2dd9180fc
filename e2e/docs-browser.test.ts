/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { startStack, type Stack } from './harness.js';

/**
 * The API reference page (`GET /docs`, the OpenAPI spec) in a real browser: Debian's Chromium, driven
 * headless by playwright-core, opens the built API's /docs and must render every operation of
 * every module from /openapi.json, load everything from the API itself (no CDN: works offline),
 * and see no failed request and no page error.
 */

/** Debian's package; `CHOMPARDO_CHROMIUM` may name another Chromium/Chrome binary. */
const chromiumPath = process.env.CHOMPARDO_CHROMIUM ?? '/usr/bin/chromium';

/** Modules whose operations the page must show, by OpenAPI tag (iam is split into several). */
const moduleTags = ['ops', 'genesis', 'users', 'orgs', 'apps', 'permissions', 'roles', 'movies', 'recipes'];

const httpMethods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/**
 * Installs Debian's `chromium` when the binary is missing and we are root (as `.ci/run` does
 * before `npm test`); otherwise a missing browser is an error that says how to get one.
 */
function ensureChromium(): void {
  if (existsSync(chromiumPath)) return;
  if (chromiumPath !== '/usr/bin/chromium' || process.getuid?.() !== 0) {
    throw new Error(
      `no Chromium at ${chromiumPath}: install Debian's package (apt-get install chromium) or set CHOMPARDO_CHROMIUM to a Chromium/Chrome binary`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { env, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { env, stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  if (!existsSync(chromiumPath)) throw new Error(`apt-get install chromium did not provide ${chromiumPath}`);
}

interface SpecOperation {
  tag: string;
  operationId: string;
  method: string;
  path: string;
}

/** Every operation of the served spec with its first tag (Swagger UI groups by it). */
async function servedOperations(apiUrl: string): Promise<SpecOperation[]> {
  const response = await fetch(`${apiUrl}/openapi.json`);
  assert.equal(response.status, 200);
  // The page renders the same document the API publishes.
  const rendered = await fetch(`${apiUrl}/docs/json`);
  assert.equal(rendered.status, 200);
  const published = (await response.clone().json()) as unknown;
  assert.deepEqual(await rendered.json(), published, '/docs/json is the bundled spec of /openapi.json');
  const spec = (await response.json()) as { paths: Record<string, Record<string, { operationId?: string; tags?: string[] }>> };
  const operations: SpecOperation[] = [];
  for (const [route, item] of Object.entries(spec.paths)) {
    for (const method of httpMethods) {
      const operation = item[method];
      if (!operation) continue;
      assert.ok(operation.operationId && operation.tags?.[0], `${method} ${route} has an operationId and a tag`);
      operations.push({ tag: operation.tags[0], operationId: operation.operationId, method, path: route });
    }
  }
  return operations;
}

// Before any test: a first-time apt-get install takes minutes, far beyond a test's time budget.
ensureChromium();

describe('GET /docs in a real browser (headless Chromium)', { timeout: 180_000 }, () => {
  let stack: Stack;
  let browser: Browser | undefined;

  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('renders the operations of every module, loading only from the API and with no failed request', async (t) => {
    const operations = await servedOperations(stack.apiUrl);
    assert.deepEqual([...new Set(operations.map((op) => op.tag))].sort(), [...moduleTags].sort(), 'the spec covers exactly these modules');

    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
      timeout: 30_000,
    });
    const context = await browser.newContext();
    const requested: string[] = [];
    const failures: string[] = [];
    context.on('request', (request) => requested.push(request.url()));
    context.on('requestfailed', (request) =>
      failures.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText ?? 'failed'}`),
    );
    context.on('response', (response) => {
      if (response.status() >= 400) failures.push(`${response.request().method()} ${response.url()}: HTTP ${response.status()}`);
    });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // Resources a Content-Security-Policy blocks are never requested, so they show up only here.
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()} (${message.location().url || 'no url'})`);
    });

    const response = await page.goto(`${stack.apiUrl}/docs`, { waitUntil: 'load', timeout: 30_000 });
    assert.equal(response?.status(), 200);
    assert.equal(await page.title(), 'Chompardo API reference');

    // Swagger UI renders one `.opblock` per operation once /openapi.json is parsed.
    try {
      await page.waitForFunction((count) => document.querySelectorAll('.opblock').length >= count, operations.length, { timeout: 30_000 });
    } catch (error) {
      const problems = [...pageErrors, ...failures].join('\n  ') || 'none seen';
      throw new Error(`the operations were not rendered within 30 s; page errors and failed requests:\n  ${problems}`, { cause: error });
    }
    await page.waitForLoadState('networkidle', { timeout: 15_000 });

    // Each operation is shown under its tag with Swagger UI's deep-link id, its method and path.
    const rendered = await page.evaluate((ops) => {
      const missing: string[] = [];
      for (const op of ops) {
        const block = document.getElementById(`operations-${op.tag}-${op.operationId}`);
        const shownPath = block?.querySelector('.opblock-summary-path')?.getAttribute('data-path');
        if (!block || !block.classList.contains(`opblock-${op.method}`) || shownPath !== op.path) {
          missing.push(`${op.method.toUpperCase()} ${op.path} (${op.tag}/${op.operationId})`);
        }
      }
      const tags = Array.from(document.querySelectorAll('.opblock-tag')).map((el) => el.getAttribute('data-tag'));
      return { missing, tags, blocks: document.querySelectorAll('.opblock').length };
    }, operations);
    assert.deepEqual(rendered.missing, [], 'every operation of the spec is rendered');
    assert.deepEqual([...rendered.tags].sort(), [...moduleTags].sort(), 'one section per module tag');
    assert.equal(rendered.blocks, operations.length);

    const screenshot = path.join(tmpdir(), `chompardo-docs-${process.pid}.png`);
    await page.screenshot({ path: screenshot });
    t.diagnostic(`screenshot: ${screenshot}`);

    const apiOrigin = new URL(stack.apiUrl).origin;
    // data: and blob: URLs are not network requests; everything else must come from the API.
    const foreign = requested.filter((url) => !/^(data|blob):/.test(url) && new URL(url).origin !== apiOrigin);
    assert.deepEqual(foreign, [], 'no request leaves the API origin (no CDN)');
    // The page (@fastify/swagger-ui) loads the bundled spec from /docs/json and its assets from /docs/static.
    for (const needed of ['/docs', '/docs/json', '/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-ui.css']) {
      assert.ok(
        requested.some((url) => new URL(url).pathname === needed),
        `${needed} was loaded (requests: ${requested.join(', ')})`,
      );
    }
    assert.deepEqual(failures, [], 'no request failed');
    assert.deepEqual(pageErrors, [], 'no uncaught error or console error (e.g. a CSP violation) in the page');
  });

  it('stops the API and the identity service cleanly on SIGTERM (exit code 0)', async () => {
    await browser?.close();
    browser = undefined;
    const status = await stack.stop();
    assert.deepEqual(
      status,
      { api: { code: 0, signal: null, hung: false }, identity: { code: 0, signal: null, hung: false } },
      `${stack.api.output()}\n${stack.identity.output()}`,
    );
  });
});
