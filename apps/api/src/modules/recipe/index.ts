import { fileURLToPath } from 'node:url';
import type { MigrationSource } from '../../platform/db/migrator.js';

export { createRecipeModule, type RecipeModuleDeps } from './module.js';

/** The recipe module's migrations (schema `recipe`). */
export const recipeMigrations: MigrationSource = {
  module: 'recipe',
  schema: 'recipe',
  directory: fileURLToPath(new URL('./migrations/', import.meta.url)),
};
