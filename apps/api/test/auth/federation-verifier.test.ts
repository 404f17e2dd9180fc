import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAppError } from '../../src/platform/errors/app-error.js';
import { createJwtVerifier } from '../../src/platform/auth/index.js';
import type { AuthFailureReason, TokenVerifier, TrustedIssuer } from '../../src/platform/auth/index.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';

async function assertRejected(promise: Promise<unknown>, reason: AuthFailureReason): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isAppError(err), `expected an AppError, got ${String(err)}`);
    assert.equal(err.status, 401);
    assert.equal(err.code, reason);
    return true;
  });
}

/**
 * Two real issuers on loopback: A publishes its JWKS at a configured URL, B is found through
 * OpenID Connect discovery served over HTTP.
 */
describe('JWT verifier with several trusted issuers', () => {
  let a: TestIdentity;
  let b: TestIdentity;
  let verifier: TokenVerifier;
  const trusted = (): TrustedIssuer[] => [
    { issuer: a.issuer, audience: [a.audience], jwksUrl: a.jwksUrl },
    { issuer: b.issuer, audience: [b.audience], claims: { email: 'preferred_username', name: 'display_name' } },
  ];

  before(async () => {
    a = await startTestIdentity({ audience: 'audience-a' });
    b = await startTestIdentity({ audience: 'audience-b' });
    verifier = createJwtVerifier({ issuers: trusted(), unknownKidCooldownMs: 60_000 });
    await verifier.start();
  });
  after(async () => {
    verifier.stop();
    await Promise.all([a.close(), b.close()]);
  });

  it('loads every issuer eagerly, B through its discovery document', () => {
    assert.equal(verifier.isReady(), true);
    assert.equal(a.jwksFetchCount(), 1);
    assert.equal(a.discoveryFetchCount(), 0, 'a configured jwks_url needs no discovery');
    assert.equal(b.discoveryFetchCount(), 1);
    assert.equal(b.jwksFetchCount(), 1);
  });

  it("accepts each issuer's tokens as users of that issuer, with that issuer's claim names", async () => {
    const fromA = await verifier.verify(await a.mintToken({ sub: 'alice', email: 'alice@a.test' }));
    assert.deepEqual([fromA.issuer, fromA.subject, fromA.email], [a.issuer, 'alice', 'alice@a.test']);
    const fromB = await verifier.verify(
      await b.mintToken({ sub: 'alice-b', email: 'ignored@b.test', preferred_username: 'alice@b.test', display_name: 'Alice B' }),
    );
    assert.deepEqual([fromB.issuer, fromB.subject, fromB.email, fromB.name], [b.issuer, 'alice-b', 'alice@b.test', 'Alice B']);
  });

  it("checks each token against its own issuer's audience", async () => {
    await assertRejected(verifier.verify(await a.mintToken({ aud: b.audience })), 'token_audience');
    await assertRejected(verifier.verify(await b.mintToken({ aud: a.audience })), 'token_audience');
  });

  it('never validates a token claiming issuer B with a key of issuer A', async () => {
    const aFetches = a.jwksFetchCount();
    const bFetches = b.jwksFetchCount();
    // A's key and kid, B's iss and audience: B's key set does not hold that kid.
    await assertRejected(verifier.verify(await a.mintToken({ iss: b.issuer, aud: b.audience })), 'token_unknown_key');
    // Without a kid, B's only key is tried, and A's signature does not verify under it.
    await assertRejected(
      verifier.verify(await a.mintToken({ iss: b.issuer, aud: b.audience }, { header: { kid: undefined } })),
      'token_signature',
    );
    // The same with B's kid copied into the header.
    await assertRejected(
      verifier.verify(await a.mintToken({ iss: b.issuer, aud: b.audience }, { kid: String(b.publicJwk().kid) })),
      'token_signature',
    );
    assert.equal(a.jwksFetchCount(), aFetches, "issuer A's keys are never consulted for a token claiming B");
    assert.ok(b.jwksFetchCount() <= bFetches + 1, 'at most one refetch of B for the unknown kid');
  });

  it('refuses an issuer nobody trusts as "untrusted issuer", without fetching anything', async () => {
    const before = a.jwksFetchCount() + b.jwksFetchCount();
    await assertRejected(verifier.verify(await a.mintToken({ iss: 'https://evil.example' })), 'token_issuer');
    await assertRejected(verifier.verify(await a.mintToken({ iss: `${a.issuer}/` })), 'token_issuer');
    await assertRejected(verifier.verify(await a.mintToken({}, { omit: ['iss'] })), 'token_issuer');
    assert.equal(a.jwksFetchCount() + b.jwksFetchCount(), before);
  });

  it('refetches on unknown kid with a cooldown per issuer: a flood at A does not stop B from fetching its new key', async () => {
    const aStart = a.jwksFetchCount();
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) =>
        assertRejected(verifier.verify(await a.mintToken({}, { kid: `random-${i}` })), 'token_unknown_key'),
      ),
    );
    assert.ok(a.jwksFetchCount() - aStart <= 1, `A fetched ${a.jwksFetchCount() - aStart} times`);
    await assertRejected(verifier.verify(await a.mintToken({}, { kid: 'random-again' })), 'token_unknown_key');
    assert.ok(a.jwksFetchCount() - aStart <= 1, "A's cooldown holds");

    // B has not used its cooldown window (the confusion test above may have): use a fresh verifier.
    const fresh = createJwtVerifier({ issuers: trusted(), unknownKidCooldownMs: 60_000 });
    await fresh.start();
    try {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) =>
          assertRejected(fresh.verify(await a.mintToken({}, { kid: `flood-${i}` })), 'token_unknown_key'),
        ),
      );
      await b.rotateKey();
      const bBefore = b.jwksFetchCount();
      const user = await fresh.verify(await b.mintToken({ sub: 'rotated' }));
      assert.equal(user.subject, 'rotated');
      assert.equal(b.jwksFetchCount(), bBefore + 1, "B's new key was fetched on demand despite A's cooldown");
    } finally {
      fresh.stop();
    }
  });
});

