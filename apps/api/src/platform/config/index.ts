/** The configuration of the API process (CONTRACT §2): its type, loader and safe-to-log view. */
export { logLevels, rateLimitStores } from './config.js';
export type { AuthIssuerConfig, Config, LogLevel, RateLimitStoreKind } from './config.js';
export { ConfigError, describeConfig, loadConfig } from './load-config.js';
