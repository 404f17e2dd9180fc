import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config/index.js';
import { createJwtVerifier } from '../../src/platform/auth/jwt-verifier.js';
import { createLogger, LogControl } from '../../src/platform/logging/logger.js';
import type { TestApp } from '../harness/app.js';
import type { TestDatabase } from '../harness/database.js';
import type { TestIdentity } from '../harness/identity.js';
import { SpecChecker } from '../harness/spec-check.js';

/** Options of {@link startAppOnDatabase}. */
export interface AppOnDatabaseOptions {
  /** The database to serve from; `close()` leaves it alone (the caller owns it). */
  database: TestDatabase;
  identity: TestIdentity;
  /** Extra environment for the config loader (e.g. `RATE_LIMIT_MAX`). */
  env?: Record<string, string>;
  /** Readiness turns 503 once this returns true (what main.ts does on SIGTERM). */
  shuttingDown?: () => boolean;
}

const checker = new SpecChecker();

/**
 * Like the harness' `startTestApp`, but on a database the caller provides (several instances on
 * one database, a database on a PostgreSQL server the test stops and starts) and with a
 * shutdown flag. Listens on 127.0.0.1; responses of `request` are checked against the spec.
 */
export async function startAppOnDatabase(options: AppOnDatabaseOptions): Promise<TestApp> {
  const { database, identity } = options;
  const config = loadConfig({
    argv: [],
    cwd: mkdtempSync(join(tmpdir(), 'chompardo-ops-')),
    env: {
      AUTH_JWKS_URL: identity.jwksUrl,
      AUTH_ISSUER: identity.issuer,
      AUTH_AUDIENCE: identity.audience,
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
  const verifier = createJwtVerifier({ jwksUrl: config.auth.jwksUrl, issuer: config.auth.issuer, audience: config.auth.audience, logger });
  await verifier.start();
  const app = buildApp({ config, logger, logControl, db: database.db, verifier, ...(options.shuttingDown ? { shuttingDown: options.shuttingDown } : {}) });
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
    },
  };
}
