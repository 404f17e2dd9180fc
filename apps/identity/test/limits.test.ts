/**
 * The identity service's input limits, through real HTTP against a real Better Auth on real
 * storage (the runner's PostgreSQL when there is one, else in-memory PGlite): password policy,
 * email and name bounds, token size, Cache-Control, JSON error bodies; and the pure rules under
 * them (the password list, admission). Slow clients and outages: http-limits.test.ts; load and
 * the process: process-*.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { createAdmission, OverloadError } from '../src/admission.js';
import { tokenProfileClaims } from '../src/auth.js';
import type { StorageConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { commonPasswordsFile, createPasswordPolicy, loadCommonPasswords } from '../src/password-policy.js';
import { startIdentityService } from '../src/server.js';
import type { IdentityService } from '../src/server.js';
import { callAuth, createPostgresDatabase, fetchJwt, pgAdminUrl, signIn, signUp, testConfig, uniqueEmail } from './support.js';

const silent = createLogger('silent');
const goodPassword = 'a long and uncommon passphrase';

/** Fresh storage for one service: a PostgreSQL database of the runner when available, else in-memory PGlite. */
async function freshStorage(poolMax = 5, poolWaitMs = 5_000): Promise<{ storage: StorageConfig; cleanup(): Promise<void> }> {
  if (!pgAdminUrl) return { storage: { kind: 'pglite', dataDir: 'memory://' }, cleanup: async () => undefined };
  const database = await createPostgresDatabase(pgAdminUrl);
  return { storage: { kind: 'postgres', url: database.url, poolMax, poolWaitMs }, cleanup: database.drop };
}

