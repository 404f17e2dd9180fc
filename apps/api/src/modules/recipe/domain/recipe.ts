import { AppError, missingField } from '../../../platform/errors/app-error.js';

/** Who may see a recipe besides its owner. */
export type Visibility = 'private' | 'public';

/** One ingredient line. */
export interface Ingredient {
  name: string;
  quantity?: string;
  unit?: string;
}

/** The owner of a recipe: the token's issuer and subject (the OpenAPI spec). */
export interface RecipeOwner {
  issuer: string;
  subject: string;
}

/** The editable content of a recipe, validated and normalised. */
export interface RecipeDraft {
  title: string;
  description: string;
  servings: number;
  prepMinutes: number;
  cookMinutes: number;
  ingredients: Ingredient[];
  steps: string[];
  tags: string[];
  visibility: Visibility;
}

/** A stored recipe. `version` increases with every update and backs the ETag. */
export interface Recipe extends RecipeDraft {
  externalId: string;
  owner: RecipeOwner;
  createdAt: Date;
  updatedAt: Date;
  version: number;
  /** The keyset of the list order, opaque outside the repository. */
  sortKey: string;
}

/**
 * The recipe fields as a client sent them (type-checked by the spec's schema, not yet
 * validated); the transport maps the wire body (`prep_minutes`, `cook_minutes`) to it.
 */
export interface RecipeInput {
  title: string;
  description?: string;
  servings: number;
  prepMinutes?: number;
  cookMinutes?: number;
  ingredients: { name: string; quantity?: string; unit?: string }[];
  steps: string[];
  tags?: string[];
  visibility?: Visibility;
}

function requiredText(value: string, param: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed === '') throw missingField(param);
  if (trimmed.length > max) {
    throw new AppError('input_validation_error', `${param} must be at most ${max} characters`, { param });
  }
  return trimmed;
}

function optionalText(value: string | undefined, param: string, max: number): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed.length > max) {
    throw new AppError('input_validation_error', `${param} must be at most ${max} characters`, { param });
  }
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Validates and normalises a client's recipe: strings trimmed, blank required strings reported
 * as `<param> is required`, tags de-duplicated case-insensitively, defaults applied
 * (description "", minutes 0, no tags, private). Throws `input_validation_error` with `param`.
 */
export function toRecipeDraft(input: RecipeInput): RecipeDraft {
  const ingredients = input.ingredients.map((ingredient, i) => {
    const line: Ingredient = { name: requiredText(ingredient.name, `ingredients[${i}].name`, 200) };
    const quantity = optionalText(ingredient.quantity, `ingredients[${i}].quantity`, 50);
    const unit = optionalText(ingredient.unit, `ingredients[${i}].unit`, 50);
    if (quantity !== undefined) line.quantity = quantity;
    if (unit !== undefined) line.unit = unit;
    return line;
  });
  const steps = input.steps.map((step, i) => requiredText(step, `steps[${i}]`, 2000));
  const tags: string[] = [];
  const seen = new Set<string>();
  (input.tags ?? []).forEach((tag, i) => {
    const clean = requiredText(tag, `tags[${i}]`, 50).toLowerCase();
    if (!seen.has(clean)) {
      seen.add(clean);
      tags.push(clean);
    }
  });
  return {
    title: requiredText(input.title, 'title', 200),
    description: optionalText(input.description, 'description', 5000) ?? '',
    servings: input.servings,
    prepMinutes: input.prepMinutes ?? 0,
    cookMinutes: input.cookMinutes ?? 0,
    ingredients,
    steps,
    tags,
    visibility: input.visibility ?? 'private',
  };
}

/** True when `owner` owns `recipe`. */
export function isOwnedBy(recipe: Recipe, owner: RecipeOwner): boolean {
  return recipe.owner.issuer === owner.issuer && recipe.owner.subject === owner.subject;
}
