import cluster, { type Worker } from 'node:cluster';
import type { Config } from './platform/config/config.js';
import type { Logger } from './platform/logging/logger.js';

/**
 * Worker processes (WORKERS > 1): this process becomes a supervisor that forks that many copies of
 * itself with node:cluster. The workers run main.ts as a single server would and share the port
 * (the supervisor accepts connections and hands them out round-robin). See
 * docs/adr/0016-worker-processes.md.
 */

/** Environment variable the supervisor sets for a worker: `<slot>/<count>`, slot from 0. */
const workerEnv = 'CHOMPARDO_WORKER';

/** Restart delays after a worker died: doubling from min to max, reset once a worker ran stably. */
const restartMinMs = 100;
const restartMaxMs = 30_000;
const stableAfterMs = 30_000;

/** Time a worker's own shutdown may take beyond SHUTDOWN_TIMEOUT (closing the pool) before it is killed. */
const workerCloseGraceMs = 5_000;

/** After a second signal: how long the supervisor waits for the workers to exit before killing them. */
const forceExitGraceMs = 2_000;

/** Messages from the supervisor to its workers. */
type ControlMessage = { chompardo: 'shutdown'; reason: string } | { chompardo: 'force' };

function isControlMessage(message: unknown): message is ControlMessage {
  return typeof message === 'object' && message !== null && typeof (message as { chompardo?: unknown }).chompardo === 'string';
}

/** This worker's slot and the number of workers, as the supervisor passed them; undefined outside a worker. */
function workerPlace(): { slot: number; count: number } | undefined {
  if (!cluster.isWorker) return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(process.env[workerEnv] ?? '');
  if (!match) return undefined;
  return { slot: Number(match[1]), count: Number(match[2]) };
}

/** True when this process should supervise workers instead of serving (WORKERS > 1, not itself a worker). */
export function isSupervisor(config: Config): boolean {
  return config.workers > 1 && cluster.isPrimary;
}

/**
 * Slot `slot`'s share of a pool budget of `total` connections split over `count` workers: the
 * shares differ by at most one and add up to `total` (every worker gets at least one when
 * `total >= count`, which the configuration enforces).
 */
export function poolShare(total: number, count: number, slot: number): number {
  return Math.max(1, Math.floor(total / count) + (slot < total % count ? 1 : 0));
}

/**
 * The configuration as this process uses it: in a worker, `dbPoolMax` is the worker's share of
 * the DB_POOL_MAX budget, so all workers together never open more than the budget (plus one
 * LISTEN connection each). Elsewhere the configuration is returned unchanged.
 */
export function configForThisProcess(config: Config): Config {
  const place = workerPlace();
  if (!place) return config;
  return { ...config, workers: place.count, dbPoolMax: poolShare(config.dbPoolMax, place.count, place.slot) };
}

/**
 * Logger settings of this process: in a worker group, fields that tell its processes apart
 * (`pid` and the 1-based `worker` in a worker, `pid` in the supervisor) and line-atomic writes to
 * the stdout they share; nothing for a single process (its log lines stay as they were).
 */
export function processLogSettings(config: Config): { base?: Record<string, unknown>; sharedOutput?: boolean } {
  const place = workerPlace();
  if (place) return { base: { pid: process.pid, worker: place.slot + 1 }, sharedOutput: true };
  return config.workers > 1 ? { base: { pid: process.pid }, sharedOutput: true } : {};
}

/**
 * Calls `handler` when this process is asked to shut down: on SIGTERM and SIGINT (every signal,
 * so the handler can treat a second one as "exit now"), and in a worker also when the supervisor
 * asks (once: a terminal's Ctrl-C reaches the whole process group, so a worker may get the
 * signal and the supervisor's request for the same shutdown) or when the supervisor is gone
 * (its IPC channel closed: no new connections can reach this worker).
 */
export function onShutdownRequest(handler: (reason: string) => void): void {
  let requested = false;
  const request = (reason: string, always: boolean): void => {
    if (requested && !always) return;
    requested = true;
    handler(reason);
  };
  process.on('SIGTERM', () => request('SIGTERM', true));
  process.on('SIGINT', () => request('SIGINT', true));
  if (!cluster.isWorker) return;
  process.on('message', (message: unknown) => {
    if (!isControlMessage(message)) return;
    if (message.chompardo === 'shutdown') request(message.reason, false);
    else request('forced by the supervisor', true);
  });
  process.on('disconnect', () => request('supervisor gone', false));
}

interface Slot {
  /** 0-based; a replacement takes the slot (and the pool share) of the worker it replaces. */
  index: number;
  worker: Worker | undefined;
  /** When the current worker started listening. */
  listeningSince: number | undefined;
  /** Consecutive unexpected exits, for the restart backoff. */
  failures: number;
  restartTimer: NodeJS.Timeout | undefined;
}

/**
 * Runs this process as the supervisor of `config.workers` workers (call only when
 * {@link isSupervisor}); returns once they are forked, the process then lives until they stop.
 *
 * - Start: every worker runs the full startup (migrations under the database's advisory lock, so
 *   one applies them and the others find them applied; JWKS; listen). When a worker of the first
 *   start exits before it listens, what stopped it (an unreachable JWKS, a failing migration) would
 *   stop every restart too: the supervisor stops the others and exits 1.
 * - A worker that dies later (crash, OOM kill, SIGKILL) is logged and replaced in its slot after a
 *   backoff (100 ms doubling to 30 s; reset once a worker has served for 30 s).
 * - SIGTERM/SIGINT: each worker is asked to shut down (it stops accepting, finishes in-flight
 *   requests for up to SHUTDOWN_TIMEOUT, closes its pool and exits); the supervisor exits 0 once
 *   all have exited 0, else 1. Workers still running SHUTDOWN_TIMEOUT + 5 s later are killed
 *   (exit 1). A second signal makes every worker exit at once and the supervisor exit 1.
 */
