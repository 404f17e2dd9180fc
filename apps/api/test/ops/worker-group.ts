import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { after, before } from 'node:test';
import { createTestDatabase } from '../harness/database.js';
import { appHeaders } from '../harness/iam.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

/**
 * Helpers of the worker tests (workers*.test.ts): WORKERS=2, a supervisor process and two workers
 * sharing the port, started as production starts the API. Which worker answered a request is read
 * from its access log line (workers log their `pid`); requests go over fresh connections, which
 * the supervisor hands out round-robin.
 */

/** One request over a connection of its own, tagged with a fresh Request-Id. */
export async function freshRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<{ status: number; text: string; requestId: string }> {
  const requestId = randomUUID();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${baseUrl}${path}`,
      {
        method,
        agent: false,
        headers: {
          ...headers,
          'request-id': requestId,
          connection: 'close',
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
        timeout: 20_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, requestId }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 20 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The pid of the worker that logged the access line of `requestId` (waits for the line). */
export async function servedBy(server: ServerProcess, requestId: string): Promise<number> {
  const line = await server.waitForLog((l) => l.message === 'request logged' && l.request_id === requestId, 10_000);
  assert.equal(typeof line.pid, 'number', 'worker log lines carry the pid');
  return line.pid as number;
}

/** Pids of the workers that served `requestIds`. */
export async function servers(server: ServerProcess, requestIds: string[]): Promise<Set<number>> {
  return new Set(await Promise.all(requestIds.map((id) => servedBy(server, id))));
}

/** Pids of the workers the supervisor reported listening, in order. */
export function listeningWorkerPids(server: ServerProcess): number[] {
  return server.logs.filter((line) => line.message === 'worker listening').map((line) => line.worker_pid as number);
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** Suite options: the worker tests need the runner's PostgreSQL (PGlite serves one process only). */
export const needsPostgres = { skip: process.env.CHOMPARDO_TEST_PG_ADMIN_URL ? false : 'needs the test PostgreSQL' };

let identity: TestIdentity;
const cleanups: (() => Promise<void>)[] = [];

/**
 * Registers the file's hooks: a test JWKS before its tests, and after them the cleanup of every
 * server and database the helpers started. Call once at the top of a test file.
 */
export function useWorkerGroups(): void {
  before(async () => {
    identity = await startTestIdentity();
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await identity?.close();
  });
}

/** Runs `cleanup` after the file's tests. */
export function afterFile(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

/** The environment of a WORKERS=2 server on `databaseUrl` trusting the test JWKS; `env` adds to it. */
export function serverEnv(databaseUrl: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    AUTH_JWKS_URL: identity.jwksUrl,
    AUTH_ISSUER: identity.issuer,
    AUTH_AUDIENCE: identity.audience,
    MIGRATE_ON_START: 'false',
    WORKERS: '2',
    ...env,
  };
}

/** Deadline of a worker group's start: three processes load the API at once (under tsx, on a busy runner). */
export const groupStartDeadlineMs = 90_000;

/** Starts a WORKERS=2 server on `databaseUrl` and waits until both workers listen. */
export async function startWorkerServer(databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const server = await startServerProcess(serverEnv(databaseUrl, env), { listenDeadlineMs: groupStartDeadlineMs });
  cleanups.push(() => server.kill());
  await server.waitForLog((line) => line.message === 'all workers listening', groupStartDeadlineMs);
  return server;
}

/** WORKERS=2 on a migrated database of its own, both workers listening, genesis done. */
export async function startWorkerGroup(env: Record<string, string> = {}) {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const server = await startWorkerServer(database.url!, env);
  const workerPids = listeningWorkerPids(server);
  assert.equal(new Set(workerPids).size, 2, 'two workers');
  const token = await identity.mintToken();
  const res = await freshRequest(server.baseUrl, 'POST', '/api/v1/genesis', { authorization: `Bearer ${token}` });
  assert.equal(res.status, 201, res.text);
  const app = (JSON.parse(res.text) as { principal: { app: { external_id: string; api_keys: { key: string }[] } } }).principal.app;
  const headers = { authorization: `Bearer ${token}`, ...appHeaders(app.external_id, app.api_keys[0]!.key) };
  return { server, database, workerPids, token, appId: app.external_id, headers };
}
