/**
 * The identity service on a PGlite data directory: users and keys survive a restart, keys rotate
 * and stay published through their grace period, a stored key the secret cannot decrypt stops
 * the start, and keys past their grace period are replaced at start.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { sql } from 'kysely';
import type { StorageConfig } from '../src/config.js';
import { openDatabase } from '../src/database.js';
import { createLogger } from '../src/logger.js';
import { startIdentityService } from '../src/server.js';
import { UnreadableSigningKeysError } from '../src/signing-keys.js';
import { verifyJwt } from './service-behaviour.js';
import { fetchJwt, signIn, signUp, testConfig, uniqueEmail } from './support.js';

const silent = createLogger('silent');

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
      const { rows } = await sql<{ id: string }>`update identity.jwks set "expiresAt" = now() + ${offset}::interval returning id`.execute(
        database.kysely,
      );
      return rows.map((row) => row.id);
    } finally {
      await database.close();
    }
  }

  test('refuses to start when the stored signing key cannot be decrypted with the secret', async () => {
    const storage: StorageConfig = { kind: 'pglite', dataDir: path.join(dataDir, 'identity') };
    // Live keys: the service must use (decrypt) one instead of minting a replacement.
    await setKeyExpiry(storage, '1 day');
    const config = await testConfig(storage, {
      ...env,
      KEY_ROTATION_INTERVAL: '30d',
      BETTER_AUTH_SECRET: 'another secret that is long enough, really',
    });
    await assert.rejects(
      startIdentityService({ config, logger: silent }),
      (error: unknown) => error instanceof UnreadableSigningKeysError && /cannot be decrypted/.test(error.message),
    );
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