describe('JWT verifier start with several issuers', () => {
  it('refuses to start when one issuer is unreachable, naming that issuer and where its keys were looked for', async () => {
    const a = await startTestIdentity();
    const b = await startTestIdentity();
    try {
      b.setAvailable(false);
      const verifier = createJwtVerifier({
        issuers: [
          { issuer: a.issuer, audience: [a.audience], jwksUrl: a.jwksUrl },
          { issuer: b.issuer, audience: [b.audience] },
        ],
      });
      await assert.rejects(verifier.start(), (err: Error) => {
        assert.match(err.message, /cannot load the JWKS of issuer/);
        assert.ok(err.message.includes(b.issuer) && err.message.includes(b.discoveryUrl), err.message);
        assert.ok(!err.message.includes(`issuer ${a.issuer} from`), 'the reachable issuer is not blamed');
        return true;
      });
      assert.equal(verifier.isReady(), false);
      b.setAvailable(true);
      await verifier.start();
      assert.equal(verifier.isReady(), true);
      verifier.stop();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('refuses a closed port and a discovery document that names another issuer', async () => {
    const gone = await startTestIdentity();
    const goneJwks = gone.jwksUrl;
    await gone.close();
    await assert.rejects(
      createJwtVerifier({ issuers: [{ issuer: 'https://gone.example', audience: ['x'], jwksUrl: goneJwks }] }).start(),
      (err: Error) => err.message.includes(goneJwks),
    );
    const liar = await startTestIdentity({ discoveryIssuer: 'https://someone-else.example' });
    try {
      await assert.rejects(
        createJwtVerifier({ issuers: [{ issuer: liar.issuer, audience: [liar.audience] }] }).start(),
        /for another issuer/,
      );
    } finally {
      await liar.close();
    }
  });

  it('refuses options that list an issuer twice or mix the two forms', () => {
    assert.throws(
      () =>
        createJwtVerifier({
          issuers: [
            { issuer: 'i', audience: ['a'] },
            { issuer: 'i', audience: ['b'] },
          ],
        }),
      /twice/,
    );
    assert.throws(
      () => createJwtVerifier({ issuers: [{ issuer: 'i', audience: ['a'] }], issuer: 'j', jwksUrl: 'http://k', audience: ['a'] }),
      /not both/,
    );
    assert.throws(() => createJwtVerifier({}), /no trusted issuer/);
  });
});
