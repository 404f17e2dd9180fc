/**
 * `npm run genesis -- [--file config/genesis/request.json] [--token JWT | --email E [--password P]]
 *                     [--api-url URL] [--identity-url URL] [--exports]`
 *
 * Runs genesis against a running API exactly as the HTTP endpoint does (it IS the endpoint):
 * POST /api/v1/genesis with the request file. Without --token (or env CHOMPARDO_TOKEN) it gets
 * one from the identity service with `npm run token` (signing the user up if needed), handing it
 * --identity-url when given. Prints the response — the only time the apps' keys are ever shown —
 * to stdout; with --exports it prints shell `export` lines for the user-initiated app instead
 * (TOKEN, APP_ID, API_KEY, API), to use with `eval "$(npm run -s genesis -- --email you@example.com --exports)"`.
 * API URL: --api-url (or its older name --api), else env API_URL, else the API of the `npm start`
 * running on the data directory (DATA_DIR, default .data/ at the repository root: its
 * npm-start.json), else http://127.0.0.1:4000.
 * Exit codes: 0 done, 1 failure (409 when genesis already ran), 2 bad usage.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readLiveLock } from '../platform/db/process-lock.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const usage =
  'usage: npm run genesis -- [--file FILE] [--token JWT | --email E [--password P]] [--api-url http://127.0.0.1:4000] [--identity-url http://127.0.0.1:4001] [--exports]';

/** The API URL a live `npm start` recorded in `<data dir>/npm-start.json`, if any. */
function runningStackApiUrl(): string | undefined {
  const dataDir = process.env.DATA_DIR?.trim()
    ? resolve(process.env.INIT_CWD ?? process.cwd(), process.env.DATA_DIR)
    : join(repoRoot, '.data');
  const apiUrl = readLiveLock(join(dataDir, 'npm-start.json'))?.api_url;
  return typeof apiUrl === 'string' ? apiUrl : undefined;
}

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function tokenFromIdentity(email: string, password: string | undefined, identityUrl: string | undefined): string {
  const args = [
    'run',
    '-s',
    'token',
    '--',
    '--email',
    email,
    ...(password ? ['--password', password] : []),
    ...(identityUrl ? ['--identity-url', identityUrl] : []),
  ];
  try {
    return execFileSync('npm', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  } catch {
    return fail('could not get a token from the identity service (see above)');
  }
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        file: { type: 'string' },
        token: { type: 'string' },
        email: { type: 'string' },
        password: { type: 'string' },
        'api-url': { type: 'string' },
        api: { type: 'string' },
        'identity-url': { type: 'string' },
        exports: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n${usage}`, 2);
  }
  const api = (
    values['api-url'] ??
    values.api ??
    (process.env.API_URL?.trim() || undefined) ??
    runningStackApiUrl() ??
    'http://127.0.0.1:4000'
  ).replace(/\/+$/, '');
  // npm runs workspace scripts in apps/api; paths given by the user are relative to where they typed the command.
  const file = values.file
    ? resolve(process.env.INIT_CWD ?? process.cwd(), values.file)
    : join(repoRoot, 'config', 'genesis', 'request.json');
  let body: string;
  try {
    body = JSON.stringify(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    fail(`cannot read the genesis request ${file}: ${error instanceof Error ? error.message : String(error)}`, 2);
  }
  const token =
    values.token ??
    process.env.CHOMPARDO_TOKEN ??
    (values.email
      ? tokenFromIdentity(values.email, values.password, values['identity-url'])
      : fail(`a token is needed: --token, CHOMPARDO_TOKEN or --email\n${usage}`, 2));

  let response: Response;
  try {
    response = await fetch(`${api}/api/v1/genesis`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    fail(`API not reachable at ${api}: ${error instanceof Error ? error.message : String(error)}; is it running (npm start)?`);
  }
  const text = await response.text();
  if (response.status !== 201) {
    fail(
      response.status === 409 ? 'genesis has already been run on this database (409)' : `genesis failed: HTTP ${response.status} ${text}`,
    );
  }
  if (!values.exports) {
    process.stdout.write(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    process.stderr.write('Keep these keys now: they are never shown again.\n');
    return;
  }
  const result = JSON.parse(text) as { userInitiated: { app: { external_id: string; api_keys: { key: string }[] } } };
  const app = result.userInitiated.app;
  const lines = [
    `export API=${shellQuote(api)}`,
    `export TOKEN=${shellQuote(token)}`,
    `export APP_ID=${shellQuote(app.external_id)}`,
    `export API_KEY=${shellQuote(app.api_keys[0]!.key)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