describe('input rules at sign-up, profile updates and password changes', () => {
  let service: IdentityService;
  let cleanup: () => Promise<void>;

  before(async () => {
    const made = await freshStorage();
    cleanup = made.cleanup;
    service = await startIdentityService({ config: await testConfig(made.storage), logger: silent });
  });

  after(async () => {
    await service?.close();
    await cleanup?.();
  });

  test('refuses passwords under 12 characters or on the common list (case-insensitively), with a 400 naming why', async () => {
    const email = uniqueEmail('weak');
    const cases: [string, string][] = [
      ['password', 'PASSWORD_TOO_SHORT'],
      ['12345678', 'PASSWORD_TOO_SHORT'],
      ['elevenchars', 'PASSWORD_TOO_SHORT'],
      ['password1234', 'PASSWORD_TOO_COMMON'],
      ['PassWord1234', 'PASSWORD_TOO_COMMON'],
      ['QWERTYUIOP123', 'PASSWORD_TOO_COMMON'],
      ['123456789012', 'PASSWORD_TOO_COMMON'],
      [email.toUpperCase(), 'PASSWORD_TOO_COMMON'],
    ];
    for (const [password, code] of cases) {
      const reply = await signUp(service, email, password, 'Weak Password');
      assert.equal(reply.status, 400, `${password}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body.code, code, password);
      assert.equal(typeof reply.body.message, 'string');
      assert.match(reply.headers.get('content-type') ?? '', /application\/json/);
    }
    assert.equal((await signIn(service, email, 'password1234')).status, 401, 'no account was created by the refused attempts');
    const accepted = await signUp(service, email, goodPassword, 'Strong Password');
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  });

  test('refuses email addresses over the RFC 5321 lengths and accepts the longest allowed one', async () => {
    const local64 = 'a'.repeat(64);
    // 64 + 1 + 189 = 254 octets, the most a path allows.
    const domain189 = `${'d'.repeat(60)}.${'d'.repeat(60)}.${'d'.repeat(62)}.test`;
    const tooLong: string[] = [`${'x'.repeat(10_000)}@example.test`, `${'a'.repeat(65)}@example.test`, `${local64}@e${domain189}`];
    for (const email of tooLong) {
      const reply = await signUp(service, email, goodPassword, 'Long Email');
      assert.equal(reply.status, 400, `${email.length}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body.code, 'EMAIL_TOO_LONG');
      assert.equal((await signIn(service, email, goodPassword)).body.code, 'EMAIL_TOO_LONG', 'sign-in bounds it too');
    }
    const longest = `${local64}@${domain189}`;
    assert.equal(longest.length, 254);
    const reply = await signUp(service, longest, goodPassword, 'Longest Email');
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
  });

  test('refuses names that are blank, over 200 characters or carry control characters; trims the rest', async () => {
    const cases: [string, string][] = [
      ['n'.repeat(60_000), 'NAME_TOO_LONG'],
      ['ß'.repeat(201), 'NAME_TOO_LONG'],
      ['   ', 'INVALID_NAME'],
      ['Ada\u0000Lovelace', 'INVALID_NAME'],
      ['Ada\u001bLovelace', 'INVALID_NAME'],
    ];
    for (const [name, code] of cases) {
      const reply = await signUp(service, uniqueEmail('name'), goodPassword, name);
      assert.equal(reply.status, 400, `${name.slice(0, 20)}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body.code, code);
    }
    const longest = `  ${'ß'.repeat(200)}  `;
    const reply = await signUp(service, uniqueEmail('name'), goodPassword, longest);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.user.name, 'ß'.repeat(200), 'stored trimmed');
  });

  test('applies the name bound to profile updates and the password policy to password changes', async () => {
    const email = uniqueEmail('change');
    const created = await signUp(service, email, goodPassword, 'Change Me');
    assert.equal(created.status, 200);
    const auth = { authorization: `Bearer ${created.body.token as string}` };
    const longName = await callAuth(service, '/update-user', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'n'.repeat(201) }),
    });
    assert.equal(longName.status, 400);
    assert.equal(longName.body.code, 'NAME_TOO_LONG');
    const common = await callAuth(service, '/change-password', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ currentPassword: goodPassword, newPassword: 'Password1234' }),
    });
    assert.equal(common.status, 400);
    assert.equal(common.body.code, 'PASSWORD_TOO_COMMON');
    const renamed = await callAuth(service, '/update-user', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: '  New Name ' }),
    });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    const payload = decodeJwt(await fetchJwt(service, created.body.token as string));
    assert.equal(payload.name, 'New Name');
  });

  test('issues tokens that fit the API header limit even for the longest email and name', async () => {
    const email = `${'a'.repeat(64)}@${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(62)}.test`;
    // Four UTF-8 bytes each, two words: name, given_name and family_name all carry them.
    const name = `${'𝔄'.repeat(100)} ${'𝔅'.repeat(99)}`;
    const created = await signUp(service, email, goodPassword, name);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const token = await fetchJwt(service, created.body.token as string);
    const header = `Authorization: Bearer ${token}`;
    assert.ok(
      Buffer.byteLength(header) < 8_192,
      `the header is ${Buffer.byteLength(header)} bytes, half the API's 16 KiB limit is the budget`,
    );
    const payload = decodeJwt(token);
    assert.deepEqual(Object.keys(payload).sort(), ['aud', 'email', 'exp', 'family_name', 'given_name', 'iat', 'iss', 'name', 'sub']);
  });

  test('never lets a stored over-long profile into a token', () => {
    const claims = tokenProfileClaims({ email: `${'x'.repeat(10_000)}@example.test`, name: `Ada ${'n'.repeat(60_000)}` });
    assert.equal('email' in claims, false);
    assert.equal([...claims.name].length, 200);
    assert.equal(claims.given_name, 'Ada');
  });

  test('marks sign-up, sign-in, token and session answers Cache-Control: no-store, and leaves the JWKS cacheable', async () => {
    const email = uniqueEmail('cache');
    const created = await signUp(service, email, goodPassword, 'Cache Control');
    const session = await signIn(service, email, goodPassword);
    const refused = await signIn(service, email, 'a wrong password, surely');
    const auth = { authorization: `Bearer ${session.body.token as string}` };
    const token = await callAuth(service, '/token', { headers: auth });
    const current = await callAuth(service, '/get-session', { headers: auth });
    for (const [label, reply] of Object.entries({ created, session, refused, token, current })) {
      assert.equal(reply.headers.get('cache-control'), 'no-store', label);
      assert.equal(reply.headers.get('pragma'), 'no-cache', label);
    }
    assert.equal(token.status, 200);
    const jwks = await fetch(`${service.url}/api/auth/jwks`);
    assert.equal(jwks.status, 200);
    assert.equal(jwks.headers.get('cache-control'), null);
  });

  test('answers unknown auth paths and wrong media types with a JSON error body', async () => {
    const missing = await fetch(`${service.url}/api/auth/no-such-endpoint`);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { code: 'NOT_FOUND', message: 'not found' });
    const text = await fetch(`${service.url}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: service.baseUrl },
      body: 'x',
    });
    assert.equal(text.status, 415);
    assert.equal(typeof ((await text.json()) as { code?: unknown }).code, 'string');
  });
});

describe('the password policy and its list', () => {
  test('ships a common-password list of the well-known passwords, compared case-insensitively', () => {
    const list = loadCommonPasswords(commonPasswordsFile);
    assert.ok(list.size >= 10_000, `only ${list.size} entries`);
    for (const known of ['password', '123456', 'qwerty', 'iloveyou', 'password1234']) assert.ok(list.has(known), known);
    const policy = createPasswordPolicy(list);
    assert.equal(policy.check('PASSWORD1234')?.code, 'PASSWORD_TOO_COMMON');
    assert.equal(policy.check(' password1234 ')?.code, 'PASSWORD_TOO_COMMON');
    assert.equal(policy.check('🔑'.repeat(11))?.code, 'PASSWORD_TOO_SHORT', 'length counts characters, not UTF-16 units');
    assert.equal(policy.check('x'.repeat(129))?.code, 'PASSWORD_TOO_LONG');
    assert.equal(policy.check('jane.doe.1990', 'Jane.Doe.1990@example.test')?.code, 'PASSWORD_TOO_COMMON', 'the own address is refused');
    assert.equal(policy.check(goodPassword), undefined);
  });
});

describe('admission (load shedding)', () => {
  test('runs at most maxConcurrent, queues at most maxQueued first come first served, and sheds the rest at once', async () => {
    const admission = createAdmission({ maxConcurrent: 2, maxQueued: 2, queueTimeoutMs: 60_000 });
    const first = await admission.enter();
    const second = await admission.enter();
    const order: string[] = [];
    const third = admission.enter().then((release) => (order.push('third'), release));
    const fourth = admission.enter().then((release) => (order.push('fourth'), release));
    await assert.rejects(admission.enter(), (error: unknown) => error instanceof OverloadError && error.reason === 'queue_full');
    assert.equal(admission.running, 2);
    assert.equal(admission.waiting, 2);
    first();
    first();
    (await third)();
    second();
    (await fourth)();
    assert.deepEqual(order, ['third', 'fourth']);
    assert.equal(admission.running, 0, 'releasing twice frees one turn only');
    assert.equal(admission.waiting, 0);
  });

  test('sheds a waiter whose turn does not come in time, and frees the place of one that gives up', async () => {
    const admission = createAdmission({ maxConcurrent: 1, maxQueued: 5, queueTimeoutMs: 50 });
    const holder = await admission.enter();
    await assert.rejects(admission.enter(), (error: unknown) => error instanceof OverloadError && error.reason === 'queue_timeout');
    const gone = new AbortController();
    const waiting = admission.enter(gone.signal);
    assert.equal(admission.waiting, 1);
    gone.abort(new Error('client left'));
    await assert.rejects(waiting, /client left/);
    assert.equal(admission.waiting, 0);
    holder();
    assert.equal(admission.running, 0);
  });
});
