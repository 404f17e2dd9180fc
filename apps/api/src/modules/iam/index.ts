import { fileURLToPath } from 'node:url';
import type { MigrationSource } from '../../platform/db/migrator.js';

export { createIamModule, createIamOperatorKeys, type IamModule, type IamModuleDeps, type IamOperatorKeys } from './module.js';
export { operatorIssuer, type Operator } from './application/app.service.js';
export type { ApiKeyRecord, AppKeys, AuditParty } from './domain/iam.js';

/** The iam module's migrations (schema `iam`). */
export const iamMigrations: MigrationSource = {
  module: 'iam',
  schema: 'iam',
  directory: fileURLToPath(new URL('./migrations/', import.meta.url)),
};
