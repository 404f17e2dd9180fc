import type { ExpectedVersion, WriteOutcome } from '../../../platform/errors/precondition.js';
import type { Recipe, RecipeDraft, RecipeOwner, Visibility } from './recipe.js';

/** Filter of the owner's recipe list. */
export interface RecipeFilter {
  limit: number;
  /** Sort key of the last item of the previous page. */
  after?: string[];
  visibility?: Visibility;
  tag?: string;
}

/**
 * Storage of recipes (port). Every read and write of an owner's data takes the owner: tenancy
 * is a required argument, never an afterthought.
 */
export interface RecipeRepository {
  createRecipe(owner: RecipeOwner, externalId: string, draft: RecipeDraft): Promise<Recipe>;
  /** Any recipe by id; visibility rules are the service's. */
  findRecipeById(externalId: string): Promise<Recipe | undefined>;
  findRecipes(owner: RecipeOwner, filter: RecipeFilter): Promise<Recipe[]>;
  updateRecipe(owner: RecipeOwner, externalId: string, draft: RecipeDraft, expected?: ExpectedVersion): Promise<WriteOutcome<Recipe>>;
  deleteRecipe(owner: RecipeOwner, externalId: string, expected?: ExpectedVersion): Promise<WriteOutcome<null>>;
}
