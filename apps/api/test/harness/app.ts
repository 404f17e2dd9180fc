import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config/index.js';
import type { Config } from '../../src/platform/config/config.js';
import type { Db } from '../../src/platform/db/db.js';
import { createJwtVerifier } from '../../src/platform/auth/jwt-verifier.js';
import type { TokenVerifier } from '../../src/platform/auth/ports.js';
import { createLogger, LogControl } from '../../src/platform/logging/logger.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { startTestIdentity, type TestIdentity } from './identity.js';
import { SpecChecker } from './spec-check.js';

/** A response as tests see it. */
export interface TestResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON when the body is JSON, else undefined. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  text: string;
}

/** Options of one request. */
export interface RequestOptions {
  token?: string;
  /** JSON-serialised and sent with `Content-Type: application/json` unless `rawBody` is given. */
  json?: unknown;
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  /** Skip the spec conformance check (for deliberately odd requests). */
  skipSpecCheck?: boolean;
}

/** A running API on a real port with its own database and identity provider. */
export interface TestApp {
  baseUrl: string;
  app: FastifyInstance;
  identity: TestIdentity;
  database: TestDatabase;
  verifier: TokenVerifier;
  config: Config;
  logControl: LogControl;
  /** Every log line written so far, parsed. */
  logs: Record<string, unknown>[];
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  /** Mints a token for a user (random subject unless given). */
  token(claims?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/** Options of {@link startTestApp}. */
export interface StartTestAppOptions {
  /** Extra environment variables for the config loader (e.g. `BODY_LIMIT`). */
  env?: Record<string, string>;
  /** An identity provider the caller owns (not closed by `close()`); default a fresh one. */
  identity?: TestIdentity;
  /**
   * A database the caller owns (several instances on one database, a server the test stops and
   * starts); `close()` leaves it alone. Default: a fresh clone of the migrated template.
   */
  database?: TestDatabase;
  /** Readiness turns 503 once this returns true (what main.ts does on SIGTERM). */
  shuttingDown?: () => boolean;
  /** The database handle the app runs on (e.g. one with a read router); default `database.db`. */
  db?: Db;
}

const checker = new SpecChecker();

/**
 * Starts the API in-process on 127.0.0.1 with a fresh database (cloned from the migrated
 * template), a test identity provider and a real JWKS fetch, configured through the real config
 * loader. Every response of `request` is checked against the bundled spec.
 */
export async function startTestApp(options: StartTestAppOptions = {}): Promise<TestApp> {
  const identity = options.identity ?? (await startTestIdentity());
  const database = options.database ?? (await createTestDatabase());
  const config = loadConfig({
    argv: [],
    // An empty working directory: no config file is found, so only env and defaults apply.
    cwd: mkdtempSync(join(tmpdir(), 'chompardo-test-')),
    env: {
      // AUTH_ISSUERS replaces the single-issuer settings (setting both is refused).
      ...(options.env?.AUTH_ISSUERS === undefined
        ? { AUTH_JWKS_URL: identity.jwksUrl, AUTH_ISSUER: identity.issuer, AUTH_AUDIENCE: identity.audience }
        : {}),
      LOG_LEVEL: 'info',
      ...options.env,
    },
  });
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const logger = createLogger({ level: config.log.level, destination });
  const logControl = new LogControl(logger, { minimumLevel: config.log.levelMin, errorStack: config.log.errorStack });
  const verifier = createJwtVerifier({ issuers: config.auth.issuers, logger });
  await verifier.start();
  const app = buildApp({
    config,
    logger,
    logControl,
    db: options.db ?? database.db,
    verifier,
    ...(options.shuttingDown ? { shuttingDown: options.shuttingDown } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const baseUrl = `http://127.0.0.1:${address.port}`;

  return {
    baseUrl,
    app,
    identity,
    database,
    verifier,
    config,
    logControl,
    logs,
    token: (claims) => identity.mintToken(claims),
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body: string | Buffer | undefined;
      if (opts.rawBody !== undefined) body = opts.rawBody;
      else if (opts.json !== undefined) {
        body = JSON.stringify(opts.json);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(baseUrl + path, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      const contentType = res.headers.get('content-type');
      let parsed: unknown;
      if (contentType?.startsWith('application/json') && text) parsed = JSON.parse(text);
      if (!opts.skipSpecCheck) checker.check(method, path, res.status, contentType, parsed, text);
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    async close() {
      await app.close();
      verifier.stop();
      if (!options.database) await database.drop();
      if (!options.identity) await identity.close();
    },
  };
}
