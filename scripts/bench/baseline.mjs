// The benchmark's baseline: the best raw practice for the API's movie read, list and create —
// bare node:http, no framework, no auth, the API's own SQL (scripts/bench/statements.mjs) as
// named prepared statements, the same pool budget, its own process(es). Started by
// scripts/bench.ts.
//
// Env: PORT, DATABASE_URL, ORG_ID (the org the API's requests resolve to), DB_POOL_MAX (pool
// budget, split over the workers as the API splits it), WORKERS (default 1; more = node:cluster,
// like the API's WORKERS), DRIVER (`pg`, default, or `postgresjs`), FRAMEWORK (`node:http`, default,
// or `fastify`: the same operations on a bare Fastify). Prints `ready` on stdout once
// every process listens.
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { poolShare } from '../../apps/api/dist/workers.js';
import { movieStatements } from './statements.mjs';

const port = Number(process.env.PORT);
const orgId = process.env.ORG_ID;
const workers = Number(process.env.WORKERS ?? 1);
const poolBudget = Number(process.env.DB_POOL_MAX ?? 10);
const driverName = process.env.DRIVER ?? 'pg';
const framework = process.env.FRAMEWORK ?? 'node:http';

/** A driver behind one call: run a named prepared statement, resolve to its rows (objects). */
async function openDriver(name, url, max) {
  if (name === 'pg') {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: url, max });
    return {
      run: (statement, values) => pool.query({ name: statement.name, text: statement.text, values }).then((result) => result.rows),
    };
  }
  if (name === 'postgresjs') {
    const { default: postgres } = await import('postgres');
    // Prepared statements (the default for tagged queries; unsafe() needs it said) and pipelining
    // of concurrent queries on each connection (postgres.js does that by itself).
    const sql = postgres(url, { max, prepare: true, onnotice: () => undefined });
    return { run: (statement, values) => sql.unsafe(statement.text, values, { prepare: true }) };
  }
  throw new Error(`unknown DRIVER ${name}`);
}

/** The wire form of a movie row, as the API answers it (the SQL's column names carry pgtyped's hints). */
function toBody(row) {
  return {
    external_id: row.extl_id,
    title: row.title,
    rated: row.rated,
    release_date: row['release_date!'],
    run_time: row.run_time,
    director: row.director,
    writer: row.writer,
    create_app_extl_id: row.create_app_extl_id,
    create_user_first_name: row.create_user_first_name,
    create_user_last_name: row.create_user_last_name,
    create_date_time: row['create_at!'],
    update_app_extl_id: row.update_app_extl_id,
    update_user_first_name: row.update_user_first_name,
    update_user_last_name: row.update_user_last_name,
    update_date_time: row['update_at!'],
  };
}

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function fail(res) {
  return (error) => {
    process.stderr.write(`baseline: ${error?.message ?? error}\n`);
    send(res, 500, {});
  };
}

/** The three operations: each resolves to [status, body, headers] (the body not yet serialized). */
function operations(statements, db) {
  const listLimit = 50;
  return {
    async read(extlId) {
      const rows = await db.run(statements.read, statements.read.valuesOf({ extlId, orgId }));
      return rows[0] ? [200, toBody(rows[0]), { etag: `"${rows[0].version}"` }] : [404, {}, {}];
    },
    async list() {
      // One row more than the page tells whether a next page exists, as the API does.
      const rows = await db.run(statements.list, statements.list.valuesOf({ orgId, limit: String(listLimit + 1) }));
      const page = rows.slice(0, listLimit);
      const last = page[page.length - 1];
      const next =
        rows.length > listLimit && last ? Buffer.from(JSON.stringify([last['sort_key!'], last.extl_id])).toString('base64url') : null;
      return [200, { items: page.map(toBody), next_cursor: next }, {}];
    },
    async create(movie) {
      const values = {
        extlId: randomBytes(16).toString('base64url'),
        orgId,
        title: movie.title,
        rated: movie.rated,
        releaseDate: movie.release_date,
        runTime: movie.run_time,
        director: movie.director,
        writer: movie.writer,
        appExtlId: 'baseline',
        userFirstName: 'Bench',
        userLastName: 'User',
      };
      const [row] = await db.run(statements.create, statements.create.valuesOf(values));
      return [201, toBody(row), { location: `/movies/${row.extl_id}`, etag: `"${row.version}"` }];
    },
  };
}

/** Bare node:http: the baseline. */
function serveNodeHttp(ops) {
  const answer =
    (res) =>
    ([status, body, headers]) =>
      send(res, status, body, headers);
  createServer((req, res) => {
    const url = req.url ?? '/';
    if (req.method === 'GET' && url.startsWith('/movies/')) {
      ops.read(url.slice(8)).then(answer(res), fail(res));
    } else if (req.method === 'GET' && url.startsWith('/movies')) {
      ops.list().then(answer(res), fail(res));
    } else if (req.method === 'POST' && url === '/movies') {
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        let movie;
        try {
          movie = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          send(res, 400, {});
          return;
        }
        ops.create(movie).then(answer(res), fail(res));
      });
    } else {
      send(res, 404, {});
    }
  }).listen(port, '127.0.0.1', () => {
    if (!cluster.isWorker) process.stdout.write('ready\n');
  });
}

/**
 * The same operations on a bare Fastify (FRAMEWORK=fastify): its router, JSON body parser and
 * reply, no hooks, no schemas, no logger — what the framework alone costs (the bench's
 * `--framework-floor`).
 */
async function serveFastify(ops) {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  const answer =
    (reply) =>
    ([status, body, headers]) =>
      reply.code(status).headers(headers).type('application/json; charset=utf-8').send(JSON.stringify(body));
  app.get('/movies/:id', (request, reply) => ops.read(request.params.id).then(answer(reply)));
  app.get('/movies', (_request, reply) => ops.list().then(answer(reply)));
  app.post('/movies', (request, reply) => ops.create(request.body).then(answer(reply)));
  await app.listen({ host: '127.0.0.1', port });
  if (!cluster.isWorker) process.stdout.write('ready\n');
}

async function serve(poolMax) {
  const statements = await movieStatements();
  const db = await openDriver(driverName, process.env.DATABASE_URL, poolMax);
  const ops = operations(statements, db);
  if (framework === 'fastify') await serveFastify(ops);
  else serveNodeHttp(ops);
}

if (workers > 1 && cluster.isPrimary) {
  let listening = 0;
  let running = workers;
  let stopping = false;
  for (let slot = 0; slot < workers; slot++) cluster.fork({ BASELINE_SLOT: String(slot) });
  cluster.on('listening', () => {
    if (++listening === workers) process.stdout.write('ready\n');
  });
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      process.stderr.write(`baseline worker ${worker.process.pid} died (${code ?? signal})\n`);
      process.exit(1);
    }
    if (--running === 0) process.exit(0);
  });
  process.on('SIGTERM', () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  });
} else {
  const slot = Number(process.env.BASELINE_SLOT ?? 0);
  await serve(workers > 1 ? poolShare(poolBudget, workers, slot) : poolBudget);
  // Exit normally on SIGTERM so `--cpu-prof` can write its profile.
  process.on('SIGTERM', () => process.exit(0));
}
