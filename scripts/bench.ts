/**
 * `npm run bench [-- options]`: the API measured against the best raw practice for the same work,
 * in one run, on this machine.
 *
 *   1. starts a throwaway real PostgreSQL (as the test harness does) and a loopback JWKS;
 *   2. starts the BUILT API (`NODE_ENV=production node apps/api/dist/main.js`, WORKERS=1) and
 *      seeds through it: genesis, then 1 000 movies in the user-initiated org;
 *   3. starts the baseline (scripts/bench/baseline.mjs): bare node:http + pg, its own process, the
 *      API's own SQL text taken from its generated typed queries, as named prepared statements,
 *      the same pool size, no auth;
 *   4. for the authenticated read, the 50-row list and the create: a warm-up of both, then
 *      alternated rounds (baseline/API, API/baseline, …) of autocannon, `--connections` each;
 *   5. prints per path the medians of requests/s, p50, p99 and CPU time per request of each server
 *      (utime + stime from /proc/<pid>/stat over the round), the API/baseline ratios, the API's
 *      peak RSS (VmHWM) and its start-to-ready time on the migrated database (median of 3).
 *
 * Sections added by flags (each runs after the main comparison, on the same database):
 *   --workers          requests/s of the read per worker count (`--worker-counts 1,2,…`, default
 *                      1…cores): the API with WORKERS=n next to the baseline with n node:cluster
 *                      workers, DB_POOL_MAX shared by the workers on both sides;
 *   --driver-compare   the baseline on pg next to the same baseline on postgres.js (pipelining),
 *                      same SQL, prepared statements on both, same pool size;
 *   --framework-floor  the baseline next to the same operations on a bare Fastify (no hooks, no
 *                      schemas, no logger): what the framework alone costs, the API's own ceiling;
 *   --overload         the read at fixed rates of 0.1× (unloaded reference), 0.5×, 1×, 1.5×, 2× the
 *                      API's measured capacity (open loop: scripts/bench/open-loop.ts): p50/p99 of
 *                      served requests, p99 of 503s, share of 503s per step.
 * Options: --rounds N (5), --duration S (10), --warmup S (3), --connections C (50), --pool-max N
 * (10), --only read|list|create (main and driver sections), --skip-main, --overload-workers N (1),
 * --overload-connections N (200), --cpu-prof DIR (profiles of every server process), --node-flags
 * "…" (extra node flags of every API process), --json (the summary as JSON on stdout). Loopback only; the
 * load generator shares the machine's cores with the servers, so compare ratios taken in one run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { startPostgres } from '../apps/api/test/harness/postgres.js';
import { startTestIdentity } from '../apps/api/test/harness/identity.js';
import { openLoop, type OpenLoopResult } from './bench/open-loop.js';
import { cpuTimeUs, machine, peakRssMb, processGroup } from './bench/proc.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    'pool-max': { type: 'string', default: '10' },
    'cpu-prof': { type: 'string' },
    only: { type: 'string' },
    'node-flags': { type: 'string' },
    'skip-main': { type: 'boolean', default: false },
    workers: { type: 'boolean', default: false },
    'worker-counts': { type: 'string' },
    'driver-compare': { type: 'boolean', default: false },
    'framework-floor': { type: 'boolean', default: false },
    overload: { type: 'boolean', default: false },
    'overload-workers': { type: 'string', default: '1' },
    'overload-connections': { type: 'string', default: '200' },
  },
});
const rounds = Number(args.rounds);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const connections = Number(args.connections);
const poolMax = Number(args['pool-max']);
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The targets the API is judged on (printed beside the figures; nothing is tuned to them). */
const targets = { read: 0.85, list: 0.7, create: 0.8, p99Ratio: 2, rssMb: 200, startToReadyMs: 1000, overloadP99Ratio: 3 };
const overloadSteps = [0.1, 0.5, 1, 1.5, 2];

