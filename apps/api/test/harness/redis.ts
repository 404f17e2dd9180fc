import { freePort } from './postgres.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's Redis server (`apt-get install redis-server`; .ci/run installs it when missing). */
export const redisServerBinary = '/usr/bin/redis-server';

/** Why Redis tests cannot run here, or false. As root a missing binary is an error (CI installs it). */
export function redisSkipReason(): string | false {
  const isRoot = process.getuid?.() === 0;
  return !existsSync(redisServerBinary) && !isRoot
    ? `needs ${redisServerBinary} (apt-get install redis-server) and cannot install it without root`
    : false;
}

/** A throwaway Redis on 127.0.0.1: no persistence, its own directory, a free port. */
export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (SIGTERM, SIGKILL after 5 s); `start()` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  close(): Promise<void>;
}

/** True when a RESP `PING` on `port` answers `+PONG`. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts `redis-server` in the foreground on a free loopback port (no RDB/AOF, its own working
 * directory); resolves once it answers PING (10 s deadline). The caller stops it with `close()`.
 */
export async function startTestRedis(): Promise<TestRedis> {
  if (!existsSync(redisServerBinary)) {
    throw new Error(`redis-server is missing at ${redisServerBinary}: install it (apt-get install redis-server); .ci/run does so in CI`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'chompardo-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let stderr = '';

  async function start(): Promise<void> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', ''];
    const running = spawn(redisServerBinary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = running;
    running.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const deadline = performance.now() + 10_000;
    for (;;) {
      if (running.exitCode !== null || running.signalCode !== null) {
        throw new Error(`redis-server exited (${running.exitCode ?? running.signalCode}): ${stderr.trim()}`);
      }
      if (await answersPing(port)) return;
      if (performance.now() > deadline) throw new Error(`redis-server did not answer PING on ${port} within 10 s: ${stderr.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    running.kill('SIGTERM');
    const killer = setTimeout(() => running.kill('SIGKILL'), 5_000);
    await exited(running);
    clearTimeout(killer);
  }

  try {
    await start();
  } catch (error) {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
