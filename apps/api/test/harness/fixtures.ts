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
