/**
 * The identity service as operators run it — a process, measured from outside — under a burst of
 * concurrent sign-ups: only 2xx/429/503, every body and every log line JSON; secrets read from
 * `_FILE`s and never printed. Storage: a fresh database on the runner's PostgreSQL when there is
 * one, else a PGlite directory.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { freePort, parseJsonLines, spawnIdentity, storageForProcess, uniqueEmail } from './support.js';
import type { IdentityProcess } from './support.js';
const password = 'a long and uncommon passphrase';

interface RawReply {
  status: number;
  retryAfter: string | undefined;
  text: string;
}

/** POSTs `body` as JSON on a connection of its own (closed after the answer); 60 s at most. */
function postJson(url: string, body: unknown, headers: Record<string, string>): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        timeout: 60_000,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close', ...headers },
      },
      (res) => {
        let answer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (answer += chunk));
        res.once('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined, text: answer });
        });
        res.once('error', reject);
      },
    );
    req.once('timeout', () => req.destroy(new Error('no answer within 60 s')));
    req.once('error', reject);
    req.end(text);
  });
}

function isListeningLine(line: string): boolean {
  return line.includes('"msg":"identity service listening on ');
}

describe('the identity service process under a burst of sign-ups', () => {
  let workDir: string;

  before(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'identity-process-'));
  });

  after(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  test('answers 200 concurrent sign-ups with 2xx, 429 or 503 only — never 500, never an empty body — and logs only JSON lines; secrets come from _FILE and are never printed', async () => {
    const storage = await storageForProcess(workDir, 'burst');
    const secret = `burst-secret-${'s'.repeat(40)}`;
    const secretFile = path.join(workDir, 'better-auth-secret');
    await writeFile(secretFile, `${secret}\n`);
    const env: Record<string, string> = {
      PORT: String(await freePort()),
      BETTER_AUTH_SECRET_FILE: secretFile,
      // Small on purpose: the burst must overflow the queue and the pool.
      DB_POOL_MAX: '4',
      MAX_CONCURRENT_PASSWORD_REQUESTS: '2',
      MAX_QUEUED_REQUESTS: '20',
      REQUEST_QUEUE_TIMEOUT: '2s',
      DB_POOL_WAIT: '1s',
    };
    let databasePassword: string | undefined;
    if (storage.env.DATABASE_URL) {
      // Trust authentication ignores the password; it is only there to be kept out of the log.
      const url = new URL(storage.env.DATABASE_URL);
      databasePassword = 'db-pw-must-not-leak';
      url.password = databasePassword;
      const urlFile = path.join(workDir, 'database-url');
      await writeFile(urlFile, `${url.toString()}\n`);
      env.DATABASE_URL_FILE = urlFile;
    } else {
      Object.assign(env, storage.env);
    }
    let service: IdentityProcess | undefined = spawnIdentity(env);
    try {
      const listening = JSON.parse(await service.waitForLine(isListeningLine)) as { url: string };
      const base = listening.url;
      const burst = 200;
      // Like 200 separate clients: one connection each (no keep-alive reuse, whose idle-close
      // race on a starved machine would be the client's problem, not the server's).
      const replies = await Promise.all(
        Array.from({ length: burst }, (_, index) =>
          postJson(
            `${base}/api/auth/sign-up/email`,
            { email: uniqueEmail(`burst${index}`), password, name: 'Burst User' },
            { origin: base },
          ),
        ),
      );
      const byStatus = new Map<number, number>();
      for (const reply of replies) {
        byStatus.set(reply.status, (byStatus.get(reply.status) ?? 0) + 1);
        assert.ok([200, 429, 503].includes(reply.status), `status ${reply.status}: ${reply.text.slice(0, 200)}`);
        assert.notEqual(reply.text, '', `an empty ${reply.status} body`);
        const body = JSON.parse(reply.text) as Record<string, unknown>;
        if (reply.status === 200) assert.equal(typeof body.token, 'string');
        else {
          assert.equal(typeof body.code, 'string', reply.text);
          assert.equal(typeof body.message, 'string', reply.text);
          assert.match(reply.retryAfter ?? '', /^\d+$/, `${reply.status} without Retry-After`);
        }
      }
      const summary = JSON.stringify(Object.fromEntries(byStatus));
      assert.ok((byStatus.get(200) ?? 0) >= 1, `no sign-up succeeded: ${summary}`);
      assert.ok((byStatus.get(503) ?? 0) >= 1, `the burst did not overload the service, so proved nothing: ${summary}`);

      assert.equal(await service.stop(), 0);
      const records = parseJsonLines(service.lines);
      const signUps = records.filter((record) => record.msg === 'request' && record.url === '/api/auth/sign-up/email');
      assert.equal(signUps.length, burst, 'one access line per request');
      const shed = records.filter((record) => record.msg === 'request shed');
      assert.equal(shed.length, byStatus.get(503) ?? 0, 'each 503 is explained in the log');
      const started = records.find((record) => record.msg === 'starting identity service') as { config: { secret: string } } | undefined;
      assert.equal(started?.config.secret, '***', 'the secret came from the file, not the development default');
      const output = service.lines.join('\n');
      assert.equal(output.includes(secret), false, 'the secret is never printed');
      if (databasePassword) assert.equal(output.includes(databasePassword), false, 'the database password is never printed');
      service = undefined;
    } finally {
      await service?.stop();
      await storage.cleanup();
    }
  });
});
