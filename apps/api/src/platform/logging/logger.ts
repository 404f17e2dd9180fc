import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';
import { logLevels, type LogLevel } from '../config/config.js';
import { AppError } from '../errors/app-error.js';

export type { Logger } from 'pino';

/** Paths removed from every log line (credentials never reach a log). */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'password',
  '*.password',
  '*.dbPassword',
];

/** Options of {@link createLogger}. */
export interface LoggerSettings {
  level: LogLevel;
  /** Destination stream; stdout when omitted (tests pass a memory stream). */
  destination?: DestinationStream;
}

/**
 * Builds the root pino logger: JSON lines with `level` as a label, `time` in epoch milliseconds,
 * the message under `message` (diygoapi's field names) and credentials redacted. Without a
 * destination it writes to stdout asynchronously: lines written while a write is in flight are
 * coalesced into one syscall under load, and pending lines are flushed when the process exits.
 */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    messageKey: 'message',
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: redactedPaths, censor: '[REDACTED]' },
    base: undefined,
  };
  return pino(options, settings.destination ?? pino.destination({ dest: 1, sync: false }));
}

/**
 * Runtime logger state behind the logger endpoint (CONTRACT §8): the global level (applied to
 * the root logger, which pino 10 propagates to every request's child logger), the minimum level
 * it may never go below, and whether error stacks are logged.
 */
export class LogControl {
  readonly minimumLevel: LogLevel;
  private errorStack: boolean;

  constructor(
    private readonly root: Logger,
    options: { minimumLevel: LogLevel; errorStack: boolean },
  ) {
    this.minimumLevel = options.minimumLevel;
    this.errorStack = options.errorStack;
  }

  /** The current global level. */
  get level(): LogLevel {
    return this.root.level as LogLevel;
  }

  /** Whether error logs carry the full stack (else only the op stack). */
  get logErrorStack(): boolean {
    return this.errorStack;
  }

  /**
   * Sets the global level. Throws `input_validation_error` (param `global_log_level`) for an
   * unknown level or one below the minimum.
   */
  setLevel(level: string): void {
    this.assertLevel(level);
    this.root.level = level;
  }

  /** Throws as {@link setLevel} would, without changing anything. */
  assertLevel(level: string): void {
    const index = logLevels.indexOf(level as LogLevel);
    if (index < 0) {
      throw new AppError('input_validation_error', `unknown log level "${level}"`, { param: 'global_log_level' });
    }
    if (index < logLevels.indexOf(this.minimumLevel)) {
      throw new AppError(
        'input_validation_error',
        `log level "${level}" is below the minimum accepted level "${this.minimumLevel}"`,
        { param: 'global_log_level' },
      );
    }
  }

  /** Turns full error stacks in logs on or off. */
  setErrorStack(on: boolean): void {
    this.errorStack = on;
  }
}
