/**
 * The identity service's limits, through real HTTP against a real Better Auth on real storage
 * (the runner's PostgreSQL when there is one, else in-memory PGlite): password policy, email and
 * name bounds, token size, Cache-Control, slow and idle clients, and database outages (503, never
 * 500). Load and process-level behaviour is in process.test.ts.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { sql } from 'kysely';
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
    const longName = await callAuth(service, '/update-user', { method: 'POST', headers: auth, body: JSON.stringify({ name: 'n'.repeat(201) }) });
    assert.equal(longName.status, 400);
    assert.equal(longName.body.code, 'NAME_TOO_LONG');
    const common = await callAuth(service, '/change-password', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ currentPassword: goodPassword, newPassword: 'Password1234' }),
    });
    assert.equal(common.status, 400);
    assert.equal(common.body.code, 'PASSWORD_TOO_COMMON');
    const renamed = await callAuth(service, '/update-user', { method: 'POST', headers: auth, body: JSON.stringify({ name: '  New Name ' }) });
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
    assert.ok(Buffer.byteLength(header) < 8_192, `the header is ${Buffer.byteLength(header)} bytes, half the API's 16 KiB limit is the budget`);
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

/** What a raw client saw: when the server closed the connection, and what it wrote. */
interface RawOutcome {
  closedAfterMs: number;
  response: string;
}

/**
 * Opens a connection, writes `head`, then one `trickle` byte every 100 ms until the server
 * closes the connection (or 20 s pass).
 */
function trickle(port: number, head: string, byte: string): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    let response = '';
    let timer: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept a trickling client for 20 s'));
    }, 20_000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (response += chunk));
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => socket.writable && socket.write(byte), 100);
    });
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(deadline);
      resolve({ closedAfterMs: Date.now() - started, response });
    });
  });
}

describe('slow and idle clients', () => {
  let service: IdentityService;
  let cleanup: () => Promise<void>;
  let port: number;
  const headersTimeoutMs = 1_000;
  const requestTimeoutMs = 2_000;
  const keepAliveTimeoutMs = 500;
  // Node checks the timeouts every quarter of the header timeout here; the rest is scheduling slack.
  const marginMs = 1_500;

  before(async () => {
    const made = await freshStorage();
    cleanup = made.cleanup;
    service = await startIdentityService({
      config: await testConfig(
        made.storage,
        { HEADERS_TIMEOUT: `${headersTimeoutMs}ms`, REQUEST_TIMEOUT: `${requestTimeoutMs}ms`, KEEP_ALIVE_TIMEOUT: `${keepAliveTimeoutMs}ms` },
      ),
      logger: silent,
    });
    port = Number(new URL(service.url).port);
  });

  after(async () => {
    await service?.close();
    await cleanup?.();
  });

  test('cuts a client that trickles its headers once the header timeout is up, with a 408 JSON answer', async () => {
    const outcome = await trickle(port, 'POST /api/auth/sign-in/email HTTP/1.1\r\nHost: x\r\nX-Slow: ', 'a');
    assert.ok(outcome.closedAfterMs >= headersTimeoutMs - 100, `cut too early: ${outcome.closedAfterMs} ms`);
    assert.ok(outcome.closedAfterMs <= headersTimeoutMs + marginMs, `cut only after ${outcome.closedAfterMs} ms`);
    assert.match(outcome.response, /^HTTP\/1\.1 408 /);
    assert.match(outcome.response, /\r\n\r\n\{"code":"REQUEST_TIMEOUT","message":"[^"]+"\}$/);
  });

  test('cuts a client that trickles its body once the request timeout is up', async () => {
    const head = 'POST /api/auth/sign-in/email HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{';
    const outcome = await trickle(port, head, ' ');
    assert.ok(outcome.closedAfterMs >= requestTimeoutMs - 100, `cut too early: ${outcome.closedAfterMs} ms`);
    assert.ok(outcome.closedAfterMs <= requestTimeoutMs + marginMs, `cut only after ${outcome.closedAfterMs} ms`);
    assert.match(outcome.response, /^HTTP\/1\.1 408 /);
  });

  test('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const outcome = await new Promise<RawOutcome>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let response = '';
      let answeredAt = 0;
      const deadline = setTimeout(() => reject(new Error('an idle connection stayed open for 20 s')), 20_000);
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        response += chunk;
        answeredAt ||= Date.now();
      });
      socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
      socket.on('close', () => {
        clearTimeout(deadline);
        resolve({ closedAfterMs: Date.now() - answeredAt, response });
      });
    });
    assert.match(outcome.response, /^HTTP\/1\.1 200 /);
    // Node keeps an idle socket up to 1 s past keepAliveTimeout (a buffer against racing clients).
    assert.ok(outcome.closedAfterMs <= keepAliveTimeoutMs + 1_000 + marginMs, `idle for ${outcome.closedAfterMs} ms`);
  });
});

const pgAdmin = pgAdminUrl;
if (pgAdmin) {
  describe('database unavailable (PostgreSQL, a one-connection pool)', () => {
    let service: IdentityService;
    let cleanup: () => Promise<void>;

    before(async () => {
      // The wait also bounds opening a connection: short enough to keep the test quick, long
      // enough for the first connection on a busy machine.
      const made = await freshStorage(1, 2_000);
      cleanup = made.cleanup;
      service = await startIdentityService({ config: await testConfig(made.storage), logger: silent });
    });

    after(async () => {
      await service?.close();
      await cleanup?.();
    });

    test('answers 503 with Retry-After and a JSON body while no connection can be had, never 500, and recovers', async () => {
      const email = uniqueEmail('outage');
      const created = await signUp(service, email, goodPassword, 'Out Age');
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const auth = { authorization: `Bearer ${created.body.token as string}` };

      // Holds the pool's only connection: every request now waits 2 s for one, in vain.
      let letGo!: () => void;
      const held = new Promise<void>((resolve) => (letGo = resolve));
      let holding!: () => void;
      const holds = new Promise<void>((resolve) => (holding = resolve));
      const transaction = service.database.kysely.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx);
        holding();
        await held;
      });
      await holds;
      try {
        const replies = {
          signUp: await signUp(service, uniqueEmail('outage'), goodPassword, 'Second User'),
          signIn: await signIn(service, email, goodPassword),
          token: await callAuth(service, '/token', { headers: auth }),
          jwks: await callAuth(service, '/jwks'),
        };
        for (const [label, reply] of Object.entries(replies)) {
          assert.equal(reply.status, 503, `${label}: ${reply.status} ${JSON.stringify(reply.body)}`);
          assert.equal(reply.body.code, 'SERVICE_UNAVAILABLE', label);
          assert.match(reply.headers.get('retry-after') ?? '', /^\d+$/, label);
        }
      } finally {
        letGo();
        await transaction;
      }
      assert.equal((await callAuth(service, '/token', { headers: auth })).status, 200, 'recovers once a connection is free');
    });
  });
}
