import { fileURLToPath } from 'node:url';
import type { MigrationSource } from '../../platform/db/migrator.js';

export { createMovieModule, type MovieModuleDeps } from './module.js';

/** The movie module's migrations (schema `movie`). */
export const movieMigrations: MigrationSource = {
  module: 'movie',
  schema: 'movie',
  directory: fileURLToPath(new URL('./migrations/', import.meta.url)),
};
