/**
 * `npm run bench [-- --json] [--rounds N] [--duration S] [--connections C]`
 *
 * Measures the API next to the ceiling of this machine, in one run:
 *   1. starts a throwaway real PostgreSQL (as the test harness does) and a loopback JWKS;
 *   2. starts the BUILT API (`apps/api/dist/main.js`, NODE_ENV=production) and times start → ready;
 *   3. seeds through the API: genesis, then 1 000 movies in the user-initiated org;
 *   4. starts the baseline (scripts/bench/baseline.mjs: bare node:http + pg, same pool size, same
 *      queries, no auth);
 *   5. alternates baseline and API runs of autocannon (rounds × paths, 50 connections) for the
 *      authenticated read, the 50-row list and the create;
 *   6. prints requests/s, p50, p99, errors and the API/baseline ratio per path (median of rounds),
 *      the API's peak RSS and its start-to-ready time; `--json` prints the same as JSON.
 * Options: --only read|list|create (one path), --cpu-prof DIR (profile the API process; open the
 * .cpuprofile in Chrome DevTools), --pool-max N. Loopback only. `npm run bench` compiles first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startPostgres } from '../apps/api/test/harness/postgres.js';
import { startTestIdentity } from '../apps/api/test/harness/identity.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    'pool-max': { type: 'string', default: '10' },
    'cpu-prof': { type: 'string' },
    only: { type: 'string' },
    'node-flags': { type: 'string' },
  },
});
const rounds = Number(args.rounds);
const duration = Number(args.duration);
const connections = Number(args.connections);
const poolMax = args['pool-max']!;
const log = (line: string) => process.stderr.write(`${line}\n`);

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

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU time (user + system) of the server process per request, in microseconds. */
  cpuUsPerRequest: number;
}

/** user + system CPU time of a process so far, in microseconds (from /proc). */
function cpuTimeUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / 100;
}

