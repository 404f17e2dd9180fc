/**
 * Helpers shared by the identity service's test files: free ports, test configurations, HTTP
 * calls to Better Auth, throwaway PostgreSQL databases on the runner's server, and the service
 * run as a real process (`src/main.ts` under tsx) with its output collected.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import type { IdentityConfig, StorageConfig } from '../src/config.js';
import type { IdentityService } from '../src/server.js';

export const identityDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The runner's PostgreSQL (admin connection string), when `npm test` started one. */
export const pgAdminUrl = process.env.CHOMPARDO_TEST_PG_ADMIN_URL || undefined;

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** A configuration for tests: a free port, no logs, `env` over the defaults, then `storage`. */
export async function testConfig(storage: StorageConfig, env: Record<string, string> = {}): Promise<IdentityConfig> {
  return { ...loadConfig({ PORT: String(await freePort()), LOG_LEVEL: 'silent', ...env }), storage };
}

export function uniqueEmail(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}@example.test`;
}

export interface JsonReply {
  status: number;
  headers: Headers;
  // Tests read nested fields of JSON bodies without declaring each shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: Record<string, any>;
}

/** Calls `/api/auth{route}` with a trusted Origin (Node's fetch sends Fetch Metadata headers). */
export async function callAuth(
  service: Pick<IdentityService, 'url' | 'baseUrl'>,
  route: string,
  init: RequestInit = {},
): Promise<JsonReply> {
  const headers = new Headers(init.headers);
  headers.set('origin', service.baseUrl);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  const response = await fetch(`${service.url}/api/auth${route}`, { ...init, headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? {} : JSON.parse(text) };
}

export function signUp(
  service: Pick<IdentityService, 'url' | 'baseUrl'>,
  email: string,
  password: string,
  name: string,
): Promise<JsonReply> {
  return callAuth(service, '/sign-up/email', { method: 'POST', body: JSON.stringify({ email, password, name }) });
}

export function signIn(service: Pick<IdentityService, 'url' | 'baseUrl'>, email: string, password: string): Promise<JsonReply> {
  return callAuth(service, '/sign-in/email', { method: 'POST', body: JSON.stringify({ email, password }) });
}

export async function fetchJwt(service: Pick<IdentityService, 'url' | 'baseUrl'>, sessionToken: string): Promise<string> {
  const reply = await callAuth(service, '/token', { headers: { authorization: `Bearer ${sessionToken}` } });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  assert.equal(typeof reply.body.token, 'string');
  return reply.body.token as string;
}

/** Runs `statement` on the admin database of the runner's PostgreSQL. */
export async function runAdminSql(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database on the runner's PostgreSQL; `drop()` removes it. */
export async function createPostgresDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `identity_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await runAdminSql(adminUrl, `CREATE DATABASE "${name}" TEMPLATE template0`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => runAdminSql(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/** The identity service as a child process (see {@link spawnIdentity}). */
export interface IdentityProcess {
  readonly child: ChildProcess;
  /** Every line written so far, stdout and stderr alike, in order of arrival. */
  readonly lines: string[];
  /** Resolves with the exit code once the process ended. */
  readonly exited: Promise<number | null>;
  /** Resolves with the first line matching `predicate`; rejects on exit or after `timeoutMs`. */
  waitForLine(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then the exit code (SIGKILL after 15 s). */
  stop(): Promise<number | null>;
}

/**
 * Starts `src/main.ts` (under tsx) with `env` over a minimal environment (PATH, HOME and the
 * given keys only: no setting leaks in from the test runner), collecting its output by line.
 */
export function spawnIdentity(env: Record<string, string>): IdentityProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: identityDir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const collect = (stream: NodeJS.ReadableStream): void => {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      lines.push(...parts);
      for (const wake of waiters) wake();
    });
    stream.on('end', () => {
      if (pending !== '') lines.push(pending);
      pending = '';
    });
  };
  collect(child.stdout as NodeJS.ReadableStream);
  collect(child.stderr as NodeJS.ReadableStream);
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    for (const wake of waiters) wake();
  });

  return {
    child,
    lines,
    exited,
    waitForLine(predicate, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.find(predicate);
          if (found !== undefined) finish(() => resolve(found));
          else if (hasExited) finish(() => reject(new Error(`the process exited first; output:\n${lines.join('\n')}`)));
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`no such line within ${timeoutMs} ms; output:\n${lines.join('\n')}`))),
          timeoutMs,
        );
        const finish = (settle: () => void): void => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      try {
        return await exited;
      } finally {
        clearTimeout(killer);
      }
    },
  };
}

/** Parses every line as JSON; fails naming the first line that is not a JSON object. */
export function parseJsonLines(lines: readonly string[]): Record<string, unknown>[] {
  return lines
    .filter((line) => line !== '')
    .map((line) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        assert.fail(`a log line is not JSON: ${line.slice(0, 300)}`);
      }
      assert.ok(
        typeof value === 'object' && value !== null && !Array.isArray(value),
        `a log line is not a JSON object: ${line.slice(0, 300)}`,
      );
      return value as Record<string, unknown>;
    });
}

/** Storage for one test: its environment for the process, its config for in-process use. */
export interface TestStorage {
  env: Record<string, string>;
  storage: StorageConfig;
  cleanup(): Promise<void>;
}

/**
 * A fresh database on the runner's PostgreSQL when there is one, else a PGlite directory
 * `workDir/label`: as environment for {@link spawnIdentity} and as config for in-process use.
 */
export async function storageForProcess(workDir: string, label: string): Promise<TestStorage> {
  if (pgAdminUrl) {
    const database = await createPostgresDatabase(pgAdminUrl);
    return {
      env: { DATABASE_URL: database.url },
      storage: { kind: 'postgres', url: database.url, poolMax: 4, poolWaitMs: 5_000 },
      cleanup: database.drop,
    };
  }
  const dataDir = path.join(workDir, label);
  return {
    env: { DATA_DIR: dataDir },
    storage: { kind: 'pglite', dataDir: path.join(dataDir, 'identity') },
    cleanup: async () => undefined,
  };
}
