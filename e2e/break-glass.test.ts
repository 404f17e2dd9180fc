import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  claimsOf,
  fileBudgetMs,
  freePort,
  repoRoot,
  runCommand,
  signInWithJwt,
  signUpWithJwt,
  spawnNpmStart,
  userShellEnv,
  type NpmStart,
} from './harness.js';

/**
 * The README's break-glass key recovery, verbatim, on the real `npm start` stack: after genesis
 * the user "loses" the key of their app; with npm start stopped, the README's commands list the
 * keys (ids, never secrets), make a new key and revoke the lost one. After npm start again, on
 * other ports, the genesis user (whose token issuer is kept per data directory, so the API still
 * knows them) calls the API with the new key (200), and the lost key is refused (401). Sign-up,
 * genesis and sign-in go straight over HTTP (the CLIs for them are covered by ports.test.ts and
 * quickstart.test.ts), which keeps two stack starts within the file's time bound.
 */

/** The README's break-glass block (the `sh` block with `npm run -s keys -- create`), run verbatim. */
function breakGlassBlock(): string {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  const block = blocks.find((text) => text.includes('npm run -s keys -- create'));
  if (block === undefined) throw new Error('README.md has no break-glass block (an sh block with `npm run -s keys -- create`)');
  return block;
}

const email = `break-glass-${process.pid}@example.com`;
const password = 'e2e-password-Correct-Horse-1';

describe('break-glass key recovery (README, verbatim) on the npm start stack', { timeout: fileBudgetMs - 5_000 }, () => {
  let workDir: string;
  let dataDir: string;
  let stack: NpmStart | undefined;
  let identityUrl: string;
  let genesis: Record<string, string>;
  let lostKeyId: string;
  let newKey: string;

  before(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'chompardo-break-glass-'));
    dataDir = path.join(workDir, 'data');
    const [api, identity] = [await freePort(), await freePort()];
    identityUrl = `http://127.0.0.1:${identity}`;
    stack = spawnNpmStart(['--port', String(api), '--identity-port', String(identity), '--data-dir', dataDir], userShellEnv());
    await stack.waitForOutput(/Chompardo is running/, fileBudgetMs * 0.45);
    const founder = await signUpWithJwt(identityUrl, { email, password, name: 'Glass Breaker' });
    const res = await fetch(`http://127.0.0.1:${api}/api/v1/genesis`, {
      method: 'POST',
      headers: { authorization: `Bearer ${founder.jwt}` },
    });
    const body = (await res.json()) as { userInitiated: { app: { external_id: string; api_keys: { key: string }[] } } };
    assert.equal(res.status, 201, JSON.stringify(body));
    genesis = { APP_ID: body.userInitiated.app.external_id, API_KEY: body.userInitiated.app.api_keys[0]!.key };
    lostKeyId = genesis.API_KEY!.slice(4, 20);
    const status = await stack.interrupt(fileBudgetMs * 0.1);
    if (status === 'timeout') assert.fail(stack.output());
    stack = undefined;
  });

  after(async () => {
    stack?.kill();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('runs the README commands as written: the list shows the lost key by id, a new key is made, the lost one revoked', async () => {
    // The block as written, then one line that shows the variable it set.
    const script = `${breakGlassBlock()}\nprintf '\\nAPI_KEY=%s\\n' "$API_KEY"\n`;
    const run = await runCommand(
      'bash',
      ['-eo', 'pipefail', '-c', script],
      userShellEnv({ DATA_DIR: dataDir, APP_ID: genesis.APP_ID!, LOST_KEY_ID: lostKeyId }),
    );
    assert.equal(run.code, 0, `${run.stderr}\n${run.stdout}`);
    newKey = /^API_KEY=(\S*)$/m.exec(run.stdout)?.[1] ?? '';
    assert.match(newKey, /^chk_[A-Za-z0-9_-]{48}$/, run.stdout);
    assert.notEqual(newKey, genesis.API_KEY);
    const listing = run.stdout.slice(0, run.stdout.indexOf('API_KEY='));
    assert.match(listing, new RegExp(`${genesis.APP_ID}\\s+${lostKeyId}\\s+chk_\\S+\\s+active`), 'the list shows the lost key by its id');
    assert.ok(!listing.includes(genesis.API_KEY!.slice(20)), 'no secret in the list');
    assert.match(run.stderr, /never shown again/);
    assert.match(run.stderr, new RegExp(`revoked key ${lostKeyId}`));
  });

  it('after npm start again on other ports, the new key works for the genesis user and the lost one is refused', async () => {
    const [api, identity] = [await freePort(), await freePort()];
    const apiUrl = `http://127.0.0.1:${api}`;
    stack = spawnNpmStart(['--port', String(api), '--identity-port', String(identity), '--data-dir', dataDir], userShellEnv());
    await stack.waitForOutput(/Chompardo is running/, fileBudgetMs * 0.3);
    assert.match(stack.output(), new RegExp(`Token issuer\\s+${identityUrl}\\s+\\(kept from the first start on this data directory`));

    const { jwt } = await signInWithJwt(`http://127.0.0.1:${identity}`, { email, password });
    assert.equal(claimsOf(jwt).iss, identityUrl, 'the issuer of the first start');
    const moviesWith = (key: string) =>
      fetch(`${apiUrl}/api/v1/movies`, { headers: { authorization: `Bearer ${jwt}`, 'x-app-id': genesis.APP_ID!, 'x-api-key': key } });
    const withNew = await moviesWith(newKey);
    assert.equal(withNew.status, 200, `the genesis user, with the new key: ${await withNew.clone().text()}`);
    assert.equal((await moviesWith(genesis.API_KEY!)).status, 401, 'the lost key is refused');

    const status = await stack.interrupt(fileBudgetMs * 0.1);
    if (status === 'timeout') assert.fail(stack.output());
    stack = undefined;
  });
});
