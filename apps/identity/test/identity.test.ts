/**
 * The identity service on in-memory PGlite (the shared behaviour suite), Better Auth's rate
 * limit per client address, and configuration parsing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, describeConfig, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startIdentityService } from '../src/server.js';
import type { IdentityService } from '../src/server.js';
import { defaultIssuer, describeIdentityService } from './service-behaviour.js';
import { callAuth, testConfig, uniqueEmail } from './support.js';

const silent = createLogger('silent');

/** POSTs JSON to `url` from the loopback address `localAddress` (all of 127/8 is loopback on Linux). */
function postFrom(localAddress: string, url: string, body: unknown, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = httpRequest(
      url,
      {
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end(text);
  });
}

describeIdentityService('in-memory PGlite', async () => ({
  storage: { kind: 'pglite', dataDir: 'memory://' },
  cleanup: async () => undefined,
}));

describe('rate limiting (RATE_LIMIT=true)', () => {
  let service: IdentityService;

  before(async () => {
    service = await startIdentityService({
      config: await testConfig({ kind: 'pglite', dataDir: 'memory://' }, { RATE_LIMIT: 'true' }),
      logger: silent,
    });
  });

  after(async () => {
    await service?.close();
  });

  test('limits sign-in attempts per client address, which a client header cannot forge', async () => {
    const url = `${service.url}/api/auth/sign-in/email`;
    const attempt = { email: uniqueEmail('limited'), password: 'wrong password' };
    const origin = { origin: service.baseUrl };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await postFrom('127.0.0.1', url, attempt, origin));
    assert.deepEqual(statuses, [401, 401, 401, 429]);
    const forged = await postFrom('127.0.0.1', url, attempt, {
      ...origin,
      'x-chompardo-client-ip': '203.0.113.9',
      'x-forwarded-for': '203.0.113.9',
    });
    assert.equal(forged, 429);
    assert.equal(await postFrom('127.0.0.2', url, attempt, origin), 401, 'another client has its own budget');
    const limited = await callAuth(service, '/sign-in/email', { method: 'POST', body: JSON.stringify(attempt) });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.code, 'TOO_MANY_REQUESTS');
    assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/, 'a standard Retry-After, not only X-Retry-After');
  });
});

describe('configuration', () => {
  test('defaults match the API: port 4001, issuer and audience http://127.0.0.1:4001, PGlite under ./.data/identity', () => {
    const config = loadConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 4001);
    assert.equal(config.issuer, defaultIssuer);
    assert.deepEqual(config.audience, [defaultIssuer]);
    assert.deepEqual(config.storage, { kind: 'pglite', dataDir: path.resolve('.data', 'identity') });
    assert.equal(config.tokenTtlSeconds, 900);
    assert.equal(config.secretIsDevDefault, true);
  });

  test('names the offending key of an invalid value', () => {
    const cases: [Record<string, string>, string][] = [
      [{ PORT: 'http' }, 'PORT'],
      [{ PORT: '0' }, 'PORT'],
      [{ NODE_ENV: 'production' }, 'BETTER_AUTH_SECRET'],
      [{ BETTER_AUTH_SECRET: 'too short' }, 'BETTER_AUTH_SECRET'],
      [{ TOKEN_EXPIRES_IN: 'soon' }, 'TOKEN_EXPIRES_IN'],
      [{ TOKEN_EXPIRES_IN: '2h', KEY_GRACE_PERIOD: '1h' }, 'KEY_GRACE_PERIOD'],
      [{ AUTH_ISSUER: 'not a url' }, 'AUTH_ISSUER'],
      [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
      [{ HEADERS_TIMEOUT: '40s' }, 'HEADERS_TIMEOUT'],
      [{ REQUEST_TIMEOUT: 'soon' }, 'REQUEST_TIMEOUT'],
      [{ DB_POOL_WAIT: '0ms' }, 'DB_POOL_WAIT'],
      [{ MAX_CONCURRENT_REQUESTS: '0' }, 'MAX_CONCURRENT_REQUESTS'],
      [{ MAX_QUEUED_REQUESTS: '-1' }, 'MAX_QUEUED_REQUESTS'],
      [{ DISCARD_UNREADABLE_SIGNING_KEYS: 'maybe' }, 'DISCARD_UNREADABLE_SIGNING_KEYS'],
      [{ BETTER_AUTH_SECRETS: '1:abc' }, 'BETTER_AUTH_SECRETS'],
    ];
    for (const [env, key] of cases) {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof ConfigError && error.key === key,
        key,
      );
    }
  });

  test('reads BETTER_AUTH_SECRET and DATABASE_URL from the files named by their _FILE keys, never echoing them', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'identity-secrets-'));
    try {
      const secretFile = path.join(dir, 'secret');
      const urlFile = path.join(dir, 'url');
      await writeFile(secretFile, `${'f'.repeat(40)}\n`);
      await writeFile(urlFile, 'postgres://me:file-pw@127.0.0.1:5432/db\n');
      const config = loadConfig({ BETTER_AUTH_SECRET_FILE: secretFile, DATABASE_URL_FILE: urlFile });
      assert.equal(config.secret, 'f'.repeat(40), 'trailing newline dropped');
      assert.equal(config.secretIsDevDefault, false);
      assert.deepEqual(config.storage, {
        kind: 'postgres',
        url: 'postgres://me:file-pw@127.0.0.1:5432/db',
        poolMax: 10,
        poolWaitMs: 5_000,
      });
      const printed = JSON.stringify(describeConfig(config));
      assert.equal(printed.includes('file-pw') || printed.includes('f'.repeat(40)), false, printed);

      const refusals: [Record<string, string>, string][] = [
        [{ BETTER_AUTH_SECRET_FILE: secretFile, BETTER_AUTH_SECRET: 'x'.repeat(40) }, 'BETTER_AUTH_SECRET'],
        [{ BETTER_AUTH_SECRET_FILE: path.join(dir, 'missing') }, 'BETTER_AUTH_SECRET_FILE'],
        [{ DATABASE_URL_FILE: path.join(dir, 'missing') }, 'DATABASE_URL_FILE'],
        [{ BETTER_AUTH_SECRET_FILE: path.join(dir, 'short') }, 'BETTER_AUTH_SECRET'],
      ];
      await writeFile(path.join(dir, 'short'), 'file-pw\n');
      await writeFile(path.join(dir, 'empty'), '\n');
      refusals.push([{ BETTER_AUTH_SECRET_FILE: path.join(dir, 'empty') }, 'BETTER_AUTH_SECRET_FILE']);
      for (const [env, key] of refusals) {
        assert.throws(
          () => loadConfig(env),
          (error: unknown) =>
            error instanceof ConfigError &&
            error.key === key &&
            !error.message.includes('file-pw') &&
            !error.message.includes('f'.repeat(40)),
          key,
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('uses PostgreSQL when DATABASE_URL is set and never prints its password', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://me:s3cret@127.0.0.1:5432/db', BETTER_AUTH_SECRET: 'x'.repeat(40) });
    assert.equal(config.storage.kind, 'postgres');
    const printed = JSON.stringify(describeConfig(config));
    assert.equal(printed.includes('s3cret'), false);
    assert.equal(printed.includes('x'.repeat(40)), false);
  });
});
