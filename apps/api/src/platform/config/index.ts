/** The configuration of the API process (CONTRACT §2): its type, loader and safe-to-log view. */
export { logLevels } from './config.js';
export type { Config, LogLevel } from './config.js';
export { ConfigError, describeConfig, loadConfig } from './load-config.js';
