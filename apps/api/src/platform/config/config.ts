import type { ConfigOf } from './declaration.js';
import type { settings } from './settings.js';

/**
 * The validated configuration of the API process: one field per row of `settings` (settings.ts),
 * in the same shape, with the rows' TSDoc. Built once by `loadConfig` in main.ts and the CLIs,
 * then passed down; nothing reads `process.env` elsewhere.
 */
export type Config = ConfigOf<typeof settings>;

export { logLevels, rateLimitStores, type AuthIssuerConfig, type LogLevel, type RateLimitStoreKind } from './settings.js';
