import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ChompardoClient, ChompardoClientOptions, components } from '@chompardo/client';
import { assertBuilt, repoRoot, signUpWithJwt, startStack, storySteps, type IdentityUser, type Stack } from './harness.js';

/**
 * The whole loop on the built artifacts (issue "zero-configuration experience"): the identity
 * service and the API run as processes; users sign up through Better Auth's HTTP API and get
 * JWTs; the first runs genesis, a second self-registers with the user-initiated app's key, and
 * both use the API through the typed client of packages/client (its built dist/). The `token`
 * and `genesis` CLIs of the quick start run against the same processes.
 */

type Movie = components['schemas']['Movie'];
type Recipe = components['schemas']['Recipe'];

/** Runs an npm script from the repository root like a user would; never rejects. */
function runNpm(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      args,
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const password = 'e2e-password-Correct-Horse-1';
const run = randomBytes(3).toString('hex');

describe('the whole loop on built artifacts: identity + API processes, typed client', { timeout: 180_000 }, () => {
  let stack: Stack;
  let createClient: (options: ChompardoClientOptions) => ChompardoClient;
  let founder: IdentityUser;
  let member: IdentityUser;
  let app: { appId: string; apiKey: string };
  let movie: Movie;

  before(async () => {
    assertBuilt();
    // The built client (dist/), loaded after the check so a missing build names its fix.
    ({ createChompardoClient: createClient } = await import('@chompardo/client'));
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });
  // Genesis → a member → their movie and recipe → the founder reads it: each needs the one before.
  const step = storySteps();

  step('signs the first user up at the identity service and runs genesis with its JWT', async () => {
    founder = await signUpWithJwt(stack.identityUrl, { email: `founder-${run}@example.com`, password, name: 'Ada Founder' });
    assert.equal(founder.jwt.split('.').length, 3, 'a compact JWS');

    const api = createClient({ baseUrl: stack.apiUrl, token: founder.jwt });
    const { data, error, response } = await api.POST('/api/v1/genesis', {});
    assert.equal(response.status, 201, JSON.stringify(error));
    assert.ok(data);
    assert.equal(data.principal.kind_description, 'principal');
    assert.equal(data.test.kind_description, 'test');
    assert.equal(data.userInitiated.kind_description, 'standard');
    const key = data.userInitiated.app.api_keys[0]?.key;
    assert.ok(key !== undefined && key.startsWith('chk_'), 'the user-initiated app key is shown once, here');
    app = { appId: data.userInitiated.app.external_id, apiKey: key };

    const again = await api.POST('/api/v1/genesis', {});
    assert.equal(again.response.status, 409, 'genesis runs once');
  });

  step('self-registers a second user with the user-initiated app (201) and grants movieAdmin by default', async () => {
    member = await signUpWithJwt(stack.identityUrl, { email: `member-${run}@example.com`, password, name: 'Grace Member' });
    const api = createClient({ baseUrl: stack.apiUrl, token: member.jwt, ...app });

    const before = await api.GET('/api/v1/users/me');
    assert.equal(before.response.status, 404, 'not registered yet');

    const { data, error, response } = await api.POST('/api/v1/users');
    assert.equal(response.status, 201, JSON.stringify(error));
    assert.equal(data?.email, member.email);
    assert.equal(data?.subject, member.id);
    assert.equal(data?.issuer, stack.identityUrl);

    const me = await api.GET('/api/v1/users/me');
    assert.equal(me.response.status, 200);
    assert.equal(me.data?.external_id, data?.external_id);

    const repeat = await api.POST('/api/v1/users');
    assert.equal(repeat.response.status, 200, 'registering again returns the existing user');
  });

  step('lets the second user create and read a movie in the app org (movieAdmin)', async () => {
    const api = createClient({ baseUrl: stack.apiUrl, token: member.jwt, ...app });
    const input: components['schemas']['MovieInput'] = {
      title: '  Repo Man ',
      rated: 'R',
      release_date: '1984-03-02',
      run_time: 92,
      director: 'Alex Cox',
      writer: 'Alex Cox',
    };
    const created = await api.POST('/api/v1/movies', { body: input });
    assert.equal(created.response.status, 201, JSON.stringify(created.error));
    assert.ok(created.data);
    movie = created.data;
    assert.equal(movie.title, 'Repo Man', 'trimmed');
    assert.equal(movie.release_date, '1984-03-02');
    assert.equal(movie.run_time, 92);
    assert.equal(movie.create_app_extl_id, app.appId);
    assert.equal(movie.create_user_first_name, 'Grace');

    const read = await api.GET('/api/v1/movies/{extlId}', { params: { path: { extlId: movie.external_id } } });
    assert.equal(read.response.status, 200, JSON.stringify(read.error));
    assert.deepEqual(read.data, movie);

    const list = await api.GET('/api/v1/movies', { params: { query: { limit: 10 } } });
    assert.equal(list.response.status, 200);
    assert.deepEqual(
      list.data?.items.map((m) => m.external_id),
      [movie.external_id],
    );
  });

  step('lets the second user create and read a private recipe, hidden from others', async () => {
    const api = createClient({ baseUrl: stack.apiUrl, token: member.jwt });
    const created = await api.POST('/api/v1/recipes', {
      body: {
        title: 'Pancakes',
        servings: 4,
        prep_minutes: 10,
        cook_minutes: 15,
        ingredients: [
          { name: 'flour', quantity: '200', unit: 'g' },
          { name: 'milk', quantity: '300', unit: 'ml' },
          { name: 'eggs', quantity: '2' },
        ],
        steps: ['Whisk everything.', 'Fry in a hot pan.'],
        tags: ['breakfast'],
      },
    });
    assert.equal(created.response.status, 201, JSON.stringify(created.error));
    const recipe: Recipe | undefined = created.data;
    assert.ok(recipe);
    assert.equal(recipe.visibility, 'private', 'private by default');
    assert.deepEqual(recipe.owner, { subject: member.id });
    assert.equal(recipe.ingredients.length, 3);

    const read = await api.GET('/api/v1/recipes/{extlId}', { params: { path: { extlId: recipe.external_id } } });
    assert.equal(read.response.status, 200);
    assert.deepEqual(read.data, recipe);

    const stranger = createClient({ baseUrl: stack.apiUrl, token: founder.jwt });
    const hidden = await stranger.GET('/api/v1/recipes/{extlId}', { params: { path: { extlId: recipe.external_id } } });
    assert.equal(hidden.response.status, 404, 'a private recipe is visible to its owner only');
  });

  step('lets the first user read the movie too (same org, same app)', async () => {
    const api = createClient({ baseUrl: stack.apiUrl, token: founder.jwt, ...app });
    const read = await api.GET('/api/v1/movies/{extlId}', { params: { path: { extlId: movie.external_id } } });
    assert.equal(read.response.status, 200, JSON.stringify(read.error));
    assert.equal(read.data?.title, 'Repo Man');

    // Without app credentials the movie routes refuse (401: no app to scope the tenant).
    const noApp = createClient({ baseUrl: stack.apiUrl, token: founder.jwt });
    const refused = await noApp.GET('/api/v1/movies/{extlId}', { params: { path: { extlId: movie.external_id } } });
    assert.equal(refused.response.status, 401);
  });

  it('prints a JWT the API accepts with `npm run -s token`', async () => {
    const email = `cli-${run}@example.com`;
    const result = await runNpm(['run', '-s', 'token', '--', '--email', email, '--password', password], {
      IDENTITY_URL: stack.identityUrl,
    });
    assert.equal(result.code, 0, result.stderr);
    const jwt = result.stdout.trim();
    assert.match(jwt, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'only the JWT on stdout');
    assert.match(result.stderr, /signed up as/);

    // Verified by the API (a rejected token would be 401); not registered yet, hence 404.
    const api = createClient({ baseUrl: stack.apiUrl, token: jwt });
    const me = await api.GET('/api/v1/users/me');
    assert.equal(me.response.status, 404);

    const again = await runNpm(['run', '-s', 'token', '--', '--email', email, '--password', password], { IDENTITY_URL: stack.identityUrl });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /signed in as/, 'a known email signs in');
  });

  step('makes `npm run -s genesis` exit 1 with a 409 message once genesis has run', async () => {
    const result = await runNpm(['run', '-s', 'genesis', '--', '--token', founder.jwt, '--api', stack.apiUrl, '--exports'], {});
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /genesis has already been run on this database \(409\)/);
    assert.equal(result.stdout, '', 'no exports printed');
  });

  it('stops both processes cleanly on SIGTERM (exit code 0)', async () => {
    const status = await stack.stop();
    assert.deepEqual(
      status,
      { api: { code: 0, signal: null, hung: false }, identity: { code: 0, signal: null, hung: false } },
      `${stack.api.output()}\n${stack.identity.output()}`,
    );
  });
});
