import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatBearerChallenge, quotedString } from '../../src/platform/auth/index.js';
import { startTestApp, type TestApp, type TestResponse } from '../harness/app.js';
import { appHeaders, createTenant, type Tenant } from '../harness/iam.js';
import { craftHs256WithPublicKey, craftUnsignedToken, tamperPayload } from '../harness/identity.js';

/** The challenge of a rejected token, with its RFC 6750 description. */
const invalidToken = (description: string) => `Bearer realm="chompardo", error="invalid_token", error_description="${description}"`;

describe('JWT authentication over HTTP', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => t.close());

  async function expectInvalid(token: string, description: string, path = '/api/v1/recipes'): Promise<void> {
    const res = await t.request('GET', path, { token });
    assert.equal(res.status, 401, `token should be rejected: ${token.slice(0, 40)}…`);
    assert.equal(res.text, '');
    assert.equal(res.headers.get('www-authenticate'), invalidToken(description));
  }

  it('accepts a valid token, with the scheme in any case', async () => {
    const token = await t.token();
    assert.equal((await t.request('GET', '/api/v1/recipes', { token })).status, 200);
    const lower = await t.request('GET', '/api/v1/recipes', { headers: { authorization: `bearer ${token}` } });
    assert.equal(lower.status, 200);
    const upper = await t.request('GET', '/api/v1/recipes', { headers: { authorization: `BEARER ${token}` } });
    assert.equal(upper.status, 200);
  });

  it('rejects expired tokens', async () => expectInvalid(await t.identity.mintToken({}, { expiresIn: -120 }), 'token expired'));
  it('rejects nbf in the future', async () =>
    expectInvalid(await t.identity.mintToken({ nbf: Math.floor(Date.now() / 1000) + 600 }), 'token not yet valid'));
  it('rejects iat in the future', async () =>
    expectInvalid(await t.identity.mintToken({ iat: Math.floor(Date.now() / 1000) + 600 }), 'token not yet valid'));
  it('rejects a wrong issuer', async () => expectInvalid(await t.identity.mintToken({ iss: 'https://evil.example' }), 'untrusted issuer'));
  it('rejects a wrong audience', async () =>
    expectInvalid(await t.identity.mintToken({ aud: 'https://other-api.example' }), 'invalid audience'));
  it('rejects a token without sub', async () => expectInvalid(await t.identity.mintToken({}, { omit: ['sub'] }), 'invalid claims'));
  it('rejects an empty sub', async () => expectInvalid(await t.identity.mintToken({ sub: '' }), 'invalid claims'));
  it('rejects a token without exp', async () => expectInvalid(await t.identity.mintToken({}, { omit: ['exp'] }), 'invalid claims'));
  it('rejects alg none', async () => expectInvalid(craftUnsignedToken(t.identity.defaultClaims()), 'unsupported algorithm'));
  it('rejects HS256 signed with the public key', async () => {
    await expectInvalid(craftHs256WithPublicKey(t.identity.defaultClaims(), t.identity.publicJwk(), 'raw'), 'unsupported algorithm');
    await expectInvalid(craftHs256WithPublicKey(t.identity.defaultClaims(), t.identity.publicJwk(), 'jwk-json'), 'unsupported algorithm');
  });
  it('rejects an unknown kid', async () => expectInvalid(await t.identity.mintToken({}, { kid: 'no-such-kid' }), 'unknown signing key'));
  it('rejects a token signed by a key that is not published', async () =>
    expectInvalid(await t.identity.mintToken({}, { key: 'rogue' }), 'invalid signature'));
  it('rejects embedded jwk and jku headers', async () => {
    await expectInvalid(await t.identity.mintToken({}, { header: { jwk: t.identity.publicJwk() } }), 'key references not accepted');
    await expectInvalid(await t.identity.mintToken({}, { header: { jku: 'http://127.0.0.1:1/jwks' } }), 'key references not accepted');
  });
  it('rejects a tampered payload', async () =>
    expectInvalid(tamperPayload(await t.token({ sub: 'mallory' }), { sub: 'alice' }), 'invalid signature'));
  it('rejects garbage and malformed headers', async () => {
    await expectInvalid('not.a.jwt', 'malformed token');
    const basic = await t.request('GET', '/api/v1/recipes', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.equal(basic.status, 401);
    assert.equal(basic.headers.get('www-authenticate'), invalidToken('malformed token'));
    const empty = await t.request('GET', '/api/v1/recipes', { headers: { authorization: 'Bearer ' } });
    assert.equal(empty.status, 401);
    assert.equal(empty.headers.get('www-authenticate'), invalidToken('malformed token'));
  });

  it('OptionalAuth: anonymous passes, an invalid token is still 401', async () => {
    const owner = await t.token();
    const pub = await t.request('POST', '/api/v1/recipes', {
      token: owner,
      json: { title: 'Public', servings: 1, ingredients: [{ name: 'x' }], steps: ['y'], visibility: 'public' },
    });
    assert.equal((await t.request('GET', `/api/v1/recipes/${pub.body.external_id}`)).status, 200);
    await expectInvalid(await t.identity.mintToken({}, { expiresIn: -60 }), 'token expired', `/api/v1/recipes/${pub.body.external_id}`);
  });

  it('does not hammer the identity service with unknown kids', async () => {
    const before = t.identity.jwksFetchCount();
    const tokens = await Promise.all(Array.from({ length: 30 }, (_, i) => t.identity.mintToken({}, { kid: `flood-${i}` })));
    const statuses = await Promise.all(tokens.map((token) => t.request('GET', '/api/v1/recipes', { token }).then((r) => r.status)));
    assert.ok(statuses.every((s) => s === 401));
    assert.ok(t.identity.jwksFetchCount() - before <= 2, `fetches: ${t.identity.jwksFetchCount() - before}`);
  });
});

