import { freePort } from './postgres.js';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Debian's PgBouncer (1.18). */
export const pgbouncerBinary = '/usr/sbin/pgbouncer';

/** A PgBouncer started by {@link startPgBouncer} in front of one PostgreSQL server. */
export interface PgBouncer {
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>`. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface StartPgBouncerOptions {
  /** The PostgreSQL server behind it. */
  serverPort: number;
  poolMode: 'session' | 'transaction';
  /** Server connections per (database, user); default 5. */
  poolSize?: number;
}

/**
 * Starts PgBouncer on 127.0.0.1 (a free port) for every database of the server at `serverPort`,
 * trust authentication for user `postgres`, the given pool mode, and the settings docs/database.md
 * asks for: the session limits the API would send as startup parameters are ignored (the server's
 * own role/database settings apply). Runs as user `postgres` when we are root (PgBouncer refuses
 * root). Resolves once it accepts TCP connections.
 */
export async function startPgBouncer(options: StartPgBouncerOptions): Promise<PgBouncer> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'chompardo-pgbouncer-'));
  const port = await freePort();
  const identity =
    process.getuid?.() === 0
      ? {
          uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
          gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
        }
      : undefined;
  const logFile = path.join(root, 'pgbouncer.log');
  writeFileSync(path.join(root, 'users.txt'), '"postgres" ""\n');
  writeFileSync(
    path.join(root, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=127.0.0.1 port=${options.serverPort}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${path.join(root, 'users.txt')}`,
      `pool_mode = ${options.poolMode}`,
      `default_pool_size = ${options.poolSize ?? 5}`,
      'max_client_conn = 500',
      'ignore_startup_parameters = extra_float_digits,statement_timeout,lock_timeout,idle_in_transaction_session_timeout',
      `logfile = ${logFile}`,
      `pidfile = ${path.join(root, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  if (identity) {
    for (const file of ['', 'users.txt', 'pgbouncer.ini']) chownSync(path.join(root, file), identity.uid, identity.gid);
  }
  const child: ChildProcess = spawn(pgbouncerBinary, [path.join(root, 'pgbouncer.ini')], { stdio: 'ignore', ...(identity ?? {}) });
  child.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + 10_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      child.kill('SIGKILL');
      rmSync(root, { recursive: true, force: true });
      throw new Error(`pgbouncer did not start:\n${log}`);
    }
    // Polling the listening port: PgBouncer gives no readiness signal.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    port,
    urlFor: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        await exited;
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
