/**
 * The validated configuration of the API process (CONTRACT §2). Built once by `loadConfig` in
 * main.ts and the CLIs, then passed down; nothing reads `process.env` elsewhere.
 */
export interface Config {
  host: string;
  port: number;
  /** Path of the JSON config file that was read (may not exist). */
  configFile: string;
  /** The config file target in use, if any. */
  target: string | undefined;
  /** Connection string of a real PostgreSQL; undefined → embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  dbPoolMax: number;
  dataDir: string;
  auth: {
    jwksUrl: string;
    issuer: string;
    /** Accepted audiences; a token passes when its `aud` contains one of them. */
    audience: string[];
  };
  log: {
    level: LogLevel;
    levelMin: LogLevel;
    errorStack: boolean;
  };
  migrateOnStart: boolean;
  /** Maximum request body size in bytes. */
  bodyLimit: number;
  rateLimit: {
    /** Requests per window per app (per IP before authentication); 0 = off. */
    max: number;
    windowMs: number;
  };
  shutdownTimeoutMs: number;
  /** Role codes granted in the app's org on self-registration. */
  selfRegisterRoles: string[];
}

/** Log levels, lowest first (pino's names plus `silent`). */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];