type PathName = 'read' | 'list' | 'create';
const pathNames: PathName[] = (['read', 'list', 'create'] as const).filter((p) => !args.only || p === args.only);
const pathLabels: Record<PathName, string> = {
  read: 'read   GET /api/v1/movies/{id}',
  list: 'list   GET /api/v1/movies?limit=50',
  create: 'create POST /api/v1/movies',
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${url} not ready in ${timeoutMs} ms`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A server process (with its node:cluster workers, if any) started by {@link spawnServer}. */
interface Server {
  url: string;
  child: ChildProcess;
  /** The process and its workers. */
  pids(): number[];
  /** Worker crashes the supervisor reported (API only). */
  crashes: number;
  stop(): Promise<void>;
}

/**
 * Spawns `entry` with node and resolves once its stdout shows `readyMarker` (60 s deadline). The
 * stdout pipe is drained for the process's lifetime (as a log shipper would), scanning only for
 * the supervisor's crash line.
 */
async function spawnServer(entry: string, nodeArgs: string[], env: NodeJS.ProcessEnv, port: number, readyMarker: string): Promise<Server> {
  const child = spawn(process.execPath, [...nodeArgs, entry], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const server: Server = {
    url: `http://127.0.0.1:${port}`,
    child,
    pids: () => processGroup(child.pid!),
    crashes: 0,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${entry}: not ready within 60 s`)), 60_000);
    const onExit = (code: number | null) => reject(new Error(`${entry} exited (${code}) before it was ready`));
    child.once('exit', onExit);
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      if (!seen.includes(readyMarker)) return;
      clearTimeout(timer);
      child.removeListener('exit', onExit);
      child.stdout!.removeListener('data', onData);
      child.stdout!.on('data', (later: Buffer) => {
        if (later.includes('worker exited unexpectedly')) server.crashes++;
      });
      resolve();
    };
    child.stdout!.on('data', onData);
  });
  return server;
}

interface Context {
  databaseUrl: string;
  identity: Awaited<ReturnType<typeof startTestIdentity>>;
  headers: Record<string, string>;
  ids: string[];
  orgId: string;
  profileArgs: string[];
  /** Extra node flags of every API process (`--node-flags`). */
  apiNodeFlags: string[];
}

/**
 * The flags of the production command (README, docs/operations.md "Memory"): a heap limit sized
 * for the process instead of V8's default from the machine's memory, and a young generation large
 * enough that what a request holds dies there. `--node-flags` come after them, so they can
 * override them. The baseline runs on V8's defaults: with these flags it measured no better.
 */
const productionNodeFlags = ['--max-old-space-size=512', '--max-semi-space-size=32'];

/** The built API with WORKERS=`workers`; resolves once /readyz answers 200, with the time that took. */
async function startApi(ctx: Context, workers: number): Promise<Server & { startToReadyMs: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const server = await spawnServer(
    join(root, 'apps/api/dist/main.js'),
    [...ctx.profileArgs, ...productionNodeFlags, ...ctx.apiNodeFlags],
    {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: ctx.databaseUrl,
      DB_POOL_MAX: String(poolMax),
      WORKERS: String(workers),
      AUTH_JWKS_URL: ctx.identity.jwksUrl,
      AUTH_ISSUER: ctx.identity.issuer,
      AUTH_AUDIENCE: ctx.identity.audience,
      LOG_LEVEL: 'info',
    },
    port,
    workers === 1 ? '"message":"listening"' : '"message":"all workers listening"',
  );
  await waitReady(`${server.url}/readyz`, 60_000);
  return Object.assign(server, { startToReadyMs: Math.round(performance.now() - t0) });
}

/** The baseline server on `driver` with `workers` processes (node:cluster when more than one). */
async function startBaseline(
  ctx: Context,
  workers: number,
  driver: 'pg' | 'postgresjs',
  framework: 'node:http' | 'fastify' = 'node:http',
): Promise<Server> {
  const port = await freePort();
  return spawnServer(
    join(root, 'scripts/bench/baseline.mjs'),
    ctx.profileArgs,
    {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: ctx.databaseUrl,
      DB_POOL_MAX: String(poolMax),
      WORKERS: String(workers),
      ORG_ID: ctx.orgId,
      DRIVER: driver,
      FRAMEWORK: framework,
    },
    port,
    'ready',
  );
}

/** One measured run. */
interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU time (user + system) of the server's processes per request, in microseconds. */
  cpuUsPerRequest: number;
  /** CPU time of the load generator (this process) per request, in microseconds. */
  generatorCpuUsPerRequest: number;
}

const movieBody = JSON.stringify({
  title: 'Repo Man',
  rated: 'R',
  release_date: '1984-03-02',
  run_time: 92,
  director: 'Alex Cox',
  writer: 'Alex Cox',
});

/** The autocannon load of `path` against the API (`kind: 'api'`) or a baseline. */
function requestsOf(
  ctx: Context,
  path: PathName,
  kind: 'api' | 'baseline',
): { path?: string; paths?: string[]; method?: 'POST'; headers: Record<string, string>; body?: string } {
  const prefix = kind === 'api' ? '/api/v1/movies' : '/movies';
  const headers = kind === 'api' ? ctx.headers : { 'content-type': 'application/json' };
  if (path === 'read') return { paths: ctx.ids.map((id) => `${prefix}/${id}`), headers };
  if (path === 'list') return { path: `${prefix}?limit=50`, headers };
  return { path: prefix, method: 'POST', headers, body: movieBody };
}

async function load(server: Server, request: ReturnType<typeof requestsOf>, seconds = duration): Promise<Run> {
  let i = 0;
  const pids = server.pids();
  const cpuBefore = cpuTimeUs(pids);
  const generatorBefore = process.cpuUsage();
  const paths = request.paths;
  const result = await autocannon({
    url: `${server.url}${request.path ?? ''}`,
    connections,
    duration: seconds,
    method: request.method ?? 'GET',
    headers: request.headers,
    ...(request.body ? { body: request.body } : {}),
    ...(paths
      ? {
          requests: [
            {
              setupRequest: (req: { path: string }) => {
                req.path = paths[i++ % paths.length]!;
                return req;
              },
            },
          ],
        }
      : {}),
  });
  const cpu = cpuTimeUs(pids) - cpuBefore;
  const generator = process.cpuUsage(generatorBefore);
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    throw new Error(`${server.url}: the server exited during the run (${server.child.exitCode ?? server.child.signalCode})`);
  }
  if (result.non2xx + result.errors + result.timeouts > 0) {
    log(`  non-2xx/errors on ${server.url}: ${JSON.stringify(result.statusCodeStats)} errors=${result.errors} timeouts=${result.timeouts}`);
  }
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    cpuUsPerRequest: Math.round(cpu / Math.max(result.requests.total, 1)),
    generatorCpuUsPerRequest: Math.round((generator.user + generator.system) / Math.max(result.requests.total, 1)),
  };
}

interface Summary {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  cpuUsPerRequest: number;
  rounds: number[];
}

function summarize(runs: Run[]): Summary {
  return {
    rps: Math.round(median(runs.map((x) => x.rps))),
    p50: median(runs.map((x) => x.p50)),
    p99: median(runs.map((x) => x.p99)),
    errors: runs.reduce((a, x) => a + x.errors, 0),
    cpuUsPerRequest: median(runs.map((x) => x.cpuUsPerRequest)),
    rounds: runs.map((x) => Math.round(x.rps)),
  };
}

/**
 * Warms both sides up on the path (JIT, caches, prepared statements on every connection), then
 * measures `rounds` rounds, alternating which side goes first so drift in the machine's load
 * affects both alike. Returns the medians.
 */
async function compare(
  label: string,
  a: { name: string; run: (seconds?: number) => Promise<Run> },
  b: { name: string; run: (seconds?: number) => Promise<Run> },
) {
  if (warmup > 0) {
    log(`${label}: warm-up`);
    await a.run(warmup);
    await b.run(warmup);
  }
  const aRuns: Run[] = [];
  const bRuns: Run[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [a, b] : [b, a];
    for (const side of order) {
      log(`${label}: round ${r + 1}/${rounds} ${side.name}`);
      (side === a ? aRuns : bRuns).push(await side.run());
    }
  }
  return { a: summarize(aRuns), b: summarize(bRuns) };
}

/** x / y, or NaN when y is 0 (a failed run must not print as a huge ratio). */
const ratio = (x: number, y: number, digits = 2) => (y > 0 ? Number((x / y).toFixed(digits)) : Number.NaN);

async function seed(apiUrl: string, ctx: Pick<Context, 'identity'>): Promise<{ headers: Record<string, string>; ids: string[] }> {
  const token = await ctx.identity.mintToken({ sub: 'bench-user', given_name: 'Bench', family_name: 'User' }, { expiresIn: 4 * 3600 });
  const genesis = await fetch(`${apiUrl}/api/v1/genesis`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  if (genesis.status !== 201) throw new Error(`genesis failed: ${genesis.status} ${await genesis.text()}`);
  const g = (await genesis.json()) as { userInitiated: { app: { external_id: string; api_keys: { key: string }[] } } };
  const headers = {
    authorization: `Bearer ${token}`,
    'x-app-id': g.userInitiated.app.external_id,
    'x-api-key': g.userInitiated.app.api_keys[0]!.key,
    'content-type': 'application/json',
  };
  const ids: string[] = [];
  for (let batch = 0; batch < 20; batch++) {
    const created = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const res = await fetch(`${apiUrl}/api/v1/movies`, { method: 'POST', headers, body: movieBody });
        if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
        return (await res.json()) as { external_id: string };
      }),
    );
    ids.push(...created.map((m) => m.external_id));
  }
  return { headers, ids };
}

/** The main comparison: each path, API (WORKERS=1) vs the pg baseline (one process). */
async function mainSection(ctx: Context, api: Server) {
  const baseline = await startBaseline(ctx, 1, 'pg');
  try {
    const results = [];
    for (const path of pathNames) {
      const { a: base, b: apiSummary } = await compare(
        pathLabels[path],
        { name: 'baseline', run: (s) => load(baseline, requestsOf(ctx, path, 'baseline'), s) },
        { name: 'api', run: (s) => load(api, requestsOf(ctx, path, 'api'), s) },
      );
      results.push({
        path: pathLabels[path],
        baseline: base,
        api: apiSummary,
        ratio: ratio(apiSummary.rps, base.rps, 3),
        target: targets[path],
        p99Ratio: ratio(apiSummary.p99, base.p99),
        cpuRatio: ratio(apiSummary.cpuUsPerRequest, base.cpuUsPerRequest),
      });
    }
    return { results, apiPeakRssMb: Math.max(...peakRssMb(api.pids())) };
  } finally {
    await baseline.stop();
  }
}

/** Start to ready of fresh API processes on the migrated database (median of `times`). */
async function coldStarts(ctx: Context, workers: number, times: number): Promise<{ medianMs: number; runsMs: number[] }> {
  const runsMs: number[] = [];
  for (let i = 0; i < times; i++) {
    const api = await startApi({ ...ctx, profileArgs: [] }, workers);
    runsMs.push(api.startToReadyMs);
    await api.stop();
  }
  return { medianMs: median(runsMs), runsMs };
}

/** The read per worker count: API with WORKERS=n vs the baseline with n cluster workers. */
async function workersSection(ctx: Context) {
  const cores = machine().cores;
  const counts = args['worker-counts'] ? args['worker-counts'].split(',').map(Number) : Array.from({ length: cores }, (_, i) => i + 1);
  const rows = [];
  for (const n of counts) {
    const api = await startApi(ctx, n);
    const baseline = await startBaseline(ctx, n, 'pg');
    try {
      const { a: base, b: apiSummary } = await compare(
        `workers=${n} ${pathLabels.read}`,
        { name: 'baseline', run: (s) => load(baseline, requestsOf(ctx, 'read', 'baseline'), s) },
        { name: 'api', run: (s) => load(api, requestsOf(ctx, 'read', 'api'), s) },
      );
      const rss = peakRssMb(api.pids());
      rows.push({
        workers: n,
        baseline: base,
        api: apiSummary,
        ratio: ratio(apiSummary.rps, base.rps, 3),
        apiPeakRssMbPerProcess: Math.max(...rss),
        apiPeakRssMbTotal: rss.reduce((x, y) => x + y, 0),
        apiStartToReadyMs: api.startToReadyMs,
        apiWorkerCrashes: api.crashes,
      });
    } finally {
      await baseline.stop();
      await api.stop();
    }
  }
  return rows;
}

/** The baseline on pg vs the same baseline on postgres.js. */
async function driverSection(ctx: Context) {
  const onPg = await startBaseline(ctx, 1, 'pg');
  const onPostgresJs = await startBaseline(ctx, 1, 'postgresjs');
  try {
    const rows = [];
    for (const path of pathNames) {
      const { a: pgSummary, b: pjs } = await compare(
        `driver ${pathLabels[path]}`,
        { name: 'pg', run: (s) => load(onPg, requestsOf(ctx, path, 'baseline'), s) },
        { name: 'postgres.js', run: (s) => load(onPostgresJs, requestsOf(ctx, path, 'baseline'), s) },
      );
      rows.push({ path: pathLabels[path], pg: pgSummary, postgresjs: pjs, ratio: ratio(pjs.rps, pgSummary.rps, 3) });
    }
    return rows;
  } finally {
    await onPg.stop();
    await onPostgresJs.stop();
  }
}

/** The baseline (node:http) vs the same operations on a bare Fastify. */
async function floorSection(ctx: Context) {
  const bare = await startBaseline(ctx, 1, 'pg');
  const onFastify = await startBaseline(ctx, 1, 'pg', 'fastify');
  try {
    const rows = [];
    for (const path of pathNames) {
      const { a: http, b: fastify } = await compare(
        `floor ${pathLabels[path]}`,
        { name: 'node:http', run: (s) => load(bare, requestsOf(ctx, path, 'baseline'), s) },
        { name: 'fastify', run: (s) => load(onFastify, requestsOf(ctx, path, 'baseline'), s) },
      );
      rows.push({ path: pathLabels[path], nodeHttp: http, fastify, ratio: ratio(fastify.rps, http.rps, 3) });
    }
    return rows;
  } finally {
    await bare.stop();
    await onFastify.stop();
  }
}

/** The read at fixed rates around the API's capacity. */
async function overloadSection(ctx: Context) {
  const workers = Number(args['overload-workers']);
  const api = await startApi(ctx, workers);
  try {
    const request = requestsOf(ctx, 'read', 'api');
    if (warmup > 0) await load(api, request, warmup);
    log(`overload: measuring capacity (closed loop, ${connections} connections)`);
    const capacity = await load(api, request);
    const headers = { ...ctx.headers };
    const steps: (OpenLoopResult & { factor: number; rate: number })[] = [];
    for (const factor of overloadSteps) {
      const rate = Math.max(1, Math.round(capacity.rps * factor));
      log(`overload: ${factor}× = ${rate} req/s for ${duration} s`);
      const result = await openLoop({
        origin: api.url,
        paths: request.paths!,
        headers,
        rate,
        durationMs: duration * 1000,
        connections: Number(args['overload-connections']),
        timeoutMs: 10_000,
      });
      steps.push({ factor, rate, ...result });
    }
    const reference = steps[0]!.served.p99;
    const rss = peakRssMb(api.pids());
    return {
      workers,
      capacity,
      steps: steps.map((s) => ({ ...s, p99VsUnloaded: ratio(s.served.p99, reference) })),
      apiPeakRssMbPerProcess: Math.max(...rss),
      apiWorkerCrashes: api.crashes,
    };
  } finally {
    await api.stop();
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const box = machine();
  const cluster = await startPostgres();
  const identity = await startTestIdentity();
  const servers: Server[] = [];
  try {
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    const postgresVersion = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    const profileArgs = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [];
    const nodeFlags = args['node-flags'] ? args['node-flags'].split(' ').filter(Boolean) : [];
    const partial = { databaseUrl: cluster.adminUrl, identity, profileArgs, apiNodeFlags: nodeFlags, headers: {}, ids: [], orgId: '' };

    // The first start applies the migrations.
    const api = await startApi(partial, 1);
    servers.push(api);
    const firstStartMs = api.startToReadyMs;
    const { headers, ids } = await seed(api.url, partial);
    // The baseline needs the org's internal id (the API derives it from the app).
    const { rows } = await admin.query<{ org_id: string }>('SELECT org_id FROM movie.movie WHERE extl_id = $1', [ids[0]]);
    await admin.end();
    const ctx: Context = { ...partial, headers, ids, orgId: rows[0]!.org_id };

    const summary: Record<string, unknown> = {
      date: startedAt.toISOString(),
      machine: { ...box, postgres: postgresVersion },
      settings: { rounds, durationSeconds: duration, warmupSeconds: warmup, connections, dbPoolMax: poolMax },
    };
    if (!args['skip-main']) {
      summary.main = await mainSection(ctx, api);
      await api.stop();
      summary.startToReady = { ...(await coldStarts(ctx, 1, 3)), firstStartWithMigrationsMs: firstStartMs };
    } else {
      await api.stop();
    }
    if (args.workers) summary.workers = await workersSection(ctx);
    if (args['driver-compare']) summary.driver = await driverSection(ctx);
    if (args['framework-floor']) summary.floor = await floorSection(ctx);
    if (args.overload) summary.overload = await overloadSection(ctx);
    summary.loadAfter = machine().load;

    if (args.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else process.stdout.write(render(summary));
  } finally {
    for (const server of servers) await server.stop();
    await identity.close();
    await cluster.destroy();
  }
}

/** Rows as a text table: first column left-aligned, the others right-aligned, two spaces apart. */
function table(header: string[], rows: (string | number)[][]): string[] {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  return cells.map((row) =>
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

const fixed = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const ms = (x: number) => `${x} ms`;

function render(summary: Record<string, unknown>): string {
  const m = summary.machine as ReturnType<typeof machine> & { postgres: string };
  const lines = [
    '',
    `${summary.date as string} · ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB · ${m.os} · Node ${m.node} · PostgreSQL ${m.postgres}`,
    `load average before ${m.load.join(' ')}, after ${(summary.loadAfter as number[]).join(' ')} · ${rounds} alternated rounds × ${duration} s (medians), ${warmup} s warm-up, ${connections} connections, DB_POOL_MAX ${poolMax}`,
    'The load generator runs on the same machine as the servers: compare ratios taken in one run, not absolute figures.',
  ];
  const main = summary.main as Awaited<ReturnType<typeof mainSection>> | undefined;
  if (main) {
    const start = summary.startToReady as { medianMs: number; runsMs: number[]; firstStartWithMigrationsMs: number };
    lines.push(
      '',
      "API (1 process) vs baseline: node:http + pg, the API's own SQL as named prepared statements, same pool, 1 process, no auth",
      '',
      ...table(
        [
          'path',
          'base req/s',
          'api req/s',
          'ratio',
          'target',
          'base p50',
          'api p50',
          'base p99',
          'api p99',
          `p99 × (≤${targets.p99Ratio})`,
          'cpu µs/req base/api',
          'errors',
        ],
        main.results.map((r) => [
          r.path,
          r.baseline.rps,
          r.api.rps,
          fixed(r.ratio),
          `≥ ${r.target}`,
          ms(r.baseline.p50),
          ms(r.api.p50),
          ms(r.baseline.p99),
          ms(r.api.p99),
          fixed(r.p99Ratio),
          `${r.baseline.cpuUsPerRequest} / ${r.api.cpuUsPerRequest}`,
          r.api.errors + r.baseline.errors,
        ]),
      ),
      '',
      `API peak RSS ${main.apiPeakRssMb} MB (target ≤ ${targets.rssMb}) · start to ready on a migrated database ${start.medianMs} ms (median of ${start.runsMs.join(', ')} ms; target ≤ ${targets.startToReadyMs}) · first start incl. migrations ${start.firstStartWithMigrationsMs} ms`,
    );
  }
  const workers = summary.workers as Awaited<ReturnType<typeof workersSection>> | undefined;
  if (workers) {
    lines.push(
      '',
      `Read by worker count: API WORKERS=n vs the baseline with n node:cluster workers; DB_POOL_MAX ${poolMax} shared by the workers on both sides`,
      '',
      ...table(
        [
          'workers',
          'base req/s',
          'api req/s',
          'ratio',
          'base p99',
          'api p99',
          'cpu µs/req base/api',
          'api peak RSS/process',
          'api start→ready',
          'errors',
          'worker crashes',
        ],
        workers.map((r) => [
          r.workers,
          r.baseline.rps,
          r.api.rps,
          fixed(r.ratio),
          ms(r.baseline.p99),
          ms(r.api.p99),
          `${r.baseline.cpuUsPerRequest} / ${r.api.cpuUsPerRequest}`,
          `${r.apiPeakRssMbPerProcess} MB`,
          ms(r.apiStartToReadyMs),
          r.api.errors + r.baseline.errors,
          r.apiWorkerCrashes,
        ]),
      ),
    );
  }
  const driver = summary.driver as Awaited<ReturnType<typeof driverSection>> | undefined;
  if (driver) {
    lines.push(
      '',
      'Driver: the baseline on pg vs on postgres.js (pipelines concurrent queries on a connection); same SQL, prepared on both, same pool, 1 process',
      '',
      ...table(
        [
          'path',
          'pg req/s',
          'postgres.js req/s',
          'postgres.js / pg',
          'pg p50 / p99',
          'postgres.js p50 / p99',
          'cpu µs/req pg / postgres.js',
          'errors',
        ],
        driver.map((r) => [
          r.path,
          r.pg.rps,
          r.postgresjs.rps,
          fixed(r.ratio),
          `${r.pg.p50} / ${r.pg.p99} ms`,
          `${r.postgresjs.p50} / ${r.postgresjs.p99} ms`,
          `${r.pg.cpuUsPerRequest} / ${r.postgresjs.cpuUsPerRequest}`,
          r.pg.errors + r.postgresjs.errors,
        ]),
      ),
    );
  }
  const floor = summary.floor as Awaited<ReturnType<typeof floorSection>> | undefined;
  if (floor) {
    lines.push(
      '',
      'Framework floor: the baseline (node:http) vs the same operations on a bare Fastify (no hooks, schemas or logger); same SQL and pool, 1 process',
      '',
      ...table(
        [
          'path',
          'node:http req/s',
          'fastify req/s',
          'fastify / node:http',
          'node:http p50 / p99',
          'fastify p50 / p99',
          'cpu µs/req node:http / fastify',
          'errors',
        ],
        floor.map((r) => [
          r.path,
          r.nodeHttp.rps,
          r.fastify.rps,
          fixed(r.ratio),
          `${r.nodeHttp.p50} / ${r.nodeHttp.p99} ms`,
          `${r.fastify.p50} / ${r.fastify.p99} ms`,
          `${r.nodeHttp.cpuUsPerRequest} / ${r.fastify.cpuUsPerRequest}`,
          r.nodeHttp.errors + r.fastify.errors,
        ]),
      ),
    );
  }
  const overload = summary.overload as Awaited<ReturnType<typeof overloadSection>> | undefined;
  if (overload) {
    lines.push(
      '',
      `Overload: the read at fixed rates (open loop, ${args['overload-connections']} connections, latency from each request's due time), API WORKERS=${overload.workers}.`,
      `Capacity ${Math.round(overload.capacity.rps)} req/s (closed loop, ${connections} connections, p99 ${overload.capacity.p99} ms, generator ${overload.capacity.generatorCpuUsPerRequest} µs CPU/request). Goal: past capacity 503s come quickly and the served p99 stays ≤ ${targets.overloadP99Ratio}× the unloaded (0.1×) p99.`,
      '',
      ...table(
        [
          'step',
          'offered/s',
          'answered/s',
          '2xx',
          '503',
          '503 %',
          'other %',
          'failed',
          'not sent',
          '2xx p50',
          '2xx p99',
          '503 p99',
          '2xx p99 / unloaded',
          'generator µs/req',
        ],
        overload.steps.map((s) => {
          const answered = Math.max(s.answered, 1);
          const ok = Object.entries(s.byStatus).reduce((a, [code, n]) => a + (code.startsWith('2') ? n : 0), 0);
          const shed = s.byStatus['503'] ?? 0;
          const other = s.answered - ok - shed;
          const failed = Object.values(s.failures).reduce((a, n) => a + n, 0);
          return [
            `${s.factor}×`,
            s.rate,
            s.answeredPerSecond,
            ok,
            shed,
            fixed((100 * shed) / answered, 1),
            fixed((100 * other) / answered, 1),
            failed,
            s.notSent,
            ms(s.served.p50),
            ms(s.served.p99),
            s.shed.count ? ms(s.shed.p99) : '-',
            fixed(s.p99VsUnloaded),
            s.generatorCpuUsPerRequest,
          ];
        }),
      ),
      '',
      `API peak RSS during the overload ${overload.apiPeakRssMbPerProcess} MB per process · worker crashes ${overload.apiWorkerCrashes}`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

await main();
