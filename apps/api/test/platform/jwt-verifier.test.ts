import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isAppError } from '../../src/platform/errors/app-error.js';
import { authFailures, createJwtVerifier, parseBearer } from '../../src/platform/auth/index.js';
import type { AuthFailureReason, JwtVerifierOptions, TokenVerifier } from '../../src/platform/auth/index.js';
import { craftHs256WithPublicKey, craftUnsignedToken, startTestIdentity, tamperPayload } from '../harness/identity.js';
import type { TestIdentity } from '../harness/identity.js';

/**
 * Asserts a 401 whose code is a token failure reason (`reason` exactly when given): the error
 * handler turns that code into the challenge, so the verifier must always say why.
 */
async function assertRejected(promise: Promise<unknown>, reason?: AuthFailureReason): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isAppError(err), `expected an AppError, got ${String(err)}`);
    assert.equal(err.kind, 'unauthenticated');
    assert.equal(err.status, 401);
    assert.ok(err.code !== undefined && Object.hasOwn(authFailures, err.code), `a failure reason as code: ${err.code}`);
    assert.equal(authFailures[err.code as AuthFailureReason].credential, 'token', `${err.code} condemns the token`);
    if (reason !== undefined) assert.equal(err.code, reason);
    return true;
  });
}

/** Polls `condition` until it holds or the deadline passes (no blind sleeps). */
async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function isAccepted(verifier: TokenVerifier, token: string): Promise<boolean> {
  try {
    await verifier.verify(token);
    return true;
  } catch {
    return false;
  }
}

function captureLogger() {
  const warnings: string[] = [];
  return {
    warnings,
    logger: {
      warn: (_obj: object, msg?: string) => void warnings.push(msg ?? ''),
      info: () => {},
      error: () => {},
    },
  };
}

const nowSec = () => Math.floor(Date.now() / 1000);

