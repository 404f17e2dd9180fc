/**
 * `npm start -- [--port N] [--identity-port N] [--data-dir DIR]`: the all-in-one development stack.
 *
 * Flags win over the environment (PORT, IDENTITY_PORT, DATA_DIR), which wins over the defaults
 * (API 4000, identity service 4001, `.data/` at the repository root). Before starting anything
 * it makes sure the stack can really be its own: the data directory must not be in use by another
 * `npm start` (lock file `<data dir>/npm-start.json`, checked for a live pid) and both ports must
 * be free (it binds them for a moment); otherwise it says what is in the way and how to get past
 * it, and exits 1.
 *
 * Then it starts the identity service, waits until its JWKS answers, starts the API (embedded
 * PGlite under the data directory unless DATABASE_URL is set; migrations applied) pointed at that
 * identity service (JWKS URL, issuer, audience), waits until it is ready, and prints the URLs and
 * the next steps. `<data dir>/npm-start.json` also tells `npm run token` and `npm run genesis`
 * where the services are. Ctrl-C (or SIGTERM) stops both cleanly and removes the file; if either
 * dies, the other is stopped too. Data is kept in the data directory between runs.
 *
 * The issuer of tokens is the identity service's URL the first time a data directory is used,
 * and stays that on later runs (recorded in `<data dir>/identity-issuer`), even when the ports
 * move: the API knows users by issuer + subject, so a new issuer would turn every existing user,
 * the genesis user included, into a stranger. AUTH_ISSUER / AUTH_AUDIENCE in the environment win.
 *
 * package.json runs this file as `node --import tsx`, not through the tsx command: that wrapper
 * SIGKILLs a child that takes more than a few milliseconds to acknowledge Ctrl-C (as a loaded
 * machine does), which would skip the orderly stop and the lock release below.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { acquireProcessLock, ProcessLockHeldError, type ProcessLock } from '../apps/api/src/platform/db/process-lock.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const usage =
  'usage: npm start -- [--port N (env PORT, 4000)] [--identity-port N (env IDENTITY_PORT, 4001)] [--data-dir DIR (env DATA_DIR, ./.data)]';
/** The issuer every identity service had before the issuer followed the port. */
const legacyIssuer = 'http://127.0.0.1:4001';

const children: ChildProcess[] = [];
let stopping = false;
let stackLock: ProcessLock | undefined;

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  stackLock?.release();
  process.exit(code);
}

interface StackSettings {
  apiPort: number;
  identityPort: number;
  dataDir: string;
  /** True when the data directory is not the default one (the CLIs then need DATA_DIR). */
  customDataDir: boolean;
}

function parsePort(value: string, origin: string): number {
  const port = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) fail(`invalid ${origin}: expected a port 1-65535, got "${value}"\n${usage}`, 2);
  return port;
}