// A fresh instance: the unknown-kid tests above start the refetch cooldown, which would (by
// design) delay picking up a rotated key on demand.
describe('JWT key rotation and JWKS outage over HTTP', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => t.close());

  it('follows key rotation: a token of a new key is accepted after an on-demand JWKS fetch', async () => {
    await t.identity.rotateKey();
    const fresh = await t.token();
    assert.equal((await t.request('GET', '/api/v1/recipes', { token: fresh })).status, 200);
    const old = await t.identity.mintToken({}, { key: 'other' });
    assert.equal((await t.request('GET', '/api/v1/recipes', { token: old })).status, 200);
  });

  it('keeps working on cached keys while the JWKS is down, and stays ready', async () => {
    const token = await t.token();
    t.identity.setAvailable(false);
    try {
      assert.equal((await t.request('GET', '/api/v1/recipes', { token })).status, 200);
      const other = await t.token();
      assert.equal((await t.request('GET', '/api/v1/recipes', { token: other })).status, 200);
      assert.equal((await t.request('GET', '/readyz')).status, 200);
      const unknown = await t.request('GET', '/api/v1/recipes', { token: await t.identity.mintToken({}, { kid: 'unknown-while-down' }) });
      assert.equal(unknown.status, 401);
    } finally {
      t.identity.setAvailable(true);
    }
  });
});

