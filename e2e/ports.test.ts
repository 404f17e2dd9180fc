import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { claimsOf, fileBudgetMs, freePort, parseExports, runCommand, spawnNpmStart, userShellEnv, type NpmStart } from './harness.js';

/**
 * Moving the development stack off 4000/4001, on the real `npm start` (identity service + API on
 * embedded PGlite): `npm start -- --port A --identity-port B --data-dir D` moves both services,
 * the token issuer and the API's auth settings follow the identity service, `npm run token` finds
 * the moved identity service by itself (the running stack's `npm-start.json`; only DATA_DIR set),
 * `npm run genesis` takes --api-url / --identity-url, and a movie is created through the moved
 * API. With the stack up, a second `npm start` on the same data directory and the keys CLI on its
 * embedded database are refused with the remedy; Ctrl-C removes the stack's locks.
 */

const email = `ports-${process.pid}@example.com`;

describe('npm start on other ports: token, genesis and a movie through the moved services', { timeout: fileBudgetMs - 5_000 }, () => {
  let workDir: string;
  let dataDir: string;
  let stack: NpmStart | undefined;
  let apiUrl: string;
  let identityUrl: string;

  before(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'chompardo-ports-'));
    dataDir = path.join(workDir, 'data');
    const [api, identity] = [await freePort(), await freePort()];
    apiUrl = `http://127.0.0.1:${api}`;
    identityUrl = `http://127.0.0.1:${identity}`;
    stack = spawnNpmStart(['--port', String(api), '--identity-port', String(identity), '--data-dir', dataDir], userShellEnv());
    await stack.waitForOutput(/Chompardo is running/, fileBudgetMs * 0.7);
  });

  after(async () => {
    stack?.kill();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('moves both services; the banner, the issuer and the stack file follow', async () => {
    const output = stack!.output();
    assert.match(output, new RegExp(`API\\s+${apiUrl}\\n`));
    assert.match(output, new RegExp(`Identity service\\s+${identityUrl} `));
    assert.match(output, new RegExp(`Token issuer\\s+${identityUrl}\\n`));
    assert.match(output, new RegExp(`export DATA_DIR=${dataDir}`), 'says how the CLIs find a stack on a custom data directory');
    const recorded = JSON.parse(readFileSync(path.join(dataDir, 'npm-start.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual([recorded.api_url, recorded.identity_url], [apiUrl, identityUrl]);
    for (const url of [`${apiUrl}/readyz`, `${identityUrl}/healthz`]) assert.equal((await fetch(url)).status, 200, url);
  });

  it('token finds the moved identity service; genesis takes the URLs as flags; a movie is created', async () => {
    // Only DATA_DIR: the token CLI reads the running stack's URLs.
    const token = await runCommand('npm', ['run', '-s', 'token', '--', '--email', email], userShellEnv({ DATA_DIR: dataDir }));
    assert.equal(token.code, 0, token.stderr);
    assert.equal(claimsOf(token.stdout.trim()).iss, identityUrl, 'issued by the moved identity service, as its own URL');

    // Nothing but the flags (genesis hands --identity-url on to the token CLI).
    const genesis = await runCommand(
      'npm',
      ['run', '-s', 'genesis', '--', '--email', email, '--api-url', apiUrl, '--identity-url', identityUrl, '--exports'],
      userShellEnv(),
    );
    assert.equal(genesis.code, 0, genesis.stderr);
    const vars = parseExports(genesis.stdout);
    assert.equal(vars.API, apiUrl);
    const created = await fetch(`${apiUrl}/api/v1/movies`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${vars.TOKEN}`,
        'x-app-id': vars.APP_ID!,
        'x-api-key': vars.API_KEY!,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        title: 'Repo Man',
        rated: 'R',
        release_date: '1984-03-02',
        run_time: 92,
        director: 'Alex Cox',
        writer: 'Alex Cox',
      }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    assert.equal(((await created.json()) as { title: string }).title, 'Repo Man');
  });

  it('a second npm start on the same data directory names the running one and exits 1', async () => {
    const [api, identity] = [await freePort(), await freePort()];
    const second = spawnNpmStart(['--port', String(api), '--identity-port', String(identity), '--data-dir', dataDir], userShellEnv());
    const status = await second.exited(fileBudgetMs * 0.2);
    second.kill();
    if (status === 'timeout') assert.fail(`still running:\n${second.output()}`);
    assert.equal(status.code, 1, second.output());
    assert.match(
      second.output(),
      new RegExp(`npm start is already running on ${dataDir} \\(pid \\d+, since [^)]+\\): API ${apiUrl}, identity service ${identityUrl}`),
    );
    assert.doesNotMatch(second.output(), /Chompardo is running/);
    await assert.rejects(fetch(`http://127.0.0.1:${api}/healthz`), 'it started nothing');
    assert.equal((await fetch(`${apiUrl}/readyz`)).status, 200, 'the running stack is untouched');
  });

  it('the keys CLI refuses the embedded database while npm start holds it and says to stop npm start', async () => {
    const run = await runCommand('npm', ['run', '-s', 'keys', '--', 'list'], userShellEnv({ DATA_DIR: dataDir }));
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, new RegExp(`npm start \\(pid \\d+, API ${apiUrl}\\) is running on ${dataDir}`));
    assert.match(run.stderr, /Stop npm start first \(Ctrl-C in its terminal\), run this command, then npm start again/);
    assert.equal(run.stdout, '');
  });

  it('Ctrl-C stops the stack and removes its locks', async () => {
    const status = await stack!.interrupt(fileBudgetMs * 0.15);
    if (status === 'timeout') assert.fail(stack!.output());
    assert.ok(status.code === 0 || status.signal === 'SIGINT', JSON.stringify(status));
    stack = undefined;
    for (const file of ['npm-start.json', 'api.lock', 'identity.lock']) assert.ok(!existsSync(path.join(dataDir, file)), `${file} removed`);
  });
});
