import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';
import { logLevels, type LogLevel } from '../config/config.js';
import { AppError } from '../errors/app-error.js';

export type { Logger } from 'pino';

const censor = '[REDACTED]';

/** Header names whose values never reach a log. */
const secretHeaders = new Set(['authorization', 'x-api-key', 'cookie', 'set-cookie', 'proxy-authorization']);

/** A copy of `headers` with credentials replaced by `[REDACTED]`. */
export function redactHeaders(headers: unknown): unknown {
  if (!headers || typeof headers !== 'object') return headers;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    out[name] = secretHeaders.has(name.toLowerCase()) ? censor : value;
  }
  return out;
}

/**
 * Serializers that keep credentials out of every log line: pino calls one only when a logged
 * object has that key, so lines without such keys (the access line) pay nothing — unlike path
 * redaction, which inspects every line.
 */
export const secretSerializers: Record<string, (value: unknown) => unknown> = {
  headers: redactHeaders,
  req: (req: unknown) => {
    if (!req || typeof req !== 'object') return req;
    const r = req as Record<string, unknown>;
    return { method: r.method, url: r.url, headers: redactHeaders(r.headers) };
  },
  authorization: () => censor,
  password: () => censor,
  dbPassword: () => censor,
  apiKey: () => censor,
  api_key: () => censor,
  key: () => censor,
};

/** Options of {@link createLogger}. */
export interface LoggerSettings {
  level: LogLevel;
  /** Destination stream; stdout when omitted (tests pass a memory stream). */
  destination?: DestinationStream;
  /** Fields on every line (e.g. the pid and worker number of a worker process); none by default. */
  base?: Record<string, unknown>;
  /**
   * Other processes write to the same stdout (worker processes). Each write to stdout then holds
   * whole lines and at most 4096 bytes (PIPE_BUF), which the kernel writes atomically: lines of
   * two processes never interleave, even when a slow reader lets the pipe fill up.
   */
  sharedOutput?: boolean;
}

/** The largest write a pipe takes atomically (PIPE_BUF on Linux). */
const atomicPipeWrite = 4096;

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
    serializers: { ...secretSerializers, err: pino.stdSerializers.err },
    base: settings.base ?? undefined,
  };
  return pino(
    options,
    settings.destination ?? pino.destination({ dest: 1, sync: false, ...(settings.sharedOutput ? { maxWrite: atomicPipeWrite } : {}) }),
  );
}

/**
 * Runtime logger state behind the logger endpoint (README "Operations"): the global level (applied to
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
      throw new AppError('input_validation_error', `log level "${level}" is below the minimum accepted level "${this.minimumLevel}"`, {
        param: 'global_log_level',
      });
    }
  }

  /** Turns full error stacks in logs on or off. */
  setErrorStack(on: boolean): void {
    this.errorStack = on;
  }
}
