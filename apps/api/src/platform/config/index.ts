/** The configuration of the API process: its type, loader and safe-to-log view. */
export { logLevels, rateLimitStores } from './config.js';
export type { AuthIssuerConfig, Config, LogLevel, RateLimitStoreKind } from './config.js';
export { describeConfig } from './describe-config.js';
export { ConfigError, loadConfig } from './load-config.js';
