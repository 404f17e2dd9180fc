import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp, type TestResponse } from '../harness/app.js';
import { appHeaders, createTenant, runGenesis, type Tenant } from '../harness/iam.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';

/**
 * A person with users at several trusted issuers (docs/auth.md): two real issuers on loopback, A
 * with a configured jwks_url and B found through OpenID Connect discovery, plus C that nobody
 * trusts. Linking through POST /api/v1/users/me/identities, the person on GET /api/v1/users/me,
 * and roles that stay with each user.
 */

const challenge = (description: string) => `Bearer realm="chompardo", error="invalid_token", error_description="${description}"`;

function assertError(res: TestResponse, status: number, kind: string, code?: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body?.error?.kind, kind, res.text);
  if (code !== undefined) assert.equal(res.body.error.code, code, res.text);
}

describe('identities of a person', () => {
  let a: TestIdentity;
  let b: TestIdentity;
  let c: TestIdentity;
  let t: TestApp;
  let alice: Tenant;

  before(async () => {
    [a, b, c] = await Promise.all([startTestIdentity(), startTestIdentity({ audience: 'chompardo-b' }), startTestIdentity()]);
    const issuers = [
      { issuer: a.issuer, audience: a.audience, jwks_url: a.jwksUrl },
      { issuer: b.issuer, audience: [b.audience], claims: { email: 'preferred_username' } },
    ];
    t = await startTestApp({ identity: a, env: { AUTH_ISSUERS: JSON.stringify(issuers) } });
    await runGenesis(t);
    alice = await createTenant(t);
  });
  after(async () => {
    await t?.close();
    await Promise.all([a?.close(), b?.close(), c?.close()]);
  });

  const me = (token: string) => t.request('GET', '/api/v1/users/me', { token });
  const link = (token: string, json: unknown) => t.request('POST', '/api/v1/users/me/identities', { token, json });

  it('GET /users/me names the person and its one identity', async () => {
    const res = await me(alice.token);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.external_id, alice.userExternalId);
    assert.match(res.body.person_external_id, /^[A-Za-z0-9_-]{16,}$/);
    assert.deepEqual(res.body.identities, [{ issuer: a.issuer, subject: alice.userClaims.sub }]);
  });

  it('links a new user of issuer B (201, created from its claims), then answers 200 for the same link', async () => {
    const bSub = `b-${randomUUID()}`;
    const bToken = await b.mintToken({
      sub: bSub,
      preferred_username: 'alice@b.test',
      name: 'Alice Bee',
      given_name: 'Alice',
      family_name: 'Bee',
    });
    const first = await link(alice.token, { token: bToken });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.headers.get('location'), '/api/v1/users/me');
    assert.deepEqual(first.body.identities, [
      { issuer: a.issuer, subject: alice.userClaims.sub },
      { issuer: b.issuer, subject: bSub },
    ]);
    const again = await link(alice.token, { token: bToken });
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.body.identities, first.body.identities);
    // The caller's own token names a user already in the caller's person.
    assert.equal((await link(alice.token, { token: alice.token })).status, 200);

    // Signed in through B, the same person with both identities; the user is B's, from B's claims.
    const asB = await me(bToken);
    assert.equal(asB.status, 200, asB.text);
    assert.equal(asB.body.person_external_id, first.body.person_external_id);
    assert.deepEqual([asB.body.issuer, asB.body.subject, asB.body.email, asB.body.name], [b.issuer, bSub, 'alice@b.test', 'Alice Bee']);
    assert.notEqual(asB.body.external_id, alice.userExternalId);
    assert.deepEqual(asB.body.identities, first.body.identities);
    // Linking from B's side back to A's user: already this person.
    assert.equal((await link(bToken, { token: alice.token })).status, 200);

    // Roles stay per user and per org: B's user holds none in Alice's org, A's user keeps movieAdmin.
    const movies = (token: string) =>
      t.request('GET', '/api/v1/movies', { headers: { authorization: `Bearer ${token}`, ...appHeaders(alice.appId, alice.apiKey) } });
    assert.equal((await movies(alice.token)).status, 200);
    assert.equal((await movies(bToken)).status, 403);
  });

  it('answers 409 when the user belongs to another person, or the person already has a user of that issuer', async () => {
    const bob = await createTenant(t);
    const bobB = await b.mintToken({ sub: `bob-b-${randomUUID()}` });
    assert.equal((await link(bob.token, { token: bobB })).status, 201);
    // Alice presents Bob's B user, and Bob presents Alice's A user: both belong to another person.
    assertError(await link(alice.token, { token: bobB }), 409, 'conflict_error', 'identity_of_another_person');
    assertError(await link(bob.token, { token: alice.token }), 409, 'conflict_error', 'identity_of_another_person');
    // Alice's person already has a B user: a second one is refused, and nothing is created.
    const secondB = await b.mintToken({ sub: `alice-b2-${randomUUID()}` });
    assertError(await link(alice.token, { token: secondB }), 409, 'conflict_error', 'identity_issuer_taken');
    assert.equal((await me(secondB)).status, 404);
  });

  it('links the same token sent 10 times at once exactly once (one 201, the rest 200)', async () => {
    const carol = await createTenant(t);
    const carolB = await b.mintToken({ sub: `carol-b-${randomUUID()}` });
    const results = await Promise.all(Array.from({ length: 10 }, () => link(carol.token, { token: carolB })));
    assert.deepEqual(
      results.map((r) => r.status).sort(),
      [200, 200, 200, 200, 200, 200, 200, 200, 200, 201],
      results.map((r) => r.text).join('\n'),
    );
    assert.equal((await me(carol.token)).body.identities.length, 2);

    // Two persons racing for one new user: one gets it, the other a 409.
    const [dave, erin] = await Promise.all([createTenant(t), createTenant(t)]);
    const contested = await b.mintToken({ sub: `contested-${randomUUID()}` });
    const raced = await Promise.all([link(dave.token, { token: contested }), link(erin.token, { token: contested })]);
    assert.deepEqual(raced.map((r) => r.status).sort(), [201, 409], raced.map((r) => r.text).join('\n'));
  });

  it('answers 400 in the error shape for an invalid or untrusted token, saying why', async () => {
    const cases: [string, string, string][] = [
      [await b.mintToken({}, { expiresIn: -1000 }), 'token_expired', 'token: token expired'],
      [await c.mintToken(), 'token_issuer', 'token: untrusted issuer'],
      [await b.mintToken({ aud: 'someone-else' }), 'token_audience', 'token: invalid audience'],
      [await a.mintToken({ iss: b.issuer, aud: b.audience }), 'token_unknown_key', 'token: unknown signing key'],
      ['not-a-jwt', 'token_malformed', 'token: malformed token'],
    ];
    for (const [token, code, message] of cases) {
      const res = await link(alice.token, { token });
      assertError(res, 400, 'invalid_request_error', code);
      assert.equal(res.body.error.param, 'token');
      assert.equal(res.body.error.message, message);
    }
    assertError(await link(alice.token, {}), 400, 'input_validation_error');
    assertError(await link(alice.token, { token: 'x', extra: 1 }), 400, 'input_validation_error');
  });

  it('answers 404 to a caller who has not registered, and 401 without a token', async () => {
    const stranger = await a.mintToken();
    assertError(await link(stranger, { token: await b.mintToken() }), 404, 'not_found_error');
    assert.equal((await t.request('POST', '/api/v1/users/me/identities', { json: { token: 'x' } })).status, 401);
  });

  it('as a bearer token: B works through discovery, an untrusted issuer and a cross-issuer key get 401 with the reason', async () => {
    const bUser = await b.mintToken();
    assert.equal((await me(bUser)).status, 404, 'a valid B token reaches the handler (not registered)');
    const untrusted = await me(await c.mintToken());
    assert.equal(untrusted.status, 401);
    assert.equal(untrusted.headers.get('www-authenticate'), challenge('untrusted issuer'));
    const confused = await me(await a.mintToken({ iss: b.issuer, aud: b.audience }));
    assert.equal(confused.status, 401);
    assert.equal(confused.headers.get('www-authenticate'), challenge('unknown signing key'));
  });
});
