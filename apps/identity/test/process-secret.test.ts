/**
 * The identity service process started on a database whose signing keys another secret
 * encrypted: it refuses to start, naming cause and remedy; discarding the keys on request mints
 * new ones. Storage: a fresh database on the runner's PostgreSQL when there is one, else a PGlite
 * directory.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { JSONWebKeySet } from 'jose';
import { createLogger } from '../src/logger.js';
import { startIdentityService } from '../src/server.js';
import { fetchJwt, freePort, parseJsonLines, signUp, spawnIdentity, storageForProcess, testConfig, uniqueEmail } from './support.js';

const silent = createLogger('silent');
const password = 'a long and uncommon passphrase';

describe('the identity service process on keys of another secret', () => {
  let workDir: string;

  before(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'identity-process-'));
  });

  after(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  test('refuses to start on keys another secret encrypted, naming cause and remedy; discarding them on request mints new keys', async () => {
    const storage = await storageForProcess(workDir, 'secret-change');
    const original = `original-secret-${'o'.repeat(40)}`;
    const changed = `changed-secret-${'c'.repeat(40)}`;
    try {
      const first = await startIdentityService({
        config: await testConfig(storage.storage, { BETTER_AUTH_SECRET: original }),
        logger: silent,
      });
      let oldToken: string;
      try {
        const created = await signUp(first, uniqueEmail('secret'), password, 'Secret Keeper');
        assert.equal(created.status, 200, JSON.stringify(created.body));
        oldToken = await fetchJwt(first, created.body.token as string);
      } finally {
        await first.close();
      }

      const refused = spawnIdentity({ ...storage.env, PORT: String(await freePort()), BETTER_AUTH_SECRET: changed });
      const code = await refused.exited;
      assert.equal(code, 1, refused.lines.join('\n'));
      const records = parseJsonLines(refused.lines);
      const fatal = records.find((record) => record.level === 'fatal');
      assert.ok(fatal, `no fatal line:\n${refused.lines.join('\n')}`);
      const message = String(fatal.msg);
      assert.match(message, /stored JWKS signing keys .* cannot be decrypted with the configured BETTER_AUTH_SECRET/, 'names the cause');
      assert.match(message, /restore the original BETTER_AUTH_SECRET/, 'names the first remedy');
      assert.match(message, /DISCARD_UNREADABLE_SIGNING_KEYS=true/, 'names the setting of the second remedy');
      assert.match(message, /stop verifying/, 'says what discarding costs');
      const output = refused.lines.join('\n');
      assert.equal(output.includes(changed) || output.includes(original), false, 'no secret is printed');

      const rekeyed = await startIdentityService({
        config: await testConfig(storage.storage, { BETTER_AUTH_SECRET: changed, DISCARD_UNREADABLE_SIGNING_KEYS: 'true' }),
        logger: silent,
      });
      try {
        const jwks = (await (await fetch(`${rekeyed.url}/api/auth/jwks`)).json()) as JSONWebKeySet;
        assert.ok(jwks.keys.length >= 1, 'new keys are published');
        await assert.rejects(jwtVerify(oldToken, createLocalJWKSet(jwks)), 'a token of a discarded key no longer verifies');
        const created = await signUp(rekeyed, uniqueEmail('rekeyed'), password, 'New Keys');
        assert.equal(created.status, 200);
        await jwtVerify(await fetchJwt(rekeyed, created.body.token as string), createLocalJWKSet(jwks));
      } finally {
        await rekeyed.close();
      }
    } finally {
      await storage.cleanup();
    }
  });
});
