import type { Db } from '../../platform/db/db.js';
import { toRuntimeHandlers } from '../../platform/http/operation.js';
import type { ApiModule } from '../../platform/http/module.js';
import { newExternalId } from '../../platform/ids/external-id.js';
import { RecipeService } from './application/recipe.service.js';
import { PgRecipeRepository } from './infra/recipe.repo.js';
import { createRecipeHandlers } from './transport/recipe.routes.js';

/** What the recipe module needs from app.ts. */
export interface RecipeModuleDeps {
  db: Db;
}

/** Wires the recipe module: PostgreSQL repository → service → spec-bound handlers. */
export function createRecipeModule(deps: RecipeModuleDeps): ApiModule {
  const service = new RecipeService(new PgRecipeRepository(deps.db), newExternalId);
  return { name: 'recipe', handlers: toRuntimeHandlers(createRecipeHandlers(service)) };
}