describe('why a 401 was answered: the challenge and the debug log', () => {
  let t: TestApp;
  let tenant: Tenant;
  before(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'debug' } });
    tenant = await createTenant(t);
  });
  after(async () => t.close());

  /** The debug line of the request that got `res` (written before the answer; 2 s deadline anyway). */
  async function debugLineOf(res: TestResponse): Promise<Record<string, unknown>> {
    const requestId = res.headers.get('request-id');
    const deadline = performance.now() + 2_000;
    for (;;) {
      const line = t.logs.find(
        (l) => l.request_id === requestId && l.level === 'debug' && String(l.message).startsWith('authentication failed'),
      );
      if (line) return line;
      assert.ok(performance.now() < deadline, `no debug line for request ${requestId}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Sends `headers` to GET /api/v1/movies (JWT + app + RBAC); asserts the 401, its challenge and the logged reason. */
  async function expectReason(headers: Record<string, string>, reason: string, description: string | undefined): Promise<string> {
    const res = await t.request('GET', '/api/v1/movies', { headers });
    assert.equal(res.status, 401, `${reason}: ${res.status} ${res.text}`);
    assert.equal(res.text, '', `${reason}: empty body`);
    const challenge = res.headers.get('www-authenticate') ?? '';
    const expected =
      description === undefined
        ? 'Bearer realm="chompardo"'
        : `Bearer realm="chompardo", error="invalid_token", error_description="${description}"`;
    assert.equal(challenge, expected, reason);
    const line = await debugLineOf(res);
    assert.equal(line.reason, reason);
    assert.equal(line.message, `authentication failed: ${description ?? 'authentication required'}`);
    return challenge;
  }

  const app = () => appHeaders(tenant.appId, tenant.apiKey);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('no token: a bare challenge, no error attribute', async () => {
    const challenge = await expectReason(app(), 'credentials_missing', undefined);
    assert.doesNotMatch(challenge, /error=/);
  });

  it('token failures: expired, bad signature, wrong audience, unknown kid, malformed', async () => {
    const claims = tenant.userClaims;
    await expectReason({ ...bearer(await t.identity.mintToken(claims, { expiresIn: -120 })), ...app() }, 'token_expired', 'token expired');
    const forged = tamperPayload(await t.identity.mintToken(claims), { sub: 'someone-else' });
    await expectReason({ ...bearer(forged), ...app() }, 'token_signature', 'invalid signature');
    await expectReason(
      { ...bearer(await t.identity.mintToken({ ...claims, aud: 'https://other.example' })), ...app() },
      'token_audience',
      'invalid audience',
    );
    await expectReason(
      { ...bearer(await t.identity.mintToken(claims, { kid: 'retired-long-ago' })), ...app() },
      'token_unknown_key',
      'unknown signing key',
    );
    await expectReason({ authorization: 'Basic dXNlcjpwYXNz', ...app() }, 'token_malformed', 'malformed token');
  });

  it('app failures: none sent, half sent, wrong key, unknown app (the same answer as a wrong key)', async () => {
    const auth = bearer(tenant.token);
    await expectReason(auth, 'app_credentials_required', 'app credentials required');
    await expectReason({ ...auth, 'x-app-id': tenant.appId }, 'app_credentials_incomplete', 'incomplete app credentials');
    await expectReason({ ...auth, 'x-api-key': tenant.apiKey }, 'app_credentials_incomplete', 'incomplete app credentials');
    const wrongKey = await expectReason(
      { ...auth, ...appHeaders(tenant.appId, `${tenant.apiKey.slice(0, 20)}${'x'.repeat(32)}`) },
      'app_credentials_invalid',
      'invalid app credentials',
    );
    const unknownApp = await expectReason(
      { ...auth, ...appHeaders('noSuchApp0000000000000', tenant.apiKey) },
      'app_credentials_invalid',
      'invalid app credentials',
    );
    assert.equal(unknownApp, wrongKey, 'a guesser cannot tell an unknown app from a wrong key');
    // The right pair still passes: nothing above was a false alarm.
    assert.equal((await t.request('GET', '/api/v1/movies', { headers: tenant.headers })).status, 200);
  });

  it('never echoes what the client sent', async () => {
    const marker = 'chk_LEAKCHECK';
    const res = await t.request('GET', '/api/v1/movies', { headers: { ...bearer(tenant.token), ...appHeaders(`app-${marker}`, marker) } });
    assert.equal(res.status, 401);
    assert.doesNotMatch(res.headers.get('www-authenticate') ?? '', /LEAKCHECK/);
    assert.doesNotMatch(JSON.stringify(await debugLineOf(res)), /LEAKCHECK/);
  });
});

describe('the Bearer challenge', () => {
  it('quotes descriptions as RFC 7230 quoted-strings: quote and backslash escaped, control characters dropped', () => {
    assert.equal(quotedString('token expired'), '"token expired"');
    assert.equal(quotedString('say "hi" \\ bye'), '"say \\"hi\\" \\\\ bye"');
    assert.equal(quotedString('line\r\nInjected: 1\u0000é'), '"lineInjected: 1"');
    assert.equal(formatBearerChallenge(undefined), 'Bearer realm="chompardo"');
    assert.equal(formatBearerChallenge('a "b"'), 'Bearer realm="chompardo", error="invalid_token", error_description="a \\"b\\""');
  });
});
