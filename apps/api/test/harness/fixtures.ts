import type { components as movieWire } from '../../src/modules/movie/transport/openapi.gen.js';
import type { components as recipeWire } from '../../src/modules/recipe/transport/openapi.gen.js';

/**
 * The test data every suite starts from, in the wire shape a client sends (snake_case, as the
 * spec declares it). Suites below HTTP map it with the transport's own mapper (`toMovieInput`),
 * so one factory serves the HTTP, domain and repository tests. Overrides may carry values the
 * schema would reject: validation tests send them on purpose.
 */

/** A valid movie body (POST/PUT /api/v1/movies), with `overrides` applied. */
export function movieBody(overrides: Record<string, unknown> = {}): movieWire['schemas']['MovieInput'] {
  return {
    title: 'Repo Man',
    rated: 'R',
    release_date: '1984-03-02T00:00:00Z',
    run_time: 92,
    director: 'Alex Cox',
    writer: 'Alex Cox',
    ...overrides,
  } as movieWire['schemas']['MovieInput'];
}

/** A valid recipe body (POST/PUT /api/v1/recipes), with `overrides` applied. */
export function recipeBody(overrides: Record<string, unknown> = {}): recipeWire['schemas']['RecipeInput'] {
  return {
    title: 'Shakshuka',
    description: 'Eggs in tomato sauce',
    servings: 2,
    prep_minutes: 10,
    cook_minutes: 20,
    ingredients: [
      { name: 'eggs', quantity: '4' },
      { name: 'tomatoes', quantity: '400', unit: 'g' },
    ],
    steps: ['Simmer the sauce', 'Poach the eggs'],
    tags: ['Breakfast', 'vegetarian'],
    ...overrides,
  } as recipeWire['schemas']['RecipeInput'];
}

/**
 * True when this run must have a real PostgreSQL: in CI (`CI` set to anything but `false`/`0`),
 * where a suite that skips for want of one would pass while testing nothing.
 */
export function postgresRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/**
 * The `skip` option of a suite that needs the test PostgreSQL (`describe(name, { skip: … })`):
 * false when the runner started one; otherwise the reason to skip, or — in CI — an error, so the
 * file fails instead of passing empty.
 */
export function skipWithoutPostgres(env: NodeJS.ProcessEnv = process.env): false | string {
  if (env.CHOMPARDO_TEST_PG_ADMIN_URL) return false;
  if (postgresRequired(env))
    throw new Error('CI=true but no test PostgreSQL: these tests would be skipped (install PostgreSQL or set PG_BIN)');
  return 'needs the test PostgreSQL';
}

/**
 * The `skip` option of a suite that needs a tool CI installs (pg_auto_failover, PgBouncer): the
 * reason as given outside CI; in CI an error, so a missing tool fails the file instead of
 * letting it pass empty.
 */
export function skipUnlessInstalled(reason: false | string, env: NodeJS.ProcessEnv = process.env): false | string {
  if (reason !== false && postgresRequired(env)) throw new Error(`CI is set, but these tests would be skipped: ${reason}`);
  return reason;
}