function readSettings(): StackSettings {
  let values: { port?: string; 'identity-port'?: string; 'data-dir'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        'identity-port': { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n${usage}`, 2);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const env = (name: string): string | undefined => (process.env[name]?.trim() ? process.env[name] : undefined);
  const pick = (flag: keyof typeof values, name: string): { value: string; origin: string } | undefined => {
    const flagValue = values[flag];
    if (typeof flagValue === 'string') return { value: flagValue, origin: `--${flag}` };
    const envValue = env(name);
    return envValue === undefined ? undefined : { value: envValue, origin: name };
  };
  const apiPortChoice = pick('port', 'PORT');
  const identityPortChoice = pick('identity-port', 'IDENTITY_PORT');
  const apiPort = apiPortChoice ? parsePort(apiPortChoice.value, apiPortChoice.origin) : 4000;
  const identityPort = identityPortChoice ? parsePort(identityPortChoice.value, identityPortChoice.origin) : 4001;
  if (apiPort === identityPort) fail(`the API and the identity service need two different ports (both ${apiPort})\n${usage}`, 2);
  const dataDirChoice = pick('data-dir', 'DATA_DIR');
  // npm runs the script in the repository root; a path the user typed is relative to where they typed it.
  const dataDir = dataDirChoice ? resolve(process.env.INIT_CWD ?? process.cwd(), dataDirChoice.value) : join(root, '.data');
  return { apiPort, identityPort, dataDir, customDataDir: dataDir !== join(root, '.data') };
}

/** Resolves when `port` can be bound on `host` right now (and frees it again); rejects with the error otherwise. */
function probePort(host: string, port: number): Promise<void> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolvePort()));
  });
}

/** The data directory's issuer: AUTH_ISSUER, else the one recorded, else (recorded now) the identity service's URL. */
function chooseIssuer(dataDir: string, identityUrl: string): { issuer: string; note: string | undefined } {
  const fromEnv = process.env.AUTH_ISSUER?.trim();
  if (fromEnv) return { issuer: fromEnv, note: 'from AUTH_ISSUER' };
  const file = join(dataDir, 'identity-issuer');
  let issuer: string | undefined;
  try {
    issuer = readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    // not recorded yet
  }
  // Identity data made before the issuer was recorded was always issued as the legacy issuer.
  issuer ??= existsSync(join(dataDir, 'identity')) ? legacyIssuer : identityUrl;
  writeFileSync(file, `${issuer}\n`);
  return {
    issuer,
    note: issuer === identityUrl ? undefined : `kept from the first start on this data directory (${relative(root, file) || file})`,
  };
}

function start(name: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
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
    await new Promise((resolveWait) => setTimeout(resolveWait, delay));
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
      await new Promise((resolveExit) => child.once('exit', resolveExit));
    }
  }
  stackLock?.release();
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

async function main(): Promise<void> {
  const settings = readSettings();
  const { dataDir } = settings;
  const identityUrl = `http://127.0.0.1:${settings.identityPort}`;
  const apiHost = process.env.HOST?.trim() || '127.0.0.1';
  const apiUrl = `http://127.0.0.1:${settings.apiPort}`;
  const secondStack = `npm start -- --data-dir .data-2 --port ${settings.apiPort + 10} --identity-port ${settings.identityPort + 10}`;

  mkdirSync(dataDir, { recursive: true });
  try {
    stackLock = acquireProcessLock(join(dataDir, 'npm-start.json'), { api_url: apiUrl, identity_url: identityUrl, data_dir: dataDir });
  } catch (error) {
    if (!(error instanceof ProcessLockHeldError)) throw error;
    const { holder } = error;
    const where = typeof holder.api_url === 'string' ? `: API ${holder.api_url}, identity service ${String(holder.identity_url)}` : '';
    fail(
      `npm start is already running on ${dataDir} (pid ${holder.pid}, since ${holder.started_at})${where}.\n` +
        `Use that one, or stop it first (Ctrl-C in its terminal, or kill ${holder.pid}) and run npm start again.\n` +
        `A second stack next to it needs its own data directory and ports:\n  ${secondStack}`,
    );
  }

  const busy: string[] = [];
  for (const [what, host, port] of [
    ['the API', apiHost, settings.apiPort],
    ['the identity service', '127.0.0.1', settings.identityPort],
  ] as const) {
    try {
      await probePort(host, port);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      busy.push(
        `port ${port} (${what}) on ${host}: ${code === 'EADDRINUSE' ? 'already in use by another program' : (code ?? String(error))}`,
      );
    }
  }
  if (busy.length > 0) {
    fail(
      `cannot start: ${busy.join('; ')}.\n` +
        'Stop whatever listens there (another Chompardo on another data directory?), or move this stack to free ports:\n' +
        `  npm start -- --port ${settings.apiPort + 10} --identity-port ${settings.identityPort + 10}`,
    );
  }

  const { issuer, note: issuerNote } = chooseIssuer(dataDir, identityUrl);
  const audience = process.env.AUTH_AUDIENCE?.trim() || issuer;
  const startedAt = Date.now();
  start('identity service', 'apps/identity/src/main.ts', {
    PORT: String(settings.identityPort),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    AUTH_ISSUER: issuer,
    AUTH_AUDIENCE: audience,
  });
  await waitFor(`${identityUrl}/api/auth/jwks`, 'the identity service', 120_000);
  start('API', 'apps/api/src/main.ts', {
    PORT: String(settings.apiPort),
    DATA_DIR: dataDir,
    // AUTH_ISSUERS (passed through from the environment) replaces the single-issuer settings; it
    // must then list this identity service too (README, "A second identity provider").
    ...(process.env.AUTH_ISSUERS?.trim()
      ? {}
      : { AUTH_JWKS_URL: process.env.AUTH_JWKS_URL ?? `${identityUrl}/api/auth/jwks`, AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience }),
  });
  await waitFor(`${apiUrl}/readyz`, 'the API', 120_000);
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  const pointCliAtStack = settings.customDataDir ? `  0. Let the CLIs find this stack:  export DATA_DIR=${dataDir}\n` : '';
  process.stdout.write(`
Chompardo is running (ready in ${seconds} s; data in ${dataDir})

  API                ${apiUrl}
  API reference      ${apiUrl}/docs
  OpenAPI            ${apiUrl}/openapi.yaml
  Identity service   ${identityUrl}  (JWKS ${identityUrl}/api/auth/jwks)
  Token issuer       ${issuer}${issuerNote ? `  (${issuerNote})` : ''}

Next steps (in another terminal; npm run token / genesis find these URLs in ${join(dataDir, 'npm-start.json')}):
${pointCliAtStack}  1. Get a token:        npm run -s token -- --email you@example.com
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
