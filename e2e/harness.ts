/**
 * End-to-end harness: runs the BUILT services (`apps/identity/dist/main.js`,
 * `apps/api/dist/main.js`) as child processes on loopback, exactly as an operator would, each on
 * its own fresh database — a new database on the test runner's PostgreSQL when
 * `CHOMPARDO_TEST_PG_ADMIN_URL` is set, else embedded PGlite in a temporary directory — and
 * stops them with SIGTERM, reporting how they exited.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import pg from 'pg';

/** The repository root (this file lives in `<root>/e2e`). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The built entry points the harness runs, and the built client the tests import. */
export const builtArtifacts = {
  identity: path.join(repoRoot, 'apps', 'identity', 'dist', 'main.js'),
  api: path.join(repoRoot, 'apps', 'api', 'dist', 'main.js'),
  client: path.join(repoRoot, 'packages', 'client', 'dist', 'index.js'),
} as const;

/**
 * Throws, naming the fix, when a built artifact is missing (the e2e tests never build:
 * `npm test` compiles first).
 */
export function assertBuilt(): void {
  const missing = Object.values(builtArtifacts).filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `built artifacts missing: ${missing.map((file) => path.relative(repoRoot, file)).join(', ')}; ` +
        `run \`npm run compile\` first (npm test does it)`,
    );
  }
}

/** How a child process ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when it did not exit within the stop timeout after SIGTERM and had to be killed. */
  hung: boolean;
}

/** One running service process. */
export interface ServiceProcess {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** The last lines it wrote to stdout/stderr (for failure messages). */
  output(): string;
}

/** A running identity service + API pair (see {@link startStack}). */
export interface Stack {
  /** Base URL of the identity service, e.g. `http://127.0.0.1:43121` (also its issuer and audience). */
  readonly identityUrl: string;
  /** Base URL of the API. */
  readonly apiUrl: string;
  /** `postgres` when both run on the test PostgreSQL, else `pglite`. */
  readonly storage: 'postgres' | 'pglite';
  readonly identity: ServiceProcess;
  readonly api: ServiceProcess;
  /**
   * Sends SIGTERM to the API, then to the identity service, waits for each to exit (SIGKILL
   * after {@link stopTimeoutMs}), then drops the databases / removes the temporary directory.
   * Idempotent; resolves to how each process ended.
   */
  stop(): Promise<{ api: ExitStatus; identity: ExitStatus }>;
}

/** Options of {@link startStack}. */
export interface StackOptions {
  /**
   * Extra environment for the API process (e.g. `LOG_LEVEL`), or a function of the identity
   * service's URL giving it. With `AUTH_ISSUERS` in it the single-issuer settings are not set
   * (the API refuses both).
   */
  apiEnv?: Record<string, string> | ((identityUrl: string) => Record<string, string>);
  /** How long each service may take to become ready; default 90 s (PGlite on a busy machine). */
  readyTimeoutMs?: number;
}

const stopTimeoutMs = 15_000;
const outputLines = 200;

/** A TCP port free on 127.0.0.1 right now (the OS picks it; the caller binds it soon after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

async function adminSql(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The environment of a service: PATH plus `env`. Nothing else is inherited, so a developer's
 * DATABASE_URL, PORT, AUTH_* or LOG_LEVEL cannot leak into the test.
 */
function serviceEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env };
}

function startService(name: string, entry: string, url: string, cwd: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [entry], { cwd, env: serviceEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const collect = (chunk: Buffer): void => {
    // The pipes must be drained or a chatty child blocks on a full pipe; keep only the tail.
    lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== ''),
    );
    if (lines.length > outputLines) lines.splice(0, lines.length - outputLines);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return { name, url, child, output: () => lines.map((line) => `  [${name}] ${line}`).join('\n') };
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function exitStatus(child: ChildProcess): Promise<ExitStatus> {
  if (hasExited(child)) return Promise.resolve({ code: child.exitCode, signal: child.signalCode, hung: false });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, hung: false })));
}

/**
 * Polls `url` until it answers 200, the service exits, or `timeoutMs` passes (then throws with
 * the service's last output).
 */
