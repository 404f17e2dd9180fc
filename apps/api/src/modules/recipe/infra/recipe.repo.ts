import { expectedVersionsParam, type ExpectedVersion, type WriteOutcome } from '../../../platform/errors/precondition.js';
import type { Queryable } from '../../../platform/db/db.js';
import { queriesAbout } from '../../../platform/db/typed-query.js';
import type { RecipeFilter, RecipeRepository } from '../domain/recipe.repo.js';
import type { Ingredient, Recipe, RecipeDraft, RecipeOwner, Visibility } from '../domain/recipe.js';
import * as recipeQueries from './recipe.queries.js';

// Errors of these queries name a recipe (`recipe already exists`); see platform/db/typed-query.ts.
const {
  deleteRecipe,
  insertRecipe,
  selectRecipeByExtlId,
  selectRecipesByOwner,
  selectRecipesPageByOwner,
  selectRecipeVersionForOwner,
  updateRecipe,
} = queriesAbout(recipeQueries, 'recipe');

type RecipeRow = recipeQueries.IInsertRecipeResult;

function toRecipe(row: RecipeRow): Recipe {
  return {
    externalId: row.extl_id,
    owner: { issuer: row.owner_issuer, subject: row.owner_subject },
    title: row.title,
    description: row.description,
    servings: row.servings,
    prepMinutes: row.prep_minutes,
    cookMinutes: row.cook_minutes,
    ingredients: row.ingredients as unknown as Ingredient[],
    steps: row.steps as unknown as string[],
    tags: row.tags as unknown as string[],
    visibility: row.visibility as Visibility,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sortKey: row.sort_key,
  };
}

function contentParams(draft: RecipeDraft) {
  return {
    title: draft.title,
    description: draft.description,
    servings: draft.servings,
    prepMinutes: draft.prepMinutes,
    cookMinutes: draft.cookMinutes,
    // jsonb parameters travel as JSON text: drivers would turn JS arrays into SQL arrays.
    ingredients: JSON.stringify(draft.ingredients),
    steps: JSON.stringify(draft.steps),
    tags: JSON.stringify(draft.tags),
    visibility: draft.visibility,
  };
}

/** PostgreSQL storage of recipes through the typed queries generated from recipe.sql. */
export class PgRecipeRepository implements RecipeRepository {
  constructor(private readonly db: Queryable) {}

  async createRecipe(owner: RecipeOwner, externalId: string, draft: RecipeDraft): Promise<Recipe> {
    const [row] = await insertRecipe.run(
      { extlId: externalId, ownerIssuer: owner.issuer, ownerSubject: owner.subject, ...contentParams(draft) },
      this.db,
    );
    return toRecipe(row!);
  }

  async findRecipeById(externalId: string): Promise<Recipe | undefined> {
    const [row] = await selectRecipeByExtlId.run({ extlId: externalId }, this.db);
    return row ? toRecipe(row) : undefined;
  }

  async findRecipes(owner: RecipeOwner, filter: RecipeFilter): Promise<Recipe[]> {
    const page = {
      ownerIssuer: owner.issuer,
      ownerSubject: owner.subject,
      afterCreatedAt: filter.after?.[0] ?? null,
      afterExtlId: filter.after?.[1] ?? null,
      limit: String(filter.limit),
    };
    // The unfiltered list has its own statement, whose generic plan is an index scan (see recipe.sql).
    const rows =
      filter.visibility || filter.tag
        ? await selectRecipesByOwner.run({ ...page, visibility: filter.visibility ?? null, tag: filter.tag ?? null }, this.db)
        : await selectRecipesPageByOwner.run(page, this.db);
    return rows.map(toRecipe);
  }

  async updateRecipe(
    owner: RecipeOwner,
    externalId: string,
    draft: RecipeDraft,
    expected?: ExpectedVersion,
  ): Promise<WriteOutcome<Recipe>> {
    const [row] = await updateRecipe.run(
      {
        extlId: externalId,
        ownerIssuer: owner.issuer,
        ownerSubject: owner.subject,
        expectedVersions: expectedVersionsParam(expected),
        ...contentParams(draft),
      },
      this.db,
    );
    if (row) return { status: 'ok', value: toRecipe(row) };
    return this.missOutcome(owner, externalId);
  }

  async deleteRecipe(owner: RecipeOwner, externalId: string, expected?: ExpectedVersion): Promise<WriteOutcome<null>> {
    const [row] = await deleteRecipe.run(
      { extlId: externalId, ownerIssuer: owner.issuer, ownerSubject: owner.subject, expectedVersions: expectedVersionsParam(expected) },
      this.db,
    );
    if (row) return { status: 'ok', value: null };
    return this.missOutcome(owner, externalId);
  }

  /** Tells a missing (or foreign) recipe from a failed precondition after a conditional write hit no row. */
  private async missOutcome(owner: RecipeOwner, externalId: string): Promise<{ status: 'not_found' } | { status: 'version_mismatch' }> {
    const [current] = await selectRecipeVersionForOwner.run(
      { extlId: externalId, ownerIssuer: owner.issuer, ownerSubject: owner.subject },
      this.db,
    );
    return current ? { status: 'version_mismatch' } : { status: 'not_found' };
  }
}
