/**
 * The behaviour every storage backend of the identity service must show, as a reusable suite
 * ({@link describeIdentityService}), and the helpers it shares with the test files.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import type { StorageConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startIdentityService } from '../src/server.js';
import type { IdentityService } from '../src/server.js';
import { callAuth, fetchJwt, identityDir, signIn, signUp, testConfig, uniqueEmail } from './support.js';

const silent = createLogger('silent');
export const defaultIssuer = 'http://127.0.0.1:4001';

/** Verifies `token` against the service's JWKS (EdDSA, issuer, audience, required claims). */
export async function verifyJwt(
  service: IdentityService,
  token: string,
  issuer = defaultIssuer,
  audience = defaultIssuer,
): Promise<JWTPayload> {
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

/** The behaviour every storage backend must show; `storage()` gives a fresh, empty one. */
export function describeIdentityService(label: string, storage: () => Promise<{ storage: StorageConfig; cleanup(): Promise<void> }>): void {
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
