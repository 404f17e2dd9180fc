/**
 * `npm start`: the all-in-one development stack. Starts the identity service (port 4001), waits
 * until its JWKS answers, starts the API (port 4000; embedded PGlite under .data/ unless
 * DATABASE_URL is set; migrations applied), waits until it is ready, then prints the URLs and the
 * next steps. Ctrl-C (or SIGTERM) stops both cleanly; if either dies, the other is stopped too.
 * Data is kept in .data/ between runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.DATA_DIR ?? join(root, '.data');
const identityPort = process.env.IDENTITY_PORT ?? '4001';
const apiPort = process.env.PORT ?? '4000';
const identityUrl = `http://127.0.0.1:${identityPort}`;
const apiUrl = `http://127.0.0.1:${apiPort}`;

const children: ChildProcess[] = [];
let stopping = false;

function start(name: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  child.once('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`\n${name} stopped unexpectedly (${signal ?? `exit ${code}`}); stopping everything\n`);
      void stopAll(1);
    }
  });
  children.push(child);
  return child;
}

async function waitFor(url: string, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 100;
  while (Date.now() < deadline) {
    if (stopping) throw new Error('stopping');
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 1000);
  }
  throw new Error(`${what} did not become ready at ${url} within ${timeoutMs / 1000} s`);
}

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // The API first (it depends on the identity service's JWKS), then the identity service.
  for (const child of [...children].reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const startedAt = Date.now();
  start('identity service', 'apps/identity/src/main.ts', { PORT: identityPort, HOST: '127.0.0.1', DATA_DIR: dataDir });
  await waitFor(`${identityUrl}/api/auth/jwks`, 'the identity service', 120_000);
  start('API', 'apps/api/src/main.ts', {
    PORT: apiPort,
    DATA_DIR: dataDir,
    AUTH_JWKS_URL: process.env.AUTH_JWKS_URL ?? `${identityUrl}/api/auth/jwks`,
  });
  await waitFor(`${apiUrl}/readyz`, 'the API', 120_000);
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  process.stdout.write(`
Chompardo is running (ready in ${seconds} s; data in ${dataDir})

  API                ${apiUrl}
  API reference      ${apiUrl}/docs
  OpenAPI            ${apiUrl}/openapi.yaml
  Identity service   ${identityUrl}  (JWKS ${identityUrl}/api/auth/jwks)

Next steps (in another terminal):
  1. Get a token:        npm run -s token -- --email you@example.com
  2. Run genesis once:   eval "$(npm run -s genesis -- --email you@example.com --exports)"
  3. Create a movie:     curl -s -X POST "$API/api/v1/movies" -H "Authorization: Bearer $TOKEN" \\
                           -H "X-APP-ID: $APP_ID" -H "X-API-KEY: $API_KEY" -H 'Content-Type: application/json' \\
                           -d '{"title":"Repo Man","rated":"R","release_date":"1984-03-02","run_time":92,"director":"Alex Cox","writer":"Alex Cox"}'

Press Ctrl-C to stop.
`);
}

main().catch((error: unknown) => {
  if (!stopping) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    void stopAll(1);
  }
});
