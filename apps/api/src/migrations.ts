import { platformMigrations } from './platform/platform-migrations.js';
import { iamMigrations } from './modules/iam/index.js';
import { movieMigrations } from './modules/movie/index.js';
import { recipeMigrations } from './modules/recipe/index.js';
import type { MigrationSource } from './platform/db/migrator.js';

/**
 * Every module's migrations, in the order they must be applied (a module after the modules it
 * reads from). Used by main.ts (migrate on start), the migrate CLI and the test template.
 */
export const moduleMigrations: MigrationSource[] = [platformMigrations, iamMigrations, movieMigrations, recipeMigrations];
