import { freePort } from '../harness/postgres.js';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { createJwtVerifier } from '../../src/platform/auth/jwt-verifier.js';
import type { TokenVerifier } from '../../src/platform/auth/ports.js';
import type { Config } from '../../src/platform/config/config.js';
import { loadConfig } from '../../src/platform/config/index.js';
import type { ManagedDb } from '../../src/platform/db/managed-db.js';
import { createPgDb } from '../../src/platform/db/pg-db.js';
import { createLogger, LogControl } from '../../src/platform/logging/logger.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { testPostgresEnv } from '../harness/database.js';
import { createTenant, pollForStatus, principalHeaders, runGenesis, type GenesisKeys, type Tenant } from '../harness/iam.js';

/**
 * Scale-out (docs/scaling.md): two API instances on one PostgreSQL behind Debian's nginx on
 * loopback, configured by the shipped `deploy/nginx.conf` (only its upstream ports, listen port
 * and pid path are rewritten). Shows that requests spread over both instances, that a role
 * revoked through one instance is refused by the other within 1 s, and that the per-app rate
 * limit holds across both with `RATE_LIMIT_STORE=postgres`.
 *
 * Which instance answered a request is read from the instances' own access logs: nginx sends
 * `X-Request-Id: $request_id`, the API reuses it as its request id, logs it and answers it in
 * `Request-Id`.
 */

const nginxBinary = '/usr/sbin/nginx';
const shippedNginxConf = fileURLToPath(new URL('../../../../deploy/nginx.conf', import.meta.url));
const isRoot = process.getuid?.() === 0;

/**
 * Budget per app and window. Large enough that the RBAC test's polling (two 25 ms pollers for up
 * to 1 s plus the warm-up) never runs into it, so a 429 cannot hide a late 403.
 */
const rateLimitMax = 150;
/**
 * The longest window the config accepts: windows are aligned to the epoch, so a short one could
 * roll over during the burst and refill the budget.
 */
const rateLimitWindow = '596h';
const rateLimitWindowSeconds = 596 * 3600;
/** The same settings for both instances, as docs/scaling.md asks of every instance. */
const scaleEnv = {
  RATE_LIMIT_MAX: String(rateLimitMax),
  RATE_LIMIT_WINDOW: rateLimitWindow,
  RATE_LIMIT_STORE: 'postgres',
  // Exact counting is the point here: on a loaded machine a store call can take longer than the
  // default 250 ms deadline, and a late call lets its request through uncounted (by design).
  RATE_LIMIT_STORE_TIMEOUT: '10s',
  TRUST_PROXY: '127.0.0.1',
};

const propagationDeadlineMs = 1_000;
/** nginx's `$request_id`: 32 hex digits. */
const nginxRequestId = /^[0-9a-f]{32}$/;

const skipReason =
  testPostgresEnv() === undefined
    ? 'needs the runner PostgreSQL (two instances share one server database; PGlite is one process only)'
    : !existsSync(nginxBinary) && !isRoot
      ? `needs nginx at ${nginxBinary} (apt-get install nginx-light) and cannot install it without root`
      : false;

/** A second API instance on instance A's database, built as startTestApp builds A. */
interface SecondInstance {
  baseUrl: string;
  port: number;
  config: Config;
  /** Every log line written so far, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** A log sink that parses each JSON line into `logs` (what startTestApp does for instance A). */
function memoryLogDestination(logs: Record<string, unknown>[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
}

async function startSecondInstance(env: Record<string, string>, databaseUrl: string): Promise<SecondInstance> {
  // The real config loader with the same environment as A (an empty directory: no config file).
  const cwd = mkdtempSync(join(tmpdir(), 'chompardo-test-'));
  const config = loadConfig({ argv: [], cwd, env });
  rmSync(cwd, { recursive: true });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level: config.log.level, destination: memoryLogDestination(logs) });
  const logControl = new LogControl(logger, { minimumLevel: config.log.levelMin, errorStack: config.log.errorStack });
  const db: ManagedDb = createPgDb({ connectionString: databaseUrl, max: 5, applicationName: 'chompardo-test-b' });
  let verifier: TokenVerifier | undefined;
  let app: FastifyInstance | undefined;
  try {
    verifier = createJwtVerifier({ jwksUrl: config.auth.jwksUrl, issuer: config.auth.issuer, audience: config.auth.audience, logger });
    await verifier.start();
    app = buildApp({ config, logger, logControl, db, verifier });
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (e) {
    await app?.close();
    verifier?.stop();
    await db.close();
    throw e;
  }
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const running = app;
  const runningVerifier = verifier;
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    port: address.port,
    config,
    logs,
    async close() {
      await running.close();
      runningVerifier.stop();
      await db.close();
    },
  };
}

