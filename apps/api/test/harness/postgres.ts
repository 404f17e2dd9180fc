import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** A throwaway PostgreSQL server started by {@link startPostgres}. */
export interface PgCluster {
  port: number;
  host: string;
  /** Connection string of database `postgres` as superuser `postgres` (trust auth). */
  adminUrl: string;
  /** Connection string of database `db` on this server. */
  urlFor(db: string): string;
  /** Fast shutdown (SIGINT); keeps the data directory so {@link PgCluster.start} can resume. */
  stop(): Promise<void>;
  /** Starts the server again on the same directory and port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops the server (if running) and removes its directory. */
  destroy(): Promise<void>;
}

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /** TCP port on 127.0.0.1; default a free one. */
  port?: number;
  /**
   * Make it a hot standby of the server on this port instead of a fresh cluster: cloned with
   * `pg_basebackup -R` (streaming replication), replaying `applyDelay` late
   * (`recovery_min_apply_delay`, e.g. `'2s'`) when given.
   */
  standbyOf?: { port: number; applyDelay?: string };
}

const readyDeadlineMs = 30_000;
const stopDeadlineMs = 30_000;

/**
 * Directory holding `initdb` and `postgres`: `$PG_BIN` when set, else the newest
 * `/usr/lib/postgresql/<major>/bin` that has both; undefined when none is found.
 */
export function findPostgresBinaries(): string | undefined {
  const hasBoth = (dir: string): boolean => existsSync(path.join(dir, 'postgres')) && existsSync(path.join(dir, 'initdb'));
  const fromEnv = process.env.PG_BIN;
  if (fromEnv) return hasBoth(fromEnv) ? fromEnv : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((entry) => /^\d+(\.\d+)?$/.test(entry))
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = path.join(root, major, 'bin');
    if (hasBoth(bin)) return bin;
  }
  return undefined;
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** uid/gid to run PostgreSQL as: `postgres` when we are root (initdb refuses root), else ourselves. */
export function serverIdentity(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('cannot resolve the postgres system user');
  return { uid, gid };
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function runToCompletion(
  command: string,
  args: string[],
  identity: { uid: number; gid: number } | undefined,
  logFile: string,
): Promise<void> {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, {
      stdio: ['ignore', fd, fd],
      ...(identity ?? {}),
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`${path.basename(command)} exited with ${code}:\n${tail(logFile)}`);
  } finally {
    closeSync(fd);
  }
}

/** Resolves once a connection to `url` succeeds; rejects when `child` exits or the deadline passes. */
async function waitUntilReady(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + readyDeadlineMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`postgres exited during startup (${child.exitCode ?? child.signalCode}):\n${tail(logFile)}`);
    }
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (e) {
      lastError = e;
      await client.end().catch(() => undefined);
    }
    // Polling a condition: the server gives no other readiness signal we can wait on.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`postgres not ready after ${readyDeadlineMs} ms: ${String(lastError)}\n${tail(logFile)}`);
}

/**
 * Initialises a fresh cluster in a temporary directory (trust auth, superuser `postgres`, UTF8,
 * locale C, no fsync) and starts it on 127.0.0.1 (a free port unless `port` is given), settings
 * tuned for throwaway data. Runs as system user `postgres` when we are root. Resolves when the
 * server accepts connections (30 s deadline). The server is killed when this process exits, and
 * a small watchdog stops it if this process dies without running exit handlers.
 * Throws when no PostgreSQL binaries are found.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PgCluster> {
  const bin = findPostgresBinaries();
  if (!bin) throw new Error('no PostgreSQL binaries found (set PG_BIN or install postgresql)');
  const identity = serverIdentity();
  const root = mkdtempSync(path.join(os.tmpdir(), 'chompardo-pg-'));
  const dataDir = path.join(root, 'data');
  const socketDir = root;
  const logFile = path.join(root, 'postgres.log');
  if (identity) chownSync(root, identity.uid, identity.gid);

  if (options.standbyOf) {
    await runToCompletion(
      path.join(bin, 'pg_basebackup'),
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(options.standbyOf.port),
        '-U',
        'postgres',
        '-D',
        dataDir,
        '-R',
        '-c',
        'fast',
        '-X',
        'stream',
        '--no-sync',
      ],
      identity,
      logFile,
    );
    if (options.standbyOf.applyDelay)
      appendFileSync(path.join(dataDir, 'postgresql.auto.conf'), `recovery_min_apply_delay = '${options.standbyOf.applyDelay}'\n`);
  } else {
    await runToCompletion(
      path.join(bin, 'initdb'),
      ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'],
      identity,
      logFile,
    );
  }

  const host = '127.0.0.1';
  const port = options.port ?? (await freePort());
  const urlFor = (db: string): string => `postgresql://postgres@${host}:${port}/${encodeURIComponent(db)}`;
  const adminUrl = urlFor('postgres');
  let child: ChildProcess | undefined;
  let watchdog: ChildProcess | undefined;

  const killOnExit = (): void => {
    // Immediate shutdown: exit handlers cannot wait for a graceful one.
    child?.kill('SIGQUIT');
  };
  process.on('exit', killOnExit);

  async function start(): Promise<void> {
    if (child && child.exitCode === null && child.signalCode === null) return;
    const fd = openSync(logFile, 'a');
    try {
      child = spawn(
        path.join(bin as string, 'postgres'),
        [
          '-D',
          dataDir,
          '-p',
          String(port),
          '-k',
          socketDir,
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'fsync=off',
          '-c',
          'synchronous_commit=off',
          '-c',
          'full_page_writes=off',
          '-c',
          'max_connections=200',
        ],
        { stdio: ['ignore', fd, fd], ...(identity ?? {}), env: { ...process.env, LC_ALL: 'C', LANG: 'C' } },
      );
    } finally {
      closeSync(fd);
    }
    const started = child;
    started.once('error', () => undefined);
    if (started.pid !== undefined) {
      // Stops the server if this process is SIGKILLed (no exit handler runs then). It ends by
      // itself once the server is gone.
      watchdog = spawn(
        'sh',
        [
          '-c',
          'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill -QUIT "$2" 2>/dev/null; exit 0',
          'pg-watchdog',
          String(process.pid),
          String(started.pid),
        ],
        { stdio: 'ignore', detached: true },
      );
      watchdog.unref();
    }
    await waitUntilReady(adminUrl, started, logFile);
  }

  async function stop(): Promise<void> {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGINT');
    const timer = setTimeout(() => running.kill('SIGKILL'), stopDeadlineMs);
    await exited;
    clearTimeout(timer);
    watchdog?.kill('SIGTERM');
    watchdog = undefined;
  }

  await start();

  return {
    port,
    host,
    adminUrl,
    urlFor,
    stop,
    start,
    async destroy() {
      await stop();
      process.removeListener('exit', killOnExit);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
