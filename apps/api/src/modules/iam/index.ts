import { fileURLToPath } from 'node:url';
import type { MigrationSource } from '../../platform/db/migrator.js';

export { createIamModule, type IamModule, type IamModuleDeps } from './module.js';

/** The iam module's migrations (schema `iam`). */
export const iamMigrations: MigrationSource = {
  module: 'iam',
  schema: 'iam',
  directory: fileURLToPath(new URL('./migrations/', import.meta.url)),
};
