import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import { sql } from 'kysely';
import pg from 'pg';
import { ConfigError, describeConfig, loadConfig } from '../src/config.js';
import type { StorageConfig } from '../src/config.js';
import { migrateIdentityDatabase, openDatabase } from '../src/database.js';
import { identityAuthOptions } from '../src/auth.js';
import { createLogger } from '../src/logger.js';
import { createPasswordPolicy } from '../src/password-policy.js';
import { startIdentityService } from '../src/server.js';
import type { IdentityService } from '../src/server.js';
import { UnreadableSigningKeysError } from '../src/signing-keys.js';
import { createPostgresDatabase, fetchJwt, identityDir, pgAdminUrl, signIn, signUp, testConfig, uniqueEmail, callAuth } from './support.js';

const silent = createLogger('silent');
const defaultIssuer = 'http://127.0.0.1:4001';

async function verifyJwt(service: IdentityService, token: string, issuer = defaultIssuer, audience = defaultIssuer): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(`${service.url}/api/auth/jwks`));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer,
    audience,
    algorithms: ['EdDSA'],
    requiredClaims: ['sub', 'exp', 'iat'],
  });
  assert.equal(protectedHeader.alg, 'EdDSA');
  return payload;
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runTokenCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], {
      cwd: identityDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

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

/** The behaviour every storage backend must show; `storage()` gives a fresh, empty one. */
function describeIdentityService(label: string, storage: () => Promise<{ storage: StorageConfig; cleanup(): Promise<void> }>): void {
  describe(`identity service on ${label}`, () => {
    let service: IdentityService;
    let cleanup: () => Promise<void>;

    before(async () => {
      const made = await storage();
      cleanup = made.cleanup;
      service = await startIdentityService({ config: await testConfig(made.storage), logger: silent });
    });

    after(async () => {
      await service?.close();
      await cleanup?.();
    });

    test('answers /healthz with status ok and unknown paths with 404', async () => {
      const health = await fetch(`${service.url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const missing = await fetch(`${service.url}/nope`);
      assert.equal(missing.status, 404);
    });

    test('publishes an Ed25519 key in the JWKS before any token was issued', async () => {
      const response = await fetch(`${service.url}/api/auth/jwks`);
      assert.equal(response.status, 200);
      const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
      assert.ok(keys.length >= 1);
      for (const key of keys) {
        assert.equal(key.kty, 'OKP');
        assert.equal(key.crv, 'Ed25519');
        assert.equal(key.alg, 'EdDSA');
        assert.equal(typeof key.kid, 'string');
        assert.equal(key.d, undefined, 'no private key material');
      }
    });

    test('signs up, signs in and issues a trimmed EdDSA token that verifies against the JWKS', async () => {
      const email = uniqueEmail('ada');
      const password = 'correct horse battery';
      const created = await signUp(service, email, password, 'Ada King Lovelace');
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const userId = created.body.user.id as string;
      assert.ok(userId);

      const session = await signIn(service, email, password);
      assert.equal(session.status, 200, JSON.stringify(session.body));
      const token = await fetchJwt(service, session.body.token as string);

      const payload = await verifyJwt(service, token);
      const header = decodeProtectedHeader(token);
      assert.equal(header.alg, 'EdDSA');
      assert.equal(typeof header.kid, 'string');
      assert.equal(payload.iss, defaultIssuer);
      assert.equal(payload.aud, defaultIssuer);
      assert.equal(payload.sub, userId);
      assert.equal(payload.email, email);
      assert.equal(payload.name, 'Ada King Lovelace');
      assert.equal(payload.given_name, 'Ada');
      assert.equal(payload.family_name, 'King Lovelace');
      assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 15 * 60);
      for (const leaked of ['id', 'emailVerified', 'image', 'createdAt', 'updatedAt']) {
        assert.equal(leaked in payload, false, `payload must not carry ${leaked}`);
      }
    });

    test('leaves given_name and family_name out for a one-word name', async () => {
      const created = await signUp(service, uniqueEmail('plato'), 'correct horse battery', 'Plato');
      assert.equal(created.status, 200);
      const payload = await verifyJwt(service, await fetchJwt(service, created.body.token as string));
      assert.equal(payload.name, 'Plato');
      assert.equal('given_name' in payload, false);
      assert.equal('family_name' in payload, false);
    });

    test('rejects a wrong password with 401, a taken email with 422 and a short password with 400', async () => {
      const email = uniqueEmail('grace');
      assert.equal((await signUp(service, email, 'correct horse battery', 'Grace Hopper')).status, 200);
      const wrong = await signIn(service, email, 'not the password');
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.token, undefined);
      assert.equal((await signIn(service, uniqueEmail('nobody'), 'whatever123')).status, 401);
      assert.equal((await signUp(service, email, 'another password', 'Grace')).status, 422);
      assert.equal((await signUp(service, uniqueEmail('short'), 'short', 'Shorty')).status, 400);
    });

    test('refuses request bodies over 64 KiB with 413', async () => {
      const reply = await callAuth(service, '/sign-in/email', {
        method: 'POST',
        body: JSON.stringify({ email: 'x@example.test', password: 'p'.repeat(70_000) }),
      });
      assert.equal(reply.status, 413);
    });

    test('refuses the token endpoint without a valid session', async () => {
      assert.equal((await callAuth(service, '/token')).status, 401);
      const bogus = await callAuth(service, '/token', { headers: { authorization: 'Bearer not-a-session' } });
      assert.equal(bogus.status, 401);
    });

    test('the token CLI signs up, then signs in, printing only a verifiable JWT', async () => {
      const email = uniqueEmail('cli');
      const first = await runTokenCli(['--email', email, '--password', 'cli password 1', '--name', 'Cli User', '--url', service.url]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      const firstPayload = await verifyJwt(service, first.stdout.trim());
      assert.equal(firstPayload.email, email);
      assert.equal(firstPayload.name, 'Cli User');
      assert.match(first.stderr, /signed up/);

      const second = await runTokenCli(['--email', email, '--url', service.url], { CHOMPARDO_PASSWORD: 'cli password 1' });
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stderr, /signed in/);
      const secondPayload = await verifyJwt(service, second.stdout.trim());
      assert.equal(secondPayload.sub, firstPayload.sub);
    });

    test('the token CLI exits 1 with a clear message on a wrong password', async () => {
      const email = uniqueEmail('cli-wrong');
      assert.equal((await signUp(service, email, 'the real password', 'Someone')).status, 200);
      const result = await runTokenCli(['--email', email, '--password', 'a wrong password', '--url', service.url]);
      assert.equal(result.code, 1);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /wrong password for existing user/);
    });
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
    const forged = await postFrom('127.0.0.1', url, attempt, { ...origin, 'x-chompardo-client-ip': '203.0.113.9', 'x-forwarded-for': '203.0.113.9' });
    assert.equal(forged, 429);
    assert.equal(await postFrom('127.0.0.2', url, attempt, origin), 401, 'another client has its own budget');
  });
});

describe('identity service with a PGlite data directory', () => {
  let dataDir: string;
  const env = {
    AUTH_ISSUER: 'https://id.example.test',
    AUTH_AUDIENCE: 'chompardo-api',
    KEY_ROTATION_INTERVAL: '1s',
    KEY_GRACE_PERIOD: '1h',
  };

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'identity-test-'));
  });

  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  test('keeps users and keys across a restart, rotates keys and keeps rotated ones published', async () => {
    const config = await testConfig({ kind: 'pglite', dataDir: path.join(dataDir, 'identity') }, env);
    const email = uniqueEmail('persist');
    const password = 'persistent password';

    const first = await startIdentityService({ config, logger: silent });
    let firstToken: string;
    let userId: string;
    try {
      await assert.rejects(startIdentityService({ config, logger: silent }), /in use by process/, 'one process per data directory');
      const created = await signUp(first, email, password, 'Per Sistent');
      assert.equal(created.status, 200);
      userId = created.body.user.id as string;
      firstToken = await fetchJwt(first, created.body.token as string);
      const payload = await verifyJwt(first, firstToken, env.AUTH_ISSUER, env.AUTH_AUDIENCE);
      assert.equal(payload.iss, env.AUTH_ISSUER);
      assert.equal(payload.aud, env.AUTH_AUDIENCE);

      // The signing key expires after 1 s; the next token after that is signed by a new key.
      const firstKid = decodeProtectedHeader(firstToken).kid;
      const deadline = Date.now() + 10_000;
      let rotatedToken = firstToken;
      while (decodeProtectedHeader(rotatedToken).kid === firstKid) {
        assert.ok(Date.now() < deadline, 'no key rotation within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
        rotatedToken = await fetchJwt(first, created.body.token as string);
      }
      const jwks = (await (await fetch(`${first.url}/api/auth/jwks`)).json()) as { keys: { kid: string }[] };
      const kids = jwks.keys.map((key) => key.kid);
      assert.ok(kids.includes(firstKid as string), 'the rotated-out key stays published during the grace period');
      assert.ok(kids.includes(decodeProtectedHeader(rotatedToken).kid as string));
      await verifyJwt(first, firstToken, env.AUTH_ISSUER, env.AUTH_AUDIENCE);
      await verifyJwt(first, rotatedToken, env.AUTH_ISSUER, env.AUTH_AUDIENCE);
    } finally {
      await first.close();
    }

    const second = await startIdentityService({ config, logger: silent });
    try {
      const session = await signIn(second, email, password);
      assert.equal(session.status, 200, 'the user survived the restart');
      const token = await fetchJwt(second, session.body.token as string);
      const payload = await verifyJwt(second, token, env.AUTH_ISSUER, env.AUTH_AUDIENCE);
      assert.equal(payload.sub, userId);
      // A token issued before the restart still verifies: the keys were persisted, not re-minted.
      await verifyJwt(second, firstToken, env.AUTH_ISSUER, env.AUTH_AUDIENCE);
    } finally {
      await second.close();
    }
  });

  /** Sets every stored key's expiry to now + `offset` (a PostgreSQL interval); returns their ids. */
  async function setKeyExpiry(storage: StorageConfig, offset: string): Promise<string[]> {
    const database = await openDatabase(storage, silent);
    try {
      const { rows } = await sql<{ id: string }>`update identity.jwks set "expiresAt" = now() + ${offset}::interval returning id`.execute(database.kysely);
      return rows.map((row) => row.id);
    } finally {
      await database.close();
    }
  }

  test('refuses to start when the stored signing key cannot be decrypted with the secret', async () => {
    const storage: StorageConfig = { kind: 'pglite', dataDir: path.join(dataDir, 'identity') };
    // Live keys: the service must use (decrypt) one instead of minting a replacement.
    await setKeyExpiry(storage, '1 day');
    const config = await testConfig(storage, { ...env, KEY_ROTATION_INTERVAL: '30d', BETTER_AUTH_SECRET: 'another secret that is long enough, really' });
    await assert.rejects(startIdentityService({ config, logger: silent }), (error: unknown) => error instanceof UnreadableSigningKeysError && /cannot be decrypted/.test(error.message));
  });

  test('publishes a fresh key at startup when every stored key is past its grace period', async () => {
    const storage: StorageConfig = { kind: 'pglite', dataDir: path.join(dataDir, 'identity') };
    // Grace period is 1 h: expired 2 h ago means unpublishable.
    const oldKids = await setKeyExpiry(storage, '-2 hours');
    assert.ok(oldKids.length >= 1);
    const service = await startIdentityService({ config: await testConfig(storage, env), logger: silent });
    try {
      const { keys } = (await (await fetch(`${service.url}/api/auth/jwks`)).json()) as { keys: { kid: string }[] };
      assert.ok(keys.length >= 1, 'the JWKS is never empty');
      for (const key of keys) assert.equal(oldKids.includes(key.kid), false, 'keys past their grace period are not published');
    } finally {
      await service.close();
    }
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
      assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && error.key === key, key);
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

const pgAdmin = pgAdminUrl;
if (pgAdmin) {
  describeIdentityService('PostgreSQL', async () => {
    const database = await createPostgresDatabase(pgAdmin);
    return { storage: { kind: 'postgres', url: database.url, poolMax: 5, poolWaitMs: 5_000 }, cleanup: database.drop };
  });

  describe('identity schema on PostgreSQL', () => {
    test('concurrent starts migrate once, into schema identity only', async () => {
      const database = await createPostgresDatabase(pgAdmin);
      const storage: StorageConfig = { kind: 'postgres', url: database.url, poolMax: 3, poolWaitMs: 5_000 };
      const config = await testConfig(storage);
      const handles = await Promise.all([openDatabase(storage, silent), openDatabase(storage, silent), openDatabase(storage, silent)]);
      try {
        const created = await Promise.all(
          handles.map((handle) =>
            migrateIdentityDatabase(
              handle,
              identityAuthOptions({ database: handle, config, baseUrl: 'http://127.0.0.1:1', logger: silent, passwordPolicy: createPasswordPolicy(new Set()) }),
              silent,
            ),
          ),
        );
        assert.deepEqual(created.map((tables) => tables.length).sort(), [0, 0, 5]);
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          const { rows } = await client.query<{ table_schema: string; table_name: string }>(
            `select table_schema, table_name from information_schema.tables
              where table_schema not in ('pg_catalog', 'information_schema') order by 1, 2`,
          );
          assert.deepEqual(
            rows.map((row) => `${row.table_schema}.${row.table_name}`),
            ['identity.account', 'identity.jwks', 'identity.session', 'identity.user', 'identity.verification'],
          );
        } finally {
          await client.end();
        }
      } finally {
        await Promise.all(handles.map((handle) => handle.close()));
        await database.drop();
      }
    });
  });
}