describe('JWT verifier', () => {
  let identity: TestIdentity;
  let verifier: TokenVerifier;

  function build(identityToUse: TestIdentity, extra: Partial<JwtVerifierOptions> = {}): TokenVerifier {
    return createJwtVerifier({
      jwksUrl: identityToUse.jwksUrl,
      issuer: identityToUse.issuer,
      audience: [identityToUse.audience],
      ...extra,
    });
  }

  before(async () => {
    identity = await startTestIdentity();
    verifier = build(identity);
    await verifier.start();
  });
  after(async () => {
    verifier.stop();
    await identity.close();
  });

  describe('accepts', () => {
    it('a valid token and maps its claims', async () => {
      const token = await identity.mintToken({ sub: 'user-1', email: 'a@example.test', name: 'Ada L', azp: 'client-9' });
      const user = await verifier.verify(token);
      assert.equal(user.issuer, identity.issuer);
      assert.equal(user.subject, 'user-1');
      assert.equal(user.email, 'a@example.test');
      assert.equal(user.name, 'Ada L');
      assert.equal(user.givenName, 'Test');
      assert.equal(user.familyName, 'User');
      assert.equal(user.clientId, 'client-9');
      assert.ok(user.expiresAt > nowSec());
      assert.equal(verifier.isReady(), true);
    });

    it('takes client_id when there is no azp, and returns the cached user on a repeat', async () => {
      const token = await identity.mintToken({ client_id: 'client-7' });
      const first = await verifier.verify(token);
      assert.equal(first.clientId, 'client-7');
      assert.equal(await verifier.verify(token), first);
    });

    it('nbf and iat a little in the future (within the 60 s skew)', async () => {
      await verifier.verify(await identity.mintToken({ nbf: nowSec() + 30, iat: nowSec() + 30 }));
    });

    it('a token without kid when only one key can match', async () => {
      await verifier.verify(await identity.mintToken({}, { header: { kid: undefined } }));
    });
  });

  describe('rejects', () => {
    it('an expired token (no skew on exp)', async () => {
      await assertRejected(verifier.verify(await identity.mintToken({}, { expiresIn: -905 })), 'token_expired');
      await assertRejected(verifier.verify(await identity.mintToken({ exp: nowSec() - 1 })), 'token_expired');
    });

    it('a token without exp', async () => {
      await assertRejected(verifier.verify(await identity.mintToken({}, { omit: ['exp'] })), 'token_claims');
    });

    it('nbf in the future', async () => {
      await assertRejected(verifier.verify(await identity.mintToken({ nbf: nowSec() + 120 })), 'token_not_yet_valid');
    });

    it('iat in the future beyond the skew', async () => {
      await assertRejected(verifier.verify(await identity.mintToken({ iat: nowSec() + 120 })), 'token_not_yet_valid');
    });

    it('a wrong issuer', async () => {
      await assertRejected(verifier.verify(await identity.mintToken({ iss: 'https://evil.test' })), 'token_issuer');
      await assertRejected(verifier.verify(await identity.mintToken({}, { omit: ['iss'] })), 'token_issuer');
    });

    it('a wrong or missing audience', async () => {
      await assertRejected(verifier.verify(await identity.mintToken({ aud: 'someone-else' })), 'token_audience');
      await assertRejected(verifier.verify(await identity.mintToken({}, { omit: ['aud'] })), 'token_audience');
    });

    it('no sub, an empty sub, a non-string sub', async () => {
      await assertRejected(verifier.verify(await identity.mintToken({}, { omit: ['sub'] })), 'token_claims');
      await assertRejected(verifier.verify(await identity.mintToken({ sub: '' })), 'token_claims');
      await assertRejected(verifier.verify(await identity.mintToken({ sub: 42 })), 'token_claims');
    });

    it('alg none', async () => {
      await assertRejected(verifier.verify(craftUnsignedToken(identity.defaultClaims())), 'token_algorithm');
      await assertRejected(
        verifier.verify(craftUnsignedToken(identity.defaultClaims(), { kid: identity.publicJwk().kid })),
        'token_algorithm',
      );
    });

    it('HS256 signed with the public key as the HMAC secret', async () => {
      await assertRejected(verifier.verify(craftHs256WithPublicKey(identity.defaultClaims(), identity.publicJwk())), 'token_algorithm');
      await assertRejected(
        verifier.verify(craftHs256WithPublicKey(identity.defaultClaims(), identity.publicJwk(), 'jwk-json')),
        'token_algorithm',
      );
    });

    it('a token signed by a rogue key that names a known kid', async () => {
      await assertRejected(verifier.verify(await identity.mintToken({}, { key: 'rogue' })), 'token_signature');
    });

    it('an alg the JWKS does not offer (ES256 signed by a rogue key)', async () => {
      await assertRejected(verifier.verify(await identity.mintToken({}, { key: 'rogue', alg: 'ES256' })), 'token_algorithm');
    });

    it('embedded jwk, jku, x5u and x5c headers, even when the signature is valid', async () => {
      const jwk = identity.publicJwk();
      for (const header of [{ jwk }, { jku: identity.jwksUrl }, { x5u: 'https://evil.test/cert.pem' }, { x5c: ['MIIB'] }]) {
        await assertRejected(verifier.verify(await identity.mintToken({}, { header })), 'token_key_header');
      }
    });

    it('a rogue key embedded as jwk header', async () => {
      await assertRejected(
        verifier.verify(await identity.mintToken({}, { key: 'rogue', kid: 'rogue', header: { jwk: identity.publicJwk() } })),
        'token_key_header',
      );
    });

    it('a tampered payload', async () => {
      const token = await identity.mintToken({ sub: 'user-1' });
      await assertRejected(verifier.verify(tamperPayload(token, { sub: 'admin' })), 'token_signature');
    });

    it('garbage, empty and oversized tokens', async () => {
      for (const token of ['', 'abc', 'a.b.c', 'a.b', `${'a'.repeat(9000)}.b.c`]) {
        await assertRejected(verifier.verify(token), 'token_malformed');
      }
    });

    it('an unknown kid, after one refetch', async () => {
      const before = identity.jwksFetchCount();
      await assertRejected(verifier.verify(await identity.mintToken({}, { kid: 'no-such-kid' })), 'token_unknown_key');
      assert.equal(identity.jwksFetchCount() - before, 1);
    });
  });

  it('accepts any of several audiences', async () => {
    const multi = createJwtVerifier({
      jwksUrl: identity.jwksUrl,
      issuer: identity.issuer,
      audience: ['api-a', 'api-b'],
    });
    await multi.start();
    try {
      await multi.verify(await identity.mintToken({ aud: 'api-b' }));
      await multi.verify(await identity.mintToken({ aud: ['other', 'api-a'] }));
      await assertRejected(multi.verify(await identity.mintToken({ aud: 'api-c' })));
      await assertRejected(multi.verify(await identity.mintToken({ aud: ['x', 'y'] })));
    } finally {
      multi.stop();
    }
  });

  it('re-checks exp of cached tokens against the clock', async () => {
    let clock = Date.now();
    const timed = build(identity, { now: () => clock });
    await timed.start();
    try {
      const token = await identity.mintToken({}, { expiresIn: 10 });
      await timed.verify(token);
      clock += 11_000;
      await assertRejected(timed.verify(token));
    } finally {
      timed.stop();
    }
  });
});

