import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestIdentity, type TestIdentity } from '../apps/api/test/harness/identity.js';
import { assertBuilt, signUpWithJwt, startStack, type IdentityUser, type Stack } from './harness.js';

/**
 * Identity federation on the built artifacts: the API process trusts two issuers through
 * AUTH_ISSUERS — the shipped identity service (its JWKS URL given) and a second provider found
 * through OpenID Connect discovery (a real JWKS and discovery document on loopback) — and a person
 * signed up at the identity service links their user of the second provider.
 */

const run = randomBytes(3).toString('hex');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw JSON
async function call(stack: Stack, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('two trusted issuers on built artifacts: the identity service and a second provider', { timeout: 180_000 }, () => {
  let second: TestIdentity;
  let stack: Stack;
  let founder: IdentityUser;

  before(async () => {
    assertBuilt();
    second = await startTestIdentity({ audience: 'chompardo-api' });
    stack = await startStack({
      apiEnv: (identityUrl) => ({
        AUTH_ISSUERS: JSON.stringify([
          { issuer: identityUrl, audience: identityUrl, jwks_url: `${identityUrl}/api/auth/jwks` },
          { issuer: second.issuer, audience: second.audience },
        ]),
      }),
    });
  });
  after(async () => {
    await stack?.stop();
    await second?.close();
  });

  it('loaded the second provider through discovery at start', () => {
    assert.equal(second.discoveryFetchCount(), 1);
    assert.ok(second.jwksFetchCount() >= 1);
  });

  it('links the second provider user to the person of the identity service user, and both see one person', async () => {
    founder = await signUpWithJwt(stack.identityUrl, {
      email: `fed-${run}@example.com`,
      password: 'e2e-password-Correct-Horse-1',
      name: 'Fed Founder',
    });
    const genesis = await call(stack, 'POST', '/api/v1/genesis', founder.jwt, {});
    assert.equal(genesis.status, 201, JSON.stringify(genesis.body));

    const otherToken = await second.mintToken({ sub: `fed-${run}`, email: `fed-${run}@second.example`, name: 'Fed Second' });
    const linked = await call(stack, 'POST', '/api/v1/users/me/identities', founder.jwt, { token: otherToken });
    assert.equal(linked.status, 201, JSON.stringify(linked.body));
    assert.deepEqual(linked.body.identities, [
      { issuer: stack.identityUrl, subject: founder.id },
      { issuer: second.issuer, subject: `fed-${run}` },
    ]);
    assert.equal((await call(stack, 'POST', '/api/v1/users/me/identities', founder.jwt, { token: otherToken })).status, 200);

    const asSecond = await call(stack, 'GET', '/api/v1/users/me', otherToken);
    assert.equal(asSecond.status, 200, JSON.stringify(asSecond.body));
    assert.equal(asSecond.body.person_external_id, linked.body.person_external_id);
    assert.equal(asSecond.body.email, `fed-${run}@second.example`);

    const untrusted = await startTestIdentity();
    try {
      const refused = await call(stack, 'POST', '/api/v1/users/me/identities', founder.jwt, { token: await untrusted.mintToken() });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error.code, 'token_issuer');
    } finally {
      await untrusted.close();
    }
  });
});
