/**
 * The identity service against slow and idle clients (header, request and keep-alive timeouts
 * that fire on time) and a database that cannot give a connection (503 + Retry-After, never 500),
 * through real sockets against a real Better Auth on real storage (the runner's PostgreSQL when
 * there is one, else in-memory PGlite).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { StorageConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startIdentityService } from '../src/server.js';
import type { IdentityService } from '../src/server.js';
import { callAuth, createPostgresDatabase, pgAdminUrl, signIn, signUp, testConfig, uniqueEmail } from './support.js';

const silent = createLogger('silent');
const goodPassword = 'a long and uncommon passphrase';

/** Fresh storage for one service: a PostgreSQL database of the runner when available, else in-memory PGlite. */
async function freshStorage(poolMax = 5, poolWaitMs = 5_000): Promise<{ storage: StorageConfig; cleanup(): Promise<void> }> {
  if (!pgAdminUrl) return { storage: { kind: 'pglite', dataDir: 'memory://' }, cleanup: async () => undefined };
  const database = await createPostgresDatabase(pgAdminUrl);
  return { storage: { kind: 'postgres', url: database.url, poolMax, poolWaitMs }, cleanup: database.drop };
}

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
      config: await testConfig(made.storage, {
        HEADERS_TIMEOUT: `${headersTimeoutMs}ms`,
        REQUEST_TIMEOUT: `${requestTimeoutMs}ms`,
        KEEP_ALIVE_TIMEOUT: `${keepAliveTimeoutMs}ms`,
      }),
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