export function superviseWorkers(config: Config, logger: Logger): void {
  const count = config.workers;
  const slots: Slot[] = Array.from({ length: count }, (_, index) => ({
    index,
    worker: undefined,
    listeningSince: undefined,
    failures: 0,
    restartTimer: undefined,
  }));
  /** True once every slot has had a listening worker (the first start succeeded). */
  let started = false;
  let stopping: { exitCode: number; forced: boolean } | undefined;

  if (config.rateLimit.max > 0 && config.rateLimit.store === 'memory') {
    logger.warn(
      { workers: count, rate_limit_max: config.rateLimit.max },
      'RATE_LIMIT_STORE=memory counts per worker: a client may get up to WORKERS × RATE_LIMIT_MAX requests per window; use RATE_LIMIT_STORE=postgres',
    );
  }

  const send = (worker: Worker, message: ControlMessage): void => {
    if (!worker.isConnected()) return;
    try {
      worker.send(message);
    } catch {
      // The channel closed meanwhile: the worker is exiting anyway.
    }
  };

  const alive = (): Worker[] => slots.flatMap((slot) => (slot.worker ? [slot.worker] : []));

  function fork(slot: Slot): void {
    const worker = cluster.fork({ [workerEnv]: `${slot.index}/${count}` });
    slot.worker = worker;
    slot.listeningSince = undefined;
    worker.on('listening', (address: { address: string; port: number }) => {
      slot.listeningSince = Date.now();
      logger.info({ worker: slot.index + 1, worker_pid: worker.process.pid, port: address.port }, 'worker listening');
      // A worker that was still starting when shutdown began missed the request.
      if (stopping) send(worker, { chompardo: 'shutdown', reason: 'supervisor shutting down' });
      if (!started && slots.every((s) => s.listeningSince !== undefined)) {
        started = true;
        logger.info({ workers: count, url: `http://${config.host}:${address.port}` }, 'all workers listening');
      }
    });
    worker.on('exit', (code: number | null, signal: NodeJS.Signals | null) => onExit(slot, worker, code, signal));
    // E.g. a failed IPC send; without a listener it would crash the supervisor.
    worker.on('error', (err: Error) =>
      logger.error({ err, worker: slot.index + 1, worker_pid: worker.process.pid }, 'worker process error'),
    );
  }

  function onExit(slot: Slot, worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.worker !== worker) return;
    const ranMs = slot.listeningSince === undefined ? 0 : Date.now() - slot.listeningSince;
    const listened = slot.listeningSince !== undefined;
    slot.worker = undefined;
    slot.listeningSince = undefined;
    const fields = { worker: slot.index + 1, worker_pid: worker.process.pid, code, signal };
    if (stopping) {
      if (code !== 0) stopping.exitCode = 1;
      logger.info(fields, 'worker stopped');
      if (alive().length === 0) finish();
      return;
    }
    if (!started && !listened) {
      logger.fatal(fields, 'worker failed to start: stopping');
      stop('a worker failed to start', 1);
      return;
    }
    if (ranMs >= stableAfterMs) slot.failures = 0;
    const delay = Math.min(restartMaxMs, restartMinMs * 2 ** slot.failures);
    slot.failures++;
    logger.error({ ...fields, restart_in_ms: delay }, 'worker exited unexpectedly: restarting it');
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (!stopping) fork(slot);
    }, delay);
  }

  function finish(): void {
    const exitCode = stopping?.exitCode ?? 1;
    logger.info({ exit_code: exitCode }, 'all workers stopped');
    process.exit(exitCode);
  }

  function stop(reason: string, exitCode: number): void {
    stopping = { exitCode, forced: false };
    for (const slot of slots) {
      clearTimeout(slot.restartTimer);
      slot.restartTimer = undefined;
    }
    for (const worker of alive()) send(worker, { chompardo: 'shutdown', reason });
    if (alive().length === 0) {
      finish();
      return;
    }
    setTimeout(() => {
      logger.error({ workers: alive().map((w) => w.process.pid) }, 'workers still running after the shutdown timeout: killing them');
      if (stopping) stopping.exitCode = 1;
      for (const worker of alive()) worker.process.kill('SIGKILL');
    }, config.shutdownTimeoutMs + workerCloseGraceMs);
  }

  function onSignal(signal: NodeJS.Signals): void {
    if (!stopping) {
      logger.info({ signal, workers: alive().length, timeout_ms: config.shutdownTimeoutMs }, 'shutting down: stopping the workers');
      stop(signal, 0);
      return;
    }
    if (stopping.forced) return;
    stopping.forced = true;
    stopping.exitCode = 1;
    logger.warn({ signal }, 'second signal: forcing exit');
    for (const worker of alive()) send(worker, { chompardo: 'force' });
    setTimeout(() => {
      for (const worker of alive()) worker.process.kill('SIGKILL');
    }, forceExitGraceMs).unref();
  }

  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  logger.info(
    { workers: count, db_pool_max: config.dbPoolMax, pool_per_worker: slots.map((s) => poolShare(config.dbPoolMax, count, s.index)) },
    'starting workers',
  );
  for (const slot of slots) fork(slot);
}
