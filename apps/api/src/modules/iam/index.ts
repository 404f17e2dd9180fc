/**
 * The identity-and-access module (diygoapi's model): users (identified by token issuer + subject)
 * of persons, orgs, apps with API keys, permissions (route template + method), roles holding
 * permissions, and role grants per org, in one schema (`iam`). Internal ids are strings of bigints
 * and never leave the server; clients see external ids.
 */
import { fileURLToPath } from 'node:url';
import type { MigrationSource } from '../../platform/db/migrator.js';

export { createIamModule, createIamOperatorKeys, type IamModule, type IamModuleDeps, type IamOperatorKeys } from './module.js';
export { operatorIssuer, type Operator } from './application/api-key.service.js';
export type { ApiKeyRecord, AppKeys } from './domain/api-key.js';
export type { AuditParty } from './domain/audit.js';

/** The iam module's migrations (schema `iam`). */
export const iamMigrations: MigrationSource = {
  module: 'iam',
  schema: 'iam',
  directory: fileURLToPath(new URL('./migrations/', import.meta.url)),
};