describe('JWT verifier key management', () => {
  it('fetches a rotated key on demand, keeps the old key while published, drops it when retired', async () => {
    const identity = await startTestIdentity();
    const verifier = createJwtVerifier({
      jwksUrl: identity.jwksUrl,
      issuer: identity.issuer,
      audience: [identity.audience],
      refreshIntervalMs: 50,
    });
    try {
      await verifier.start();
      const oldToken = await identity.mintToken();
      await verifier.verify(oldToken);

      await identity.rotateKey();
      const newToken = await identity.mintToken();
      await verifier.verify(newToken);
      await verifier.verify(oldToken);
      await verifier.verify(await identity.mintToken({}, { key: 'other' }));

      identity.retireOldKeys();
      // The background refresh (every 50 ms) must notice the removal and stop the old token,
      // even though it sits in the verified-token cache.
      await waitFor(async () => !(await isAccepted(verifier, oldToken)), 'the retired key to stop its token');
      await assertRejected(verifier.verify(oldToken));
      await verifier.verify(newToken);
    } finally {
      verifier.stop();
      await identity.close();
    }
  });

  it('keeps cached keys working through a JWKS outage after start', async () => {
    const identity = await startTestIdentity();
    const { logger, warnings } = captureLogger();
    const verifier = createJwtVerifier({
      jwksUrl: identity.jwksUrl,
      issuer: identity.issuer,
      audience: [identity.audience],
      refreshIntervalMs: 20,
      logger,
    });
    try {
      await verifier.start();
      identity.setAvailable(false);
      const seen = identity.jwksFetchCount();
      await waitFor(() => identity.jwksFetchCount() >= seen + 2 && warnings.length >= 2, 'failed background refreshes');
      assert.equal(verifier.isReady(), true);
      await verifier.verify(await identity.mintToken());
      await assertRejected(verifier.verify(await identity.mintToken({}, { kid: 'unknown-during-outage' })));
      assert.ok(warnings.every((w) => w.includes('keeping cached keys')));

      // Back up: the background refresh brings in a key published meanwhile (the unknown-kid
      // refetch is still in its cooldown after the failed one above).
      identity.setAvailable(true);
      await identity.rotateKey();
      const afterRotation = await identity.mintToken();
      await waitFor(() => isAccepted(verifier, afterRotation), 'the refreshed key set');
    } finally {
      verifier.stop();
      await identity.close();
    }
  });

  it('start() fails when the JWKS answers 503, 404, or not at all', async () => {
    const identity = await startTestIdentity();
    try {
      identity.setAvailable(false);
      const down = createJwtVerifier({ jwksUrl: identity.jwksUrl, issuer: identity.issuer, audience: [identity.audience] });
      await assert.rejects(down.start(), /cannot load the JWKS/);
      assert.equal(down.isReady(), false);
      await assertRejected(down.verify(await identity.mintToken()));

      const wrongPath = createJwtVerifier({ jwksUrl: `${identity.jwksUrl}/nope`, issuer: identity.issuer, audience: [identity.audience] });
      await assert.rejects(wrongPath.start(), /cannot load the JWKS/);
    } finally {
      await identity.close();
    }
    // Nothing listens there any more: connection refused.
    const gone = createJwtVerifier({ jwksUrl: identity.jwksUrl, issuer: identity.issuer, audience: [identity.audience] });
    await assert.rejects(gone.start(), /cannot load the JWKS/);
  });

  it('start() refuses a JWKS endpoint that redirects, or answers more than 512 KiB', async () => {
    const identity = await startTestIdentity();
    const server = createHttpServer((request, response) => {
      if (request.url === '/moved') {
        response.writeHead(302, { location: identity.jwksUrl }).end();
        return;
      }
      // A valid JSON document, too large to be trusted as a key set.
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [], padding: 'x'.repeat(600 * 1024) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const options = { issuer: identity.issuer, audience: [identity.audience] };
      const moved = createJwtVerifier({ ...options, jwksUrl: `http://127.0.0.1:${port}/moved` });
      await assert.rejects(moved.start(), /cannot load the JWKS.*answered 302/s);
      const large = createJwtVerifier({ ...options, jwksUrl: `http://127.0.0.1:${port}/large` });
      await assert.rejects(large.start(), /cannot load the JWKS.*too large/s);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await identity.close();
    }
  });

  it('start() fails within the fetch timeout when the JWKS never answers', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const verifier = createJwtVerifier({
        jwksUrl: `http://127.0.0.1:${port}/jwks`,
        issuer: 'x',
        audience: ['y'],
        fetchTimeoutMs: 150,
      });
      await assert.rejects(verifier.start(), /cannot load the JWKS/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('a flood of 50 random unknown kids costs at most one JWKS fetch per cooldown window', async () => {
    const identity = await startTestIdentity();
    let clock = Date.now();
    const verifier = createJwtVerifier({
      jwksUrl: identity.jwksUrl,
      issuer: identity.issuer,
      audience: [identity.audience],
      now: () => clock,
    });
    try {
      await verifier.start();
      const before = identity.jwksFetchCount();
      const tokens = await Promise.all(
        Array.from({ length: 50 }, (_, i) => identity.mintToken({}, { kid: `random-${i}-${Math.random()}` })),
      );
      const results = await Promise.allSettled(tokens.map((t) => verifier.verify(t)));
      assert.ok(results.every((r) => r.status === 'rejected'));
      for (const token of tokens.slice(0, 10)) await assertRejected(verifier.verify(token));
      const fetches = identity.jwksFetchCount() - before;
      assert.ok(fetches >= 1 && fetches <= 2, `expected 1–2 fetches, saw ${fetches}`);

      // After the cooldown, one more unknown kid may refetch again (once).
      clock += 31_000;
      await Promise.allSettled(tokens.map((t) => verifier.verify(t)));
      assert.equal(identity.jwksFetchCount() - before, fetches + 1);
    } finally {
      verifier.stop();
      await identity.close();
    }
  });

  it('allows RS256 and ES256 only when the JWKS offers such keys, and checks alg against the key', async () => {
    const identity = await startTestIdentity({ algorithms: ['ES256', 'RS256'] });
    const verifier = createJwtVerifier({ jwksUrl: identity.jwksUrl, issuer: identity.issuer, audience: [identity.audience] });
    try {
      await verifier.start();
      await verifier.verify(await identity.mintToken({}, { alg: 'ES256' }));
      await verifier.verify(await identity.mintToken({}, { alg: 'RS256' }));
      await verifier.verify(await identity.mintToken({}, { alg: 'EdDSA' }));
      // An ES256 signature presented under the kid of the Ed25519 key.
      await assertRejected(verifier.verify(await identity.mintToken({}, { alg: 'ES256', kid: identity.publicJwk('EdDSA').kid })));
      await assertRejected(verifier.verify(await identity.mintToken({}, { alg: 'ES256', key: 'rogue' })));
    } finally {
      verifier.stop();
      await identity.close();
    }
  });

  it('refuses a token without kid when several keys could match', async () => {
    const identity = await startTestIdentity();
    const verifier = createJwtVerifier({ jwksUrl: identity.jwksUrl, issuer: identity.issuer, audience: [identity.audience] });
    try {
      await identity.rotateKey();
      await verifier.start();
      await assertRejected(verifier.verify(await identity.mintToken({}, { header: { kid: undefined } })));
    } finally {
      verifier.stop();
      await identity.close();
    }
  });
});

describe('parseBearer', () => {
  it('returns undefined when no header was sent', () => {
    assert.equal(parseBearer(undefined), undefined);
  });

  it('accepts the scheme in any case and tolerates whitespace', () => {
    assert.equal(parseBearer('Bearer abc.def.ghi'), 'abc.def.ghi');
    assert.equal(parseBearer('bearer abc.def.ghi'), 'abc.def.ghi');
    assert.equal(parseBearer('BEARER abc.def.ghi'), 'abc.def.ghi');
    assert.equal(parseBearer('BeArEr   abc.def.ghi  '), 'abc.def.ghi');
    assert.equal(parseBearer(' Bearer\tabc-_~+/=='), 'abc-_~+/==');
  });

  it('calls everything else malformed', () => {
    for (const header of [
      '',
      '   ',
      'Bearer',
      'Bearer ',
      'Bearer    ',
      'Basic dXNlcjpwYXNz',
      'Bearerabc',
      'Bearer a b',
      'Bearer a,b',
      'Token abc',
      'Bearer =abc',
    ]) {
      assert.equal(parseBearer(header), 'malformed', JSON.stringify(header));
    }
  });
});
