/**
 * `npm run token -- --email E [--password P] [--name N] [--identity-url URL]`
 *
 * Signs in at the identity service (signing up first when the email is unknown) and prints a JWT
 * for the API: only the JWT on stdout, diagnostics on stderr. Password: --password, else env
 * CHOMPARDO_PASSWORD, else the development default below. URL: --identity-url (or its older
 * name --url), else env IDENTITY_URL, else the identity service of the `npm start` running on
 * the data directory (DATA_DIR, default .data/ at the repository root: its npm-start.json), else
 * http://127.0.0.1:4001. Exit 1 on any failure (wrong password for an existing user, service
 * unreachable, rejected input), 2 on bad usage.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** Used when neither --password nor CHOMPARDO_PASSWORD is given: for local development only. */
const devDefaultPassword = 'chompardo-dev-password';
const defaultUrl = 'http://127.0.0.1:4001';

class TokenError extends Error {}

const usage = 'usage: npm run token -- --email E [--password P] [--name N] [--identity-url http://127.0.0.1:4001]';
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * The identity service URL that a running `npm start` recorded in `<data dir>/npm-start.json`
 * (written by scripts/start.ts), when that process is still alive; undefined otherwise.
 */
function runningStackIdentityUrl(): string | undefined {
  const dataDir = process.env.DATA_DIR?.trim()
    ? resolve(process.env.INIT_CWD ?? process.cwd(), process.env.DATA_DIR)
    : join(repoRoot, '.data');
  let stack: { pid?: unknown; identity_url?: unknown };
  try {
    stack = JSON.parse(readFileSync(join(dataDir, 'npm-start.json'), 'utf8')) as typeof stack;
  } catch {
    return undefined; // no npm start recorded there
  }
  if (typeof stack.pid !== 'number' || typeof stack.identity_url !== 'string') return undefined;
  try {
    process.kill(stack.pid, 0);
  } catch (error) {
    // EPERM: alive, but another user's process.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return stack.identity_url;
}

interface AuthReply {
  status: number;
  body: Record<string, unknown>;
}

async function call(baseUrl: string, path: string, init: RequestInit): Promise<AuthReply> {
  let response: Response;
  try {
    // Node's fetch sends Fetch Metadata headers (sec-fetch-mode), on which Better Auth's CSRF
    // check demands a trusted Origin: the service's own URL is one.
    const headers = new Headers(init.headers);
    headers.set('origin', new URL(baseUrl).origin);
    response = await fetch(`${baseUrl}/api/auth${path}`, { ...init, headers, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new TokenError(`identity service not reachable at ${baseUrl} (${cause}); is it running (npm start)?`);
  }
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = text === '' ? {} : JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    body = { message: text.slice(0, 200) };
  }
  return { status: response.status, body };
}

function postJson(baseUrl: string, path: string, payload: unknown): Promise<AuthReply> {
  return call(baseUrl, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
}

function describe(reply: AuthReply): string {
  const message = typeof reply.body.message === 'string' ? reply.body.message : 'no message';
  const code = typeof reply.body.code === 'string' ? ` ${reply.body.code}` : '';
  return `HTTP ${reply.status}${code}: ${message}`;
}

function sessionToken(reply: AuthReply, step: string): string {
  const token = reply.body.token;
  if (typeof token !== 'string' || token === '') throw new TokenError(`${step} returned no session token`);
  return token;
}

/** Signs in, or signs up when the email is unknown; returns the session token. */
async function openSession(baseUrl: string, email: string, password: string, name: string): Promise<string> {
  const signIn = await postJson(baseUrl, '/sign-in/email', { email, password });
  if (signIn.status === 200) {
    process.stderr.write(`signed in as ${email}\n`);
    return sessionToken(signIn, 'sign-in');
  }
  if (signIn.status !== 401) throw new TokenError(`sign-in failed: ${describe(signIn)}`);

  // 401 means unknown email or wrong password; signing up tells the two apart.
  const signUp = await postJson(baseUrl, '/sign-up/email', { email, password, name });
  if (signUp.status === 200) {
    process.stderr.write(`signed up as ${email}\n`);
    return sessionToken(signUp, 'sign-up');
  }
  if (signUp.status === 422) {
    throw new TokenError(`wrong password for existing user ${email}`);
  }
  throw new TokenError(`sign-in refused (${describe(signIn)}) and signing up as a new user failed: ${describe(signUp)}`);
}

async function main(): Promise<void> {
  let values: { email?: string; password?: string; name?: string; 'identity-url'?: string; url?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        email: { type: 'string' },
        password: { type: 'string' },
        name: { type: 'string' },
        'identity-url': { type: 'string' },
        url: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stderr.write(`${usage}\n`);
    return;
  }
  const email = values.email?.trim();
  if (!email) {
    process.stderr.write(`--email is required\n${usage}\n`);
    process.exit(2);
  }
  let password = values.password ?? process.env.CHOMPARDO_PASSWORD;
  if (password === undefined || password === '') {
    password = devDefaultPassword;
    process.stderr.write(`no --password or CHOMPARDO_PASSWORD: using the development default password\n`);
  }
  const name = values.name?.trim() || email.split('@')[0] || email;
  const baseUrl = (
    values['identity-url'] ??
    values.url ??
    (process.env.IDENTITY_URL?.trim() || undefined) ??
    runningStackIdentityUrl() ??
    defaultUrl
  ).replace(/\/+$/, '');

  const session = await openSession(baseUrl, email, password, name);
  const tokenReply = await call(baseUrl, '/token', { headers: { authorization: `Bearer ${session}` } });
  const jwt = tokenReply.body.token;
  if (tokenReply.status !== 200 || typeof jwt !== 'string' || jwt === '') {
    throw new TokenError(`token request failed: ${describe(tokenReply)}`);
  }
  // The JWT stands on its own; the session behind it is not needed any more.
  const signOut = await call(baseUrl, '/sign-out', { method: 'POST', headers: { authorization: `Bearer ${session}` } });
  if (signOut.status !== 200) process.stderr.write(`note: sign-out failed (${describe(signOut)})\n`);

  process.stdout.write(`${jwt}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
