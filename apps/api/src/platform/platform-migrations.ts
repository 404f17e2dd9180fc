import { fileURLToPath } from 'node:url';
import type { MigrationSource } from './db/migrator.js';

/**
 * The platform's own migrations (schema `platform`): idempotency records, shared rate-limit
 * counters and the event outbox. Applied before every module's (src/migrations.ts).
 */
export const platformMigrations: MigrationSource = {
  module: 'platform',
  schema: 'platform',
  directory: fileURLToPath(new URL('./migrations/', import.meta.url)),
};
