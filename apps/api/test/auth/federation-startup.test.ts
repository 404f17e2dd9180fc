import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createBlankDatabase, testPostgresEnv } from '../harness/database.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';
import { exitWithin, startServerProcess, type ServerProcess } from '../ops/server-process.js';

/** The API process with AUTH_ISSUERS: it starts only when every issuer's keys load, and says which did not. */
describe('API start with several issuers', { skip: testPostgresEnv() ? false : 'needs the test PostgreSQL' }, () => {
  let a: TestIdentity;
  let b: TestIdentity;
  before(async () => {
    [a, b] = await Promise.all([startTestIdentity(), startTestIdentity()]);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  const issuers = () =>
    JSON.stringify([
      { issuer: a.issuer, audience: a.audience, jwks_url: a.jwksUrl },
      { issuer: b.issuer, audience: b.audience },
    ]);

  it('refuses to start (exit 1) when one issuer is unreachable, naming it; starts and serves both once it is up', async () => {
    const blank = await createBlankDatabase();
    let server: ServerProcess | undefined;
    try {
      b.setAvailable(false);
      server = await startServerProcess({ DATABASE_URL: blank.url, AUTH_ISSUERS: issuers() }, { untilListening: false });
      const fatal = await server.waitForLog((line) => line.level === 'fatal' || line.level === 60, 30_000);
      const message = String(fatal.message ?? fatal.msg);
      assert.ok(message.includes(b.issuer) && message.includes(b.discoveryUrl), message);
      assert.equal((await exitWithin(server, 15_000)).code, 1);

      b.setAvailable(true);
      server = await startServerProcess({ DATABASE_URL: blank.url, AUTH_ISSUERS: issuers() });
      for (const identity of [a, b]) {
        const res = await fetch(`${server.baseUrl}/api/v1/users/me`, {
          headers: { authorization: `Bearer ${await identity.mintToken()}` },
        });
        assert.equal(res.status, 404, `a token of ${identity.issuer} is accepted (user not registered)`);
      }
      server.child.kill('SIGTERM');
      assert.equal((await exitWithin(server, 15_000)).code, 0);
    } finally {
      await server?.kill();
      await blank.drop();
    }
  });

  it('refuses AUTH_ISSUERS together with AUTH_ISSUER, naming both', async () => {
    const server = await startServerProcess({ AUTH_ISSUERS: issuers(), AUTH_ISSUER: a.issuer }, { untilListening: false });
    try {
      const { code } = await exitWithin(server, 30_000);
      assert.notEqual(code, 0);
      const said = `${server.rawOutput()} ${JSON.stringify(server.logs)}`;
      assert.match(said, /AUTH_ISSUERS/);
      assert.match(said, /replaces AUTH_ISSUER/);
    } finally {
      await server.kill();
    }
  });
});