async function load(opts: { pid: number; url: string; method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; paths?: string[] }): Promise<Run> {
  let i = 0;
  const cpuBefore = cpuTimeUs(opts.pid);
  const result = await autocannon({
    url: opts.url,
    connections,
    duration,
    method: opts.method ?? 'GET',
    headers: opts.headers ?? {},
    ...(opts.body ? { body: opts.body } : {}),
    ...(opts.paths
      ? {
          requests: [
            {
              setupRequest: (req: { path: string }) => {
                req.path = opts.paths![i++ % opts.paths!.length]!;
                return req;
              },
            },
          ],
        }
      : {}),
  } as autocannon.Options);
  const cpu = cpuTimeUs(opts.pid) - cpuBefore;
  if (result.non2xx + result.errors > 0) log(`  non-2xx/errors on ${opts.url}: ${JSON.stringify((result as unknown as { statusCodeStats?: unknown }).statusCodeStats)} errors=${result.errors}`);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    cpuUsPerRequest: Math.round(cpu / Math.max(result.requests.total, 1)),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  const cluster = await startPostgres();
  const identity = await startTestIdentity();
  try {
    const apiPort = await freePort();
    const startedAt = performance.now();
    const profileArgs = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [];
    const nodeFlags = args['node-flags'] ? args['node-flags'].split(' ').filter(Boolean) : [];
    const api = spawn(process.execPath, [...profileArgs, ...nodeFlags, join(root, 'apps/api/dist/main.js')], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: String(apiPort),
        DATABASE_URL: cluster.adminUrl,
        DB_POOL_MAX: poolMax,
        AUTH_JWKS_URL: identity.jwksUrl,
        AUTH_ISSUER: identity.issuer,
        AUTH_AUDIENCE: identity.audience,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(api);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitReady(`${apiUrl}/readyz`, 60_000);
    const firstStartMs = performance.now() - startedAt;

    // Seed through the API: genesis, then 1 000 movies in the user-initiated org.
    const token = await identity.mintToken({ sub: 'bench-user', given_name: 'Bench', family_name: 'User' }, { expiresIn: 3600 });
    const genesis = await fetch(`${apiUrl}/api/v1/genesis`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (genesis.status !== 201) throw new Error(`genesis failed: ${genesis.status} ${await genesis.text()}`);
    const g = (await genesis.json()) as { userInitiated: { external_id: string; app: { external_id: string; api_keys: { key: string }[] } } };
    const headers = {
      authorization: `Bearer ${token}`,
      'x-app-id': g.userInitiated.app.external_id,
      'x-api-key': g.userInitiated.app.api_keys[0]!.key,
      'content-type': 'application/json',
    };
    const movie = JSON.stringify({ title: 'Repo Man', rated: 'R', release_date: '1984-03-02', run_time: 92, director: 'Alex Cox', writer: 'Alex Cox' });
    const ids: string[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const created = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const res = await fetch(`${apiUrl}/api/v1/movies`, { method: 'POST', headers, body: movie });
          if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
          return (await res.json()) as { external_id: string };
        }),
      );
      ids.push(...created.map((m) => m.external_id));
    }
    const orgRow = await fetch(`${apiUrl}/api/v1/movies?limit=1`, { headers });
    if (!orgRow.ok) throw new Error('seeded list failed');

    // The baseline needs the org's internal id for its list query (the API derives it from the app).
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: cluster.adminUrl });
    await client.connect();
    const { rows } = await client.query<{ org_id: string }>('SELECT org_id FROM movie.movie WHERE extl_id = $1', [ids[0]]);
    await client.end();
    const baselinePort = await freePort();
    const baseline = spawn(process.execPath, [...profileArgs, join(root, 'scripts/bench/baseline.mjs')], {
      env: { ...process.env, PORT: String(baselinePort), DATABASE_URL: cluster.adminUrl, DB_POOL_MAX: poolMax, ORG_ID: rows[0]!.org_id },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(baseline);
    process.once('exit', () => baseline.kill('SIGTERM'));
    const baselineUrl = `http://127.0.0.1:${baselinePort}`;
    await waitReady(`${baselineUrl}/movies?limit=1`, 10_000);

    const paths = [
      {
        name: 'read  GET /api/v1/movies/{id}',
        api: () => load({ pid: api.pid!, url: apiUrl, headers, paths: ids.map((id) => `/api/v1/movies/${id}`) }),
        baseline: () => load({ pid: baseline.pid!, url: baselineUrl, paths: ids.map((id) => `/movies/${id}`) }),
        target: 0.85,
      },
      {
        name: 'list  GET /api/v1/movies?limit=50',
        api: () => load({ pid: api.pid!, url: `${apiUrl}/api/v1/movies?limit=50`, headers }),
        baseline: () => load({ pid: baseline.pid!, url: `${baselineUrl}/movies?limit=50` }),
        target: 0.6,
      },
      {
        name: 'create POST /api/v1/movies',
        api: () => load({ pid: api.pid!, url: `${apiUrl}/api/v1/movies`, method: 'POST', headers, body: movie }),
        baseline: () => load({ pid: baseline.pid!, url: `${baselineUrl}/movies`, method: 'POST', headers: { 'content-type': 'application/json' }, body: movie }),
        target: 0.7,
      },
    ];

    // Warm-up: JIT, caches and pools of both servers.
    for (const p of paths) {
      await load({ pid: api.pid!, url: apiUrl, headers, paths: ['/healthz'] });
      void p;
    }
    const results = [];
    for (const p of paths.filter((x) => !args.only || x.name.startsWith(args.only!))) {
      const apiRuns: Run[] = [];
      const baseRuns: Run[] = [];
      for (let r = 0; r < rounds; r++) {
        log(`${p.name}: round ${r + 1}/${rounds} baseline`);
        baseRuns.push(await p.baseline());
        log(`${p.name}: round ${r + 1}/${rounds} api`);
        apiRuns.push(await p.api());
      }
      const summarize = (runs: Run[]) => ({
        rps: median(runs.map((x) => x.rps)),
        p50: median(runs.map((x) => x.p50)),
        p99: median(runs.map((x) => x.p99)),
        errors: runs.reduce((a, x) => a + x.errors, 0),
        cpuUsPerRequest: median(runs.map((x) => x.cpuUsPerRequest)),
      });
      const api = summarize(apiRuns);
      const base = summarize(baseRuns);
      results.push({ path: p.name, api, baseline: base, ratio: Number((api.rps / base.rps).toFixed(3)), target: p.target, p99Ratio: Number((api.p99 / Math.max(base.p99, 1)).toFixed(2)) });
    }
    const rssMb = peakRssMb(api.pid!);
    if (process.env.BENCH_MEMORY) {
      const metricsText = await (await fetch(`${apiUrl}/metrics`)).text();
      log(metricsText.split('\n').filter((l) => /^(nodejs_heap_size|nodejs_external|process_resident|nodejs_heap_space_size_used_bytes)/.test(l)).join('\n'));
    }

    // Start to ready on the migrated database: a second, fresh API process.
    const port2 = await freePort();
    const t0 = performance.now();
    const api2 = spawn(process.execPath, [join(root, 'apps/api/dist/main.js')], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production', PORT: String(port2), DATABASE_URL: cluster.adminUrl, AUTH_JWKS_URL: identity.jwksUrl, AUTH_ISSUER: identity.issuer, AUTH_AUDIENCE: identity.audience },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(api2);
    await waitReady(`http://127.0.0.1:${port2}/readyz`, 60_000);
    const startToReadyMs = Math.round(performance.now() - t0);

    const summary = {
      settings: { rounds, durationSeconds: duration, connections, dbPoolMax: Number(poolMax), cpus: (await import('node:os')).cpus().length, node: process.version },
      results,
      api: { peakRssMb: rssMb, startToReadyMs, firstStartWithMigrationsMs: Math.round(firstStartMs) },
    };
    if (args.json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      const pad = (s: string | number, n: number) => String(s).padStart(n);
      const lines = [
        '',
        `Chompardo API vs bare node:http + pg — ${rounds} rounds × ${duration} s, ${connections} connections, pool ${poolMax}, ${summary.settings.cpus} cores`,
        '',
        `${'path'.padEnd(36)}${pad('base req/s', 12)}${pad('api req/s', 11)}${pad('ratio', 8)}${pad('target', 8)}${pad('base p50', 10)}${pad('api p50', 9)}${pad('base p99', 10)}${pad('api p99', 9)}${pad('errors', 8)}${pad('cpu µs/req b/a', 16)}`,
        ...results.map(
          (r) =>
            `${r.path.padEnd(36)}${pad(r.baseline.rps.toFixed(0), 12)}${pad(r.api.rps.toFixed(0), 11)}${pad(r.ratio.toFixed(2), 8)}${pad(`≥${r.target}`, 8)}${pad(`${r.baseline.p50} ms`, 10)}${pad(`${r.api.p50} ms`, 9)}${pad(`${r.baseline.p99} ms`, 10)}${pad(`${r.api.p99} ms`, 9)}${pad(r.api.errors + r.baseline.errors, 8)}${pad(`${r.baseline.cpuUsPerRequest}/${r.api.cpuUsPerRequest}`, 16)}`,
        ),
        '',
        `API peak RSS ${rssMb} MB (target ≤ 200) · start to ready on a migrated database ${startToReadyMs} ms (target ≤ 1500) · first start incl. migrations ${Math.round(firstStartMs)} ms`,
        '',
      ];
      process.stdout.write(lines.join('\n'));
    }
  } finally {
    for (const child of children) {
      if (child.exitCode !== null) continue;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await identity.close();
    await cluster.destroy();
  }
}

await main();
