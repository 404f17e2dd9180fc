import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { asConnectFailure, isConnectionError, isPermanentConnectionError, mapDbError } from '../../src/platform/db/db-errors.js';
import { quoteIdent } from '../../src/platform/db/sql-ident.js';
import { createBlankDatabase, runAdminSql, testPostgresEnv } from '../harness/database.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';
import { exitWithin, startServerProcess, waitUntil, type ServerProcess } from './server-process.js';

const apiDir = fileURLToPath(new URL('../..', import.meta.url));

describe('connection refusals at startup', { skip: testPostgresEnv() ? false : 'needs the test PostgreSQL' }, () => {
  const adminUrl = testPostgresEnv()?.adminUrl ?? '';
  let identity: TestIdentity;

  before(async () => {
    identity = await startTestIdentity();
  });

  after(async () => {
    await identity?.close();
  });

  it('tells permanent refusals from transient ones', () => {
    const refused = (code: string) => asConnectFailure(Object.assign(new Error('refused'), { code }));
    for (const code of ['28000', '28P01', '3D000', '42501']) {
      assert.ok(isConnectionError(refused(code)), code);
      assert.ok(isPermanentConnectionError(refused(code)), `${code} ends the process at startup`);
      assert.equal(mapDbError(refused(code)).kind, 'unavailable_error', `${code} is a 503 at runtime`);
    }
    for (const code of ['55000', '53300', '57P03', 'ECONNREFUSED']) {
      assert.ok(isConnectionError(refused(code)), code);
      assert.equal(isPermanentConnectionError(refused(code)), false, `${code} is retried at startup`);
    }
    // A statement's own 42501 (permission denied on a table) is not about connecting at all.
    assert.equal(isPermanentConnectionError(Object.assign(new Error('permission denied'), { code: '42501' })), false);
  });

  it('retries while the database does not accept connections (55000), then migrates and serves', async () => {
    const blank = await createBlankDatabase();
    let server: ServerProcess | undefined;
    await runAdminSql(adminUrl, `ALTER DATABASE ${quoteIdent(blank.name)} ALLOW_CONNECTIONS false`);
    try {
      server = await startServerProcess({
        DATABASE_URL: blank.url,
        AUTH_JWKS_URL: identity.jwksUrl,
        AUTH_ISSUER: identity.issuer,
        AUTH_AUDIENCE: identity.audience,
      });
      const retry = await server.waitForLog((line) => line.message === 'database still unreachable', 30_000);
      assert.equal((retry.err as { code?: string }).code, '55000');
      assert.equal((await fetch(`${server.baseUrl}/readyz`)).status, 503);

      await runAdminSql(adminUrl, `ALTER DATABASE ${quoteIdent(blank.name)} ALLOW_CONNECTIONS true`);
      await server.waitForLog((line) => line.message === 'database ready', 30_000);
      await waitUntil(async () => (await fetch(`${server!.baseUrl}/readyz`)).status === 200, 'readiness', 10_000, 100);
      server.child.kill('SIGTERM');
      assert.deepEqual(await exitWithin(server, 15_000), { code: 0, signal: null });
    } finally {
      await server?.kill();
      await runAdminSql(adminUrl, `ALTER DATABASE ${quoteIdent(blank.name)} ALLOW_CONNECTIONS true`).catch(() => undefined);
      await blank.drop();
    }
  });

  it('ends the process with 1 when its role may not log in (28000): no retry can fix that', async () => {
    const blank = await createBlankDatabase();
    const role = `chompardo_nologin_${process.pid}_${randomBytes(3).toString('hex')}`;
    await runAdminSql(adminUrl, `CREATE ROLE ${role} NOLOGIN`);
    try {
      const url = new URL(blank.url);
      url.username = role;
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: apiDir,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', PORT: '0', DATABASE_URL: url.href },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      clearTimeout(timer);
      assert.equal(code, 1, stdout);
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { message?: string; err?: { code?: string } });
      const fatal = lines.find((line) => line.message === 'database preparation failed');
      assert.equal(fatal?.err?.code, '28000', stdout);
      assert.ok(!lines.some((line) => line.message === 'database still unreachable'), 'it did not retry');
    } finally {
      await blank.drop();
      await runAdminSql(adminUrl, `DROP ROLE IF EXISTS ${role}`);
    }
  });
});
