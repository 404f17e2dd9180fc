import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const apiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A real API process (`node --import tsx src/main.ts`, or the built `node dist/main.js`) started by {@link startServerProcess}. */
export interface ServerProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` once it listens. */
  baseUrl: string;
  port: number;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  /** Non-JSON output (stderr, crashes), for failure messages. */
  rawOutput(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first log line matching `predicate`; rejects after `deadlineMs` or on exit. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, deadlineMs?: number): Promise<Record<string, unknown>>;
  /** Kills the process if it still runs (SIGKILL) and waits for it. */
  kill(): Promise<void>;
}

/**
 * Spawns the API server as production runs it (configuration from the environment, JSON logs on
 * stdout), on 127.0.0.1 and a port the OS picks, and resolves once it logs that it listens
 * (`listenDeadlineMs`, default 30 s). `env` adds to a minimal environment (PATH and HOME only), so
 * nothing of the test runner's environment leaks in. With `untilListening: false` it resolves at
 * once, for servers expected not to start (then `baseUrl` and `port` are empty).
 */
export async function startServerProcess(
  env: Record<string, string>,
  options: { untilListening?: boolean; listenDeadlineMs?: number; built?: boolean } = {},
): Promise<ServerProcess> {
  // `built`: the bundle `npm run build` made (dist/main.js; `npm test` builds first), not the source.
  const command = options.built ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, command, {
    cwd: apiDir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let raw = '';
  const waiters = new Set<{ predicate: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }>();
  let pending = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const text of lines) {
      if (!text.trim()) continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        raw += `${text}\n`;
        continue;
      }
      logs.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    raw += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const rawOutput = () => raw;

  function waitForLog(predicate: (line: Record<string, unknown>) => boolean, deadlineMs = 30_000): Promise<Record<string, unknown>> {
    const seen = logs.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (line: Record<string, unknown>) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(`no matching log line within ${deadlineMs} ms; output:\n${raw}\n${logs.map((l) => JSON.stringify(l)).join('\n')}`),
        );
      }, deadlineMs);
      waiters.add(waiter);
      void exited.then(({ code, signal }) => {
        if (!waiters.delete(waiter)) return;
        clearTimeout(timer);
        reject(new Error(`server exited (${code ?? signal}) before the expected log line; output:\n${raw}`));
      });
    });
  }

  let port = 0;
  if (options.untilListening !== false) {
    const listening = await waitForLog((line) => line.message === 'listening' && typeof line.url === 'string', options.listenDeadlineMs);
    port = Number(new URL(String(listening.url)).port);
  }
  return {
    child,
    baseUrl: port === 0 ? '' : `http://127.0.0.1:${port}`,
    port,
    logs,
    rawOutput,
    exited,
    waitForLog,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Resolves with `exited` or rejects after `deadlineMs`. */
export async function exitWithin(
  server: ServerProcess,
  deadlineMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`server still running after ${deadlineMs} ms; output:\n${server.rawOutput()}`)), deadlineMs);
  });
  try {
    return await Promise.race([server.exited, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` every `intervalMs` until it is true; throws after `deadlineMs`. */
export async function waitUntil(
  condition: () => Promise<boolean> | boolean,
  what: string,
  deadlineMs = 15_000,
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
