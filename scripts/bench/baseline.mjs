// The benchmark's baseline: bare node:http + pg, no framework, no auth, the same queries on the
// same table as the API's movie read, list and create. Started by scripts/bench.ts.
import { createServer } from 'node:http';
import pg from 'pg';

const port = Number(process.env.PORT);
const orgId = process.env.ORG_ID;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_MAX ?? 10) });

const readSql = `SELECT extl_id, title, rated, to_char(release_date, 'YYYY-MM-DD') AS release_date, run_time, director, writer,
  create_app_extl_id, create_at, update_app_extl_id, update_at FROM movie.movie WHERE extl_id = $1`;
const listSql = `SELECT extl_id, title, rated, to_char(release_date, 'YYYY-MM-DD') AS release_date, run_time, director, writer,
  create_app_extl_id, create_at, update_app_extl_id, update_at FROM movie.movie WHERE org_id = $1
  ORDER BY create_at DESC, extl_id DESC LIMIT 50`;
const insertSql = `INSERT INTO movie.movie (extl_id, org_id, title, rated, release_date, run_time, director, writer, create_app_extl_id, update_app_extl_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'baseline', 'baseline') RETURNING extl_id, create_at`;

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

let counter = 0;
createServer((req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'GET' && url.startsWith('/movies/')) {
    pool.query(readSql, [url.slice(8)]).then((r) => (r.rows[0] ? send(res, 200, r.rows[0]) : send(res, 404, {})), () => send(res, 500, {}));
  } else if (req.method === 'GET' && url.startsWith('/movies')) {
    pool.query(listSql, [orgId]).then((r) => send(res, 200, { items: r.rows }), () => send(res, 500, {}));
  } else if (req.method === 'POST' && url === '/movies') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const m = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      counter++;
      pool
        .query(insertSql, [`baseline-${process.pid}-${counter}`, orgId, m.title, m.rated, m.release_date, m.run_time, m.director, m.writer])
        .then((r) => send(res, 201, r.rows[0]), () => send(res, 500, {}));
    });
  } else {
    send(res, 404, {});
  }
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));

// Exit normally on SIGTERM so `--cpu-prof` can write its profile.
process.on('SIGTERM', () => process.exit(0));