/** `text` with the one match of `pattern` replaced; fails when the shipped config changed shape. */
function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  const all = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  assert.equal(text.match(all)?.length ?? 0, 1, `deploy/nginx.conf: expected exactly one ${what} (${pattern})`);
  return text.replace(pattern, replacement);
}

/** nginx running on the shipped config in a temporary prefix. */
interface RunningNginx {
  baseUrl: string;
  /** Stops nginx (SIGTERM, SIGKILL after 5 s) and removes its prefix. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts nginx in the foreground on `deploy/nginx.conf` with the upstream servers pointed at
 * `upstreamPorts`, a free loopback listen port and everything it writes under a temporary
 * prefix; resolves once it proxies `GET /healthz` (10 s deadline). A lost race for the listen
 * port is retried with another port.
 */
async function startNginx(upstreamPorts: readonly [number, number]): Promise<RunningNginx> {
  const shipped = readFileSync(shippedNginxConf, 'utf8');
  for (let attempt = 1; ; attempt++) {
    const prefix = mkdtempSync(join(tmpdir(), 'chompardo-nginx-'));
    // Started as root, nginx runs its workers as nobody: they must reach the temp dirs under the prefix.
    chmodSync(prefix, 0o755);
    const port = await freePort();
    let conf = replaceOnce(shipped, /server 127\.0\.0\.1:4000\b/, `server 127.0.0.1:${upstreamPorts[0]}`, 'upstream server :4000');
    conf = replaceOnce(conf, /server 127\.0\.0\.1:4002\b/, `server 127.0.0.1:${upstreamPorts[1]}`, 'upstream server :4002');
    conf = replaceOnce(conf, /listen 127\.0\.0\.1:8080;/, `listen 127.0.0.1:${port};`, 'listen 127.0.0.1:8080');
    conf = replaceOnce(conf, /^pid [^;]+;/m, `pid ${join(prefix, 'nginx.pid')};`, 'pid directive');
    const confFile = join(prefix, 'nginx.conf');
    writeFileSync(confFile, conf);

    // -e stderr: the startup error log, before the config's error_log applies (not /var/log/nginx).
    const child = spawn(nginxBinary, ['-p', `${prefix}/`, '-c', confFile, '-e', 'stderr', '-g', 'daemon off;'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    const stop = async (): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited(child);
        clearTimeout(killer);
      }
      rmSync(prefix, { recursive: true, force: true });
    };

    const baseUrl = `http://127.0.0.1:${port}`;
    const deadline = performance.now() + 10_000;
    let failure: string | undefined;
    for (;;) {
      const error = await Promise.race([spawnError, new Promise<undefined>((resolve) => setImmediate(resolve, undefined))]);
      if (error) {
        failure = `cannot run ${nginxBinary}: ${error.message}`;
        break;
      }
      if (child.exitCode !== null || child.signalCode !== null) {
        failure = `nginx exited (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`;
        break;
      }
      try {
        const res = await fetch(`${baseUrl}/healthz`);
        await res.arrayBuffer();
        if (res.status === 200) return { baseUrl, stop };
      } catch {
        // Not listening yet.
      }
      if (performance.now() > deadline) {
        failure = `nginx did not answer ${baseUrl}/healthz within 10 s: ${stderr.trim()}`;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await stop();
    if (attempt < 3 && failure.includes('Address already in use')) continue;
    throw new Error(failure);
  }
}

/** What one request through nginx (or to an instance) answered. */
interface Answer {
  status: number;
  headers: Headers;
  requestId: string;
  text: string;
}

async function send(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, requestId: res.headers.get('request-id') ?? '', text };
}

/** `"app";r=41;t=18` → remaining 41. */
function remainingOf(answer: Answer): number {
  const header = answer.headers.get('ratelimit');
  const match = /^"app";r=(\d+);t=(\d+)$/.exec(header ?? '');
  assert.ok(match, `RateLimit header: ${header}`);
  return Number(match[1]);
}

describe('two instances behind nginx on one PostgreSQL', { skip: skipReason }, () => {
  let a: TestApp;
  let b: SecondInstance;
  let nginx: RunningNginx;
  let g: GenesisKeys;

  before(async () => {
    if (!existsSync(nginxBinary)) {
      throw new Error(`nginx is missing at ${nginxBinary}: install it (apt-get install nginx-light); .ci/run does so in CI`);
    }
    a = await startTestApp({ env: scaleEnv });
    assert.ok(a.database.url, 'a server database');
    b = await startSecondInstance(
      {
        AUTH_JWKS_URL: a.identity.jwksUrl,
        AUTH_ISSUER: a.identity.issuer,
        AUTH_AUDIENCE: a.identity.audience,
        LOG_LEVEL: 'info',
        ...scaleEnv,
      },
      a.database.url,
    );
    // Only the paths derived from each instance's own working directory differ.
    const shared = (config: Config) => ({ ...config, configFile: undefined, dataDir: undefined });
    assert.deepEqual(shared(b.config), shared(a.config), 'both instances run the same configuration');
    const portA = Number(new URL(a.baseUrl).port);
    nginx = await startNginx([portA, b.port]);
    g = await runGenesis(a);
  });

  after(async () => {
    await nginx?.stop();
    await b?.close();
    await a?.close();
  });

  /** Access lines ("request logged") of an instance by request id. */
  const accessLogged = (logs: Record<string, unknown>[], ids: Set<string>): Set<string> =>
    new Set(
      logs
        .filter((line) => line.message === 'request logged' && ids.has(line.request_id as string))
        .map((line) => line.request_id as string),
    );

  /**
   * Which instance served each request id, from their access logs. The access line is written
   * once the response is out, so it may trail the answer: poll the logs (2 s deadline).
   */
  async function servedBy(requestIds: string[]): Promise<{ a: Set<string>; b: Set<string> }> {
    const ids = new Set(requestIds);
    assert.equal(ids.size, requestIds.length, 'request ids are distinct');
    const deadline = performance.now() + 2_000;
    for (;;) {
      const onA = accessLogged(a.logs, ids);
      const onB = accessLogged(b.logs, ids);
      const both = [...onA].filter((id) => onB.has(id));
      assert.deepEqual(both, [], 'no request is logged by both instances');
      if (onA.size + onB.size === ids.size) return { a: onA, b: onB };
      if (performance.now() > deadline) {
        const missing = [...ids].filter((id) => !onA.has(id) && !onB.has(id));
        assert.fail(`no access line on either instance for ${missing.length} request(s): ${missing.slice(0, 5).join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('spreads requests over both instances; each keeps the request id nginx set', async (ctx) => {
    const answers: Answer[] = [];
    for (let i = 0; i < 40; i++) answers.push(await send(`${nginx.baseUrl}/healthz`));
    for (const answer of answers) {
      assert.equal(answer.status, 200, answer.text);
      assert.match(answer.requestId, nginxRequestId, 'the API reuses the X-Request-Id nginx sets');
    }
    const served = await servedBy(answers.map((answer) => answer.requestId));
    ctx.diagnostic(`40 requests through nginx: ${served.a.size} on A, ${served.b.size} on B`);
    assert.ok(served.a.size > 0 && served.b.size > 0, `both instances serve (A ${served.a.size}, B ${served.b.size})`);
  });

  it('a role revoked through A is refused through nginx and on B within 1 s', async (ctx) => {
    const tenant: Tenant = await createTenant(a);
    const movies = `/api/v1/movies`;
    // Warm both instances' caches (token, app key, RBAC decision) through nginx.
    const warmIds: string[] = [];
    let served = { a: new Set<string>(), b: new Set<string>() };
    for (let i = 0; i < 12 && (warmIds.length < 4 || served.a.size === 0 || served.b.size === 0); i++) {
      const answer = await send(nginx.baseUrl + movies, tenant.headers);
      assert.equal(answer.status, 200, answer.text);
      warmIds.push(answer.requestId);
      served = await servedBy(warmIds);
    }
    assert.ok(served.a.size > 0 && served.b.size > 0, `both instances allowed (and cached) first (A ${served.a.size}, B ${served.b.size})`);

    const revoke = await a.request('DELETE', `/api/v1/orgs/${tenant.orgExternalId}/members/${tenant.userExternalId}/roles/movieAdmin`, {
      headers: principalHeaders(g),
    });
    assert.equal(revoke.status, 200, revoke.text);

    const status = (url: string) => async () => (await send(url, tenant.headers)).status;
    const [viaNginx, onB] = await Promise.all([
      pollForStatus(status(nginx.baseUrl + movies), 403, { deadlineMs: propagationDeadlineMs, intervalMs: 25 }),
      pollForStatus(status(b.baseUrl + movies), 403, { deadlineMs: propagationDeadlineMs, intervalMs: 25 }),
    ]);
    ctx.diagnostic(`403 through nginx after ${Math.round(viaNginx.elapsedMs)} ms, on B after ${Math.round(onB.elapsedMs)} ms`);
    for (const [where, outcome] of [
      ['through nginx', viaNginx],
      ['on B', onB],
    ] as const) {
      assert.ok(
        outcome.reached,
        `${where}: still ${outcome.lastStatus} after ${Math.round(outcome.elapsedMs)} ms (${outcome.probes} probes)`,
      );
    }
  });

  it('holds the per-app rate limit across both instances with the shared store', async (ctx) => {
    const tenant: Tenant = await createTenant(a);
    const url = `${nginx.baseUrl}/api/v1/movies`;
    // Setting up the tenant already counted against its app: the first answer says what is left.
    const first = await send(url, tenant.headers);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.headers.get('ratelimit-policy'), `"app";q=${rateLimitMax};w=${rateLimitWindowSeconds}`);
    const remaining = remainingOf(first);
    assert.ok(remaining > 0 && remaining < rateLimitMax, `remaining ${remaining}`);

    // More than what is left, 8 at a time, so both instances count concurrently on one row.
    const over = 30;
    const total = remaining + over;
    const answers: Answer[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < total) {
          next += 1;
          answers.push(await send(url, tenant.headers));
        }
      }),
    );
    assert.equal(answers.length, total);

    const passed = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status === 429);
    assert.deepEqual(
      answers.filter((answer) => answer.status !== 200 && answer.status !== 429).map((answer) => `${answer.status} ${answer.text}`),
      [],
    );
    assert.equal(passed.length, remaining, `exactly the ${remaining} requests left in the budget pass`);
    assert.equal(refused.length, over);
    // One shared, atomic counter: every passing request saw a different count.
    assert.deepEqual(
      passed.map(remainingOf).sort((x, y) => x - y),
      Array.from({ length: remaining }, (_, i) => i),
    );
    for (const answer of refused) {
      const retryAfter = Number(answer.headers.get('retry-after'));
      assert.ok(
        Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= rateLimitWindowSeconds,
        `Retry-After ${answer.headers.get('retry-after')}`,
      );
      assert.equal(answer.headers.get('ratelimit-policy'), `"app";q=${rateLimitMax};w=${rateLimitWindowSeconds}`);
      assert.equal(answer.headers.get('ratelimit'), `"app";r=0;t=${retryAfter}`);
      assert.equal((JSON.parse(answer.text) as { error: { kind: string } }).error.kind, 'rate_limit_error');
    }

    const served = await servedBy(answers.map((answer) => answer.requestId));
    const count = (ids: Set<string>, list: Answer[]) => list.filter((answer) => ids.has(answer.requestId)).length;
    ctx.diagnostic(
      `${total} requests: A passed ${count(served.a, passed)}, refused ${count(served.a, refused)}; ` +
        `B passed ${count(served.b, passed)}, refused ${count(served.b, refused)}`,
    );
    assert.ok(served.a.size > 0 && served.b.size > 0, `both instances counted (A ${served.a.size}, B ${served.b.size})`);
  });
});