async function waitReady(service: ServiceProcess, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  let delay = 50;
  while (Date.now() < deadline) {
    if (hasExited(service.child)) {
      throw new Error(
        `${service.name} exited (code ${service.child.exitCode}, signal ${service.child.signalCode}) before ready:\n${service.output()}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
      lastProblem = `HTTP ${response.status} ${await response.text()}`;
    } catch (error) {
      lastProblem = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    }
    // Polling a condition with a deadline, not sleeping in place of synchronisation.
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 500);
  }
  throw new Error(`${service.name} not ready at ${url} within ${timeoutMs} ms (${lastProblem}):\n${service.output()}`);
}

async function stopService(service: ServiceProcess): Promise<ExitStatus> {
  const { child } = service;
  if (!hasExited(child)) child.kill('SIGTERM');
  const exited = exitStatus(child);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), stopTimeoutMs);
  });
  const first = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (first !== 'timeout') return first;
  child.kill('SIGKILL');
  return { ...(await exited), hung: true };
}

/**
 * Starts the identity service, waits until it answers `/healthz`, then the API (its JWKS,
 * issuer and audience pointing at that identity service; migrations applied at start), and
 * waits until `/readyz` is 200. Both listen on free loopback ports and run with the repository's
 * built code but in a temporary working directory (no developer config file or `.data/`).
 * On failure everything started so far is stopped and cleaned up before the error is thrown.
 * @throws Error when an artifact is missing (see {@link assertBuilt}) or a service does not get ready.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  assertBuilt();
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const workDir = await mkdtemp(path.join(tmpdir(), 'chompardo-e2e-'));
  const adminUrl = process.env.CHOMPARDO_TEST_PG_ADMIN_URL;
  const databases: string[] = [];
  const services: ServiceProcess[] = [];
  // A test process that dies without stopping the stack must not leave servers running.
  const killOnExit = (): void => {
    for (const service of services) if (!hasExited(service.child)) service.child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  let cleaned: Promise<void> | undefined;
  const cleanUp = (): Promise<void> => {
    cleaned ??= (async () => {
      process.off('exit', killOnExit);
      for (const name of databases) {
        if (adminUrl) await adminSql(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
      }
      await rm(workDir, { recursive: true, force: true });
    })();
    return cleaned;
  };

  const storageEnv = async (service: 'identity' | 'api'): Promise<Record<string, string>> => {
    if (!adminUrl) return { DATA_DIR: path.join(workDir, 'data') };
    const name = `e2e_${service}_${process.pid}_${randomBytes(4).toString('hex')}`;
    await adminSql(adminUrl, `CREATE DATABASE "${name}" TEMPLATE template0`);
    databases.push(name);
    return { DATABASE_URL: databaseUrl(adminUrl, name) };
  };

  let stopped: Promise<{ api: ExitStatus; identity: ExitStatus }> | undefined;
  const stopAll = (): Promise<{ api: ExitStatus; identity: ExitStatus }> => {
    stopped ??= (async () => {
      // The API first: it depends on the identity service (as `npm start` stops them).
      const [identity, api] = services;
      const notStarted: ExitStatus = { code: null, signal: null, hung: false };
      const apiStatus = api ? await stopService(api) : notStarted;
      const identityStatus = identity ? await stopService(identity) : notStarted;
      await cleanUp();
      return { api: apiStatus, identity: identityStatus };
    })();
    return stopped;
  };

  try {
    const identityPort = await freePort();
    const identityUrl = `http://127.0.0.1:${identityPort}`;
    const identity = startService('identity', builtArtifacts.identity, identityUrl, workDir, {
      ...(await storageEnv('identity')),
      HOST: '127.0.0.1',
      PORT: String(identityPort),
      AUTH_ISSUER: identityUrl,
      AUTH_AUDIENCE: identityUrl,
      LOG_LEVEL: 'warn',
    });
    services.push(identity);
    await waitReady(identity, `${identityUrl}/healthz`, readyTimeoutMs);

    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const apiEnv = typeof options.apiEnv === 'function' ? options.apiEnv(identityUrl) : (options.apiEnv ?? {});
    const api = startService('api', builtArtifacts.api, apiUrl, workDir, {
      ...(await storageEnv('api')),
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      ...(apiEnv.AUTH_ISSUERS === undefined
        ? { AUTH_JWKS_URL: `${identityUrl}/api/auth/jwks`, AUTH_ISSUER: identityUrl, AUTH_AUDIENCE: identityUrl }
        : {}),
      LOG_LEVEL: 'warn',
      ...apiEnv,
    });
    services.push(api);
    await waitReady(api, `${apiUrl}/readyz`, readyTimeoutMs);

    return { identityUrl, apiUrl, storage: adminUrl ? 'postgres' : 'pglite', identity, api, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** A user signed up at the identity service, with a JWT for the API. */
export interface IdentityUser {
  email: string;
  /** Better Auth's user id: the JWT's `sub`. */
  id: string;
  /** A JWT from `GET /api/auth/token`. */
  jwt: string;
}

async function identityCall(
  identityUrl: string,
  path: string,
  init: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers = new Headers(init.headers);
  // Node's fetch sends Fetch Metadata headers, on which Better Auth's CSRF check wants a trusted
  // Origin; the service's own URL is one (as in apps/identity/scripts/token.ts).
  headers.set('origin', identityUrl);
  const response = await fetch(`${identityUrl}/api/auth${path}`, { ...init, headers, signal: AbortSignal.timeout(15_000) });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = text === '' ? {} : JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: response.status, body };
}

/**
 * Signs a new user up through Better Auth's HTTP API (`POST /api/auth/sign-up/email`) and
 * exchanges the session for a JWT (`GET /api/auth/token` with the session token as Bearer).
 * @throws Error with the service's answer when either step fails.
 */
export async function signUpWithJwt(identityUrl: string, user: { email: string; password: string; name: string }): Promise<IdentityUser> {
  const signUp = await identityCall(identityUrl, '/sign-up/email', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(user),
  });
  const session = signUp.body.token;
  const account = signUp.body.user as { id?: unknown } | undefined;
  if (signUp.status !== 200 || typeof session !== 'string' || typeof account?.id !== 'string') {
    throw new Error(`sign-up of ${user.email} failed: HTTP ${signUp.status} ${JSON.stringify(signUp.body)}`);
  }
  const token = await identityCall(identityUrl, '/token', { headers: { authorization: `Bearer ${session}` } });
  if (token.status !== 200 || typeof token.body.token !== 'string') {
    throw new Error(`token for ${user.email} failed: HTTP ${token.status} ${JSON.stringify(token.body)}`);
  }
  return { email: user.email, id: account.id, jwt: token.body.token };
}

/**
 * Signs an existing user in through Better Auth's HTTP API (`POST /api/auth/sign-in/email`) and
 * exchanges the session for a JWT, as {@link signUpWithJwt} does for a new one.
 * @throws Error with the service's answer when either step fails.
 */
export async function signInWithJwt(identityUrl: string, user: { email: string; password: string }): Promise<IdentityUser> {
  const signIn = await identityCall(identityUrl, '/sign-in/email', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(user),
  });
  const session = signIn.body.token;
  const account = signIn.body.user as { id?: unknown } | undefined;
  if (signIn.status !== 200 || typeof session !== 'string' || typeof account?.id !== 'string') {
    throw new Error(`sign-in of ${user.email} failed: HTTP ${signIn.status} ${JSON.stringify(signIn.body)}`);
  }
  const token = await identityCall(identityUrl, '/token', { headers: { authorization: `Bearer ${session}` } });
  if (token.status !== 200 || typeof token.body.token !== 'string') {
    throw new Error(`token for ${user.email} failed: HTTP ${token.status} ${JSON.stringify(token.body)}`);
  }
  return { email: user.email, id: account.id, jwt: token.body.token };
}

/**
 * The environment of a user's shell: this process's environment without the test runner's and a
 * developer's settings that would change the stack (database, auth, config file, log level),
 * plus `extra`.
 */
export function userShellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (
      /^(CHOMPARDO_|DATABASE_URL$|DB_|AUTH_|CONFIG_FILE$|TARGET$|HOST$|PORT$|IDENTITY_PORT$|DATA_DIR$|API_URL$|IDENTITY_URL$|LOG_LEVEL$|NODE_ENV$|NODE_TEST_CONTEXT$)/.test(
        key,
      )
    )
      delete env[key];
  }
  return { ...env, ...extra };
}

