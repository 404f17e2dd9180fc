import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../harness/app.js';
import { craftHs256WithPublicKey, craftUnsignedToken, tamperPayload } from '../harness/identity.js';

const invalidToken = 'Bearer realm="chompardo", error="invalid_token"';

describe('JWT authentication over HTTP', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => t.close());

  async function expectInvalid(token: string, path = '/api/v1/recipes'): Promise<void> {
    const res = await t.request('GET', path, { token });
    assert.equal(res.status, 401, `token should be rejected: ${token.slice(0, 40)}…`);
    assert.equal(res.text, '');
    assert.equal(res.headers.get('www-authenticate'), invalidToken);
  }

  it('accepts a valid token, with the scheme in any case', async () => {
    const token = await t.token();
    assert.equal((await t.request('GET', '/api/v1/recipes', { token })).status, 200);
    const lower = await t.request('GET', '/api/v1/recipes', { headers: { authorization: `bearer ${token}` } });
    assert.equal(lower.status, 200);
    const upper = await t.request('GET', '/api/v1/recipes', { headers: { authorization: `BEARER ${token}` } });
    assert.equal(upper.status, 200);
  });

  it('rejects expired tokens', async () => expectInvalid(await t.identity.mintToken({}, { expiresIn: -120 })));
  it('rejects nbf in the future', async () => expectInvalid(await t.identity.mintToken({ nbf: Math.floor(Date.now() / 1000) + 600 })));
  it('rejects iat in the future', async () => expectInvalid(await t.identity.mintToken({ iat: Math.floor(Date.now() / 1000) + 600 })));
  it('rejects a wrong issuer', async () => expectInvalid(await t.identity.mintToken({ iss: 'https://evil.example' })));
  it('rejects a wrong audience', async () => expectInvalid(await t.identity.mintToken({ aud: 'https://other-api.example' })));
  it('rejects a token without sub', async () => expectInvalid(await t.identity.mintToken({}, { omit: ['sub'] })));
  it('rejects an empty sub', async () => expectInvalid(await t.identity.mintToken({ sub: '' })));
  it('rejects a token without exp', async () => expectInvalid(await t.identity.mintToken({}, { omit: ['exp'] })));
  it('rejects alg none', async () => expectInvalid(craftUnsignedToken(t.identity.defaultClaims())));
  it('rejects HS256 signed with the public key', async () => {
    await expectInvalid(craftHs256WithPublicKey(t.identity.defaultClaims(), t.identity.publicJwk(), 'raw'));
    await expectInvalid(craftHs256WithPublicKey(t.identity.defaultClaims(), t.identity.publicJwk(), 'jwk-json'));
  });
  it('rejects an unknown kid', async () => expectInvalid(await t.identity.mintToken({}, { kid: 'no-such-kid' })));
  it('rejects a token signed by a key that is not published', async () => expectInvalid(await t.identity.mintToken({}, { key: 'rogue' })));
  it('rejects embedded jwk and jku headers', async () => {
    await expectInvalid(await t.identity.mintToken({}, { header: { jwk: t.identity.publicJwk() } }));
    await expectInvalid(await t.identity.mintToken({}, { header: { jku: 'http://127.0.0.1:1/jwks' } }));
  });
  it('rejects a tampered payload', async () => expectInvalid(tamperPayload(await t.token({ sub: 'mallory' }), { sub: 'alice' })));
  it('rejects garbage and malformed headers', async () => {
    await expectInvalid('not.a.jwt');
    const basic = await t.request('GET', '/api/v1/recipes', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.equal(basic.status, 401);
    const empty = await t.request('GET', '/api/v1/recipes', { headers: { authorization: 'Bearer ' } });
    assert.equal(empty.status, 401);
  });

  it('OptionalAuth: anonymous passes, an invalid token is still 401', async () => {
    const owner = await t.token();
    const pub = await t.request('POST', '/api/v1/recipes', {
      token: owner,
      json: { title: 'Public', servings: 1, ingredients: [{ name: 'x' }], steps: ['y'], visibility: 'public' },
    });
    assert.equal((await t.request('GET', `/api/v1/recipes/${pub.body.external_id}`)).status, 200);
    await expectInvalid(await t.identity.mintToken({}, { expiresIn: -60 }), `/api/v1/recipes/${pub.body.external_id}`);
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
