import { authenticatedUser } from '../../../platform/auth/authenticated.js';
import type { RequestAuth } from '../../../platform/auth/ports.js';
import { etagOf, parseIfMatch } from '../../../platform/http/etag.js';
import type { OperationHandlers } from '../../../platform/http/operation.js';
import { decodeCursor, encodeCursor } from '../../../platform/http/pagination.js';
import type { RecipeService } from '../application/recipe.service.js';
import type { Recipe, RecipeInput, RecipeOwner } from '../domain/recipe.js';
import type { components, operations } from './openapi.gen.js';

type RecipeBody = components['schemas']['Recipe'];

/** The wire form of a recipe (snake_case; the owner shows only its subject). */
export function toRecipeBody(recipe: Recipe): RecipeBody {
  return {
    external_id: recipe.externalId,
    title: recipe.title,
    description: recipe.description,
    servings: recipe.servings,
    prep_minutes: recipe.prepMinutes,
    cook_minutes: recipe.cookMinutes,
    ingredients: recipe.ingredients,
    steps: recipe.steps,
    tags: recipe.tags,
    visibility: recipe.visibility,
    owner: { subject: recipe.owner.subject },
    created_at: recipe.createdAt.toISOString(),
    updated_at: recipe.updatedAt.toISOString(),
  };
}

type RecipeInputBody = components['schemas']['RecipeInput'];

/** The recipe a client sent, camelCase for the application (validated there). */
export function toRecipeInput(body: RecipeInputBody): RecipeInput {
  return {
    title: body.title,
    description: body.description,
    servings: body.servings,
    prepMinutes: body.prep_minutes,
    cookMinutes: body.cook_minutes,
    ingredients: body.ingredients,
    steps: body.steps,
    tags: body.tags,
    visibility: body.visibility,
  };
}

/** The owner of a request's recipes: the token user (every recipe operation requires a JWT). */
function ownerOf(auth: RequestAuth): RecipeOwner {
  const { issuer, subject } = authenticatedUser(auth);
  return { issuer, subject };
}

/** Handlers of the recipe spec's operations (owner = token issuer + subject). */
export function createRecipeHandlers(service: RecipeService): OperationHandlers<operations> {
  return {
    createRecipe: async ({ auth, body }) => {
      const recipe = await service.createRecipe(ownerOf(auth), toRecipeInput(body));
      return {
        status: 201,
        body: toRecipeBody(recipe),
        headers: { Location: `/api/v1/recipes/${recipe.externalId}`, ETag: etagOf(recipe.version) },
      };
    },
    findRecipes: async ({ auth, query }) => {
      const page = await service.findRecipes(ownerOf(auth), {
        limit: query.limit ?? 50,
        ...(query.cursor ? { after: decodeCursor(query.cursor, 2) } : {}),
        ...(query.visibility ? { visibility: query.visibility } : {}),
        ...(query.tag ? { tag: query.tag } : {}),
      });
      return {
        status: 200,
        body: { items: page.recipes.map(toRecipeBody), next_cursor: page.nextKey ? encodeCursor(page.nextKey) : null },
      };
    },
    findRecipeById: async ({ auth, params }) => {
      const viewer = auth.user ? { issuer: auth.user.issuer, subject: auth.user.subject } : undefined;
      const recipe = await service.findRecipeById(viewer, params.extlId);
      return { status: 200, body: toRecipeBody(recipe), headers: { ETag: etagOf(recipe.version) } };
    },
    updateRecipe: async ({ auth, params, body, headers }) => {
      const recipe = await service.updateRecipe(ownerOf(auth), params.extlId, toRecipeInput(body), parseIfMatch(headers['if-match']));
      return { status: 200, body: toRecipeBody(recipe), headers: { ETag: etagOf(recipe.version) } };
    },
    deleteRecipe: async ({ auth, params, headers }) => {
      await service.deleteRecipe(ownerOf(auth), params.extlId, parseIfMatch(headers['if-match']));
      return { status: 200, body: { external_id: params.extlId, deleted: true } };
    },
  };
}