/** How a command ended and what it printed. */
export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command args…` in the repository root with `env`, killed after `timeoutMs`; never rejects. */
export function runCommand(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = fileBudgetMs / 2): Promise<CommandRun> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: repoRoot, env, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A running `npm start` (see {@link spawnNpmStart}). */
export interface NpmStart {
  readonly child: ChildProcess;
  /** Everything it printed so far (the last 50 000 characters). */
  output(): string;
  /** Resolves once the output matches `pattern`; throws when it exits first or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** Resolves with how it exited, or 'timeout' if it is still running after `timeoutMs`. */
  exited(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'timeout'>;
  /** SIGINT to its process group (Ctrl-C in a terminal); resolves as {@link exited}. */
  interrupt(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'timeout'>;
  /** SIGKILL to its process group, if still running (cleanup). */
  kill(): void;
}

/**
 * Spawns `npm start -- …args` from the repository root in its own process group (so a SIGINT
 * reaches npm, tsx, the orchestrator and both services at once, as Ctrl-C does) with `env`.
 * Should the test process die first, the group is killed.
 */
export function spawnNpmStart(args: string[], env: NodeJS.ProcessEnv): NpmStart {
  const child = spawn('npm', ['start', ...(args.length > 0 ? ['--', ...args] : [])], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let text = '';
  const collect = (chunk: Buffer): void => {
    text = (text + chunk.toString('utf8')).slice(-50_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const status = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const kill = (): void => {
    if (child.pid !== undefined && !hasExited(child)) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', kill);
  void status.then(() => process.off('exit', kill));
  const exited = async (timeoutMs: number) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const first = await Promise.race([status, timeout]);
    clearTimeout(timer);
    return first;
  };
  return {
    child,
    output: () => text,
    async waitForOutput(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      // Polling the collected output with a deadline, not sleeping in place of synchronisation.
      while (!pattern.test(text)) {
        if (hasExited(child))
          throw new Error(`npm start exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${text}`);
        if (Date.now() > deadline) throw new Error(`npm start did not print ${pattern} within ${timeoutMs} ms:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    exited,
    async interrupt(timeoutMs) {
      if (child.pid !== undefined && !hasExited(child)) process.kill(-child.pid, 'SIGINT');
      return exited(timeoutMs);
    },
    kill,
  };
}

