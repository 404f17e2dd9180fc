import { preconditionFailed, type ExpectedVersion } from '../../../platform/errors/precondition.js';
import { notFound } from '../../../platform/errors/app-error.js';
import type { RecipeFilter, RecipeRepository } from '../domain/recipe.repo.js';
import { isOwnedBy, toRecipeDraft, type Recipe, type RecipeInput, type RecipeOwner, type Visibility } from '../domain/recipe.js';

/** A page of the owner's recipes. */
export interface RecipePage {
  recipes: Recipe[];
  /** Sort key of the last recipe when more may follow. */
  nextKey: string[] | undefined;
}

/** Options of the owner's list. */
export interface RecipeListQuery {
  limit: number;
  after?: string[];
  visibility?: Visibility;
  tag?: string;
}

/**
 * Use cases of the recipe module. Owners are the token's issuer + subject; private recipes are
 * invisible (404) to everyone but their owner; only owners update and delete. Throws AppError:
 * `input_validation_error` (bad content), `not_found_error`, `precondition_failed_error` (If-Match).
 */
export class RecipeService {
  constructor(
    private readonly repo: RecipeRepository,
    private readonly newId: () => string,
  ) {}

  /** Creates a recipe owned by `owner`. */
  async createRecipe(owner: RecipeOwner, input: RecipeInput): Promise<Recipe> {
    return this.repo.createRecipe(owner, this.newId(), toRecipeDraft(input));
  }

  /** Reads a recipe: public ones for anyone (`viewer` may be undefined), private ones for their owner. */
  async findRecipeById(viewer: RecipeOwner | undefined, externalId: string): Promise<Recipe> {
    const recipe = await this.repo.findRecipeById(externalId);
    if (!recipe) throw notFound('recipe');
    if (recipe.visibility !== 'public' && !(viewer && isOwnedBy(recipe, viewer))) throw notFound('recipe');
    return recipe;
  }

  /** One page of the owner's recipes, newest first. */
  async findRecipes(owner: RecipeOwner, query: RecipeListQuery): Promise<RecipePage> {
    const filter: RecipeFilter = { limit: query.limit + 1 };
    if (query.after) filter.after = query.after;
    if (query.visibility) filter.visibility = query.visibility;
    if (query.tag) filter.tag = query.tag.trim().toLowerCase();
    const rows = await this.repo.findRecipes(owner, filter);
    const recipes = rows.slice(0, query.limit);
    const last = recipes[recipes.length - 1];
    return { recipes, nextKey: rows.length > query.limit && last ? [last.sortKey, last.externalId] : undefined };
  }

  /** Replaces the owner's recipe; `expected` is the If-Match precondition, if any. */
  async updateRecipe(owner: RecipeOwner, externalId: string, input: RecipeInput, expected?: ExpectedVersion): Promise<Recipe> {
    const outcome = await this.repo.updateRecipe(owner, externalId, toRecipeDraft(input), expected);
    if (outcome.status === 'not_found') throw notFound('recipe');
    if (outcome.status === 'version_mismatch') throw preconditionFailed('recipe');
    return outcome.value;
  }

  /** Deletes the owner's recipe; `expected` is the If-Match precondition, if any. */
  async deleteRecipe(owner: RecipeOwner, externalId: string, expected?: ExpectedVersion): Promise<void> {
    const outcome = await this.repo.deleteRecipe(owner, externalId, expected);
    if (outcome.status === 'not_found') throw notFound('recipe');
    if (outcome.status === 'version_mismatch') throw preconditionFailed('recipe');
  }
}