/** The `export NAME='value'` lines of `npm run genesis -- --exports`, as a record. */
export function parseExports(stdout: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const match of stdout.matchAll(/^export (\w+)='((?:[^']|'\\'')*)'$/gm)) vars[match[1]!] = match[2]!.replace(/'\\''/g, "'");
  return vars;
}

/** The payload of a compact JWS (not verified: for reading claims of a token the test obtained). */
export function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * The test runner's bound on one file (CHOMPARDO_TEST_TIMEOUT_MS, default 120 s). End-to-end
 * files size their own waits as fractions of it, so that a slower machine given a larger bound
 * gets proportionally longer waits, and every wait still ends before the runner's.
 */
export const fileBudgetMs = Number(process.env.CHOMPARDO_TEST_TIMEOUT_MS ?? 120_000);

/**
 * The steps of one story whose later steps build on the earlier ones' state (a user signed up,
 * genesis run, a movie created). Each step runs only when every earlier step of the story passed;
 * after a failure the rest skip, naming the failed step, so one fault is reported once rather
 * than as a cascade of confusing follow-on failures. Steps that stand alone stay plain `it`s.
 */
export function storySteps(): (name: string, fn: () => Promise<void>) => void {
  let failed: string | undefined;
  return (name, fn) => {
    it(name, async (ctx) => {
      if (failed !== undefined) {
        ctx.skip(`needs the earlier step that failed: ${failed}`);
        return;
      }
      try {
        await fn();
      } catch (e) {
        failed = name;
        throw e;
      }
    });
  };
}
