import { format } from 'node:util';
import type { LogLevel } from './config.js';

/** Fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** A structured logger writing one JSON object per line. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  fatal(msg: string, fields?: LogFields): void;
}

const severity: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

/** Writes a finished line somewhere (stdout by default). */
export type LineSink = (line: string) => void;

/**
 * Builds a JSON-lines logger: `{"level":"info","time":"…","service":"identity","msg":…,…}`.
 * Lines below `level` are dropped; Error values in fields become `{name,message,stack}`.
 */
export function createLogger(level: LogLevel, sink: LineSink = (line) => process.stdout.write(line)): Logger {
  const threshold = severity[level];
  const write = (lineLevel: LogLevel, msg: string, fields?: LogFields): void => {
    if (severity[lineLevel] < threshold) return;
    const record: LogFields = { level: lineLevel, time: new Date().toISOString(), service: 'identity', msg };
    for (const [key, value] of Object.entries(fields ?? {})) {
      record[key] = value instanceof Error ? errorFields(value) : value;
    }
    sink(`${JSON.stringify(record)}\n`);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    fatal: (msg, fields) => write('fatal', msg, fields),
  };
}

/** An Error as log fields: name, message, `code` when it has one, stack. */
export function errorFields(error: Error): LogFields {
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(code === undefined ? {} : { code }), stack: error.stack };
}

// Terminal colour codes some libraries put into their console output.
const ansiEscape = /\u001b\[[0-9;]*m/g;

/**
 * Routes what libraries print to the console (`console.log/info/debug/trace/warn/error`) and
 * Node's process warnings through `logger`, as `{"source":"console"|"process-warning",…}` lines,
 * so every line the process writes is JSON. For the process entry point only (it replaces global
 * methods and Node's default warning printer).
 */
export function routeConsoleToLogger(logger: Logger): void {
  const forward =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) => {
      logger[level](format(...args).replace(ansiEscape, ''), { source: 'console' });
    };
  console.log = forward('info');
  console.info = forward('info');
  console.debug = forward('debug');
  console.trace = forward('debug');
  console.warn = forward('warn');
  console.error = forward('error');
  // Node's default listener prints warnings as plain text to stderr.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => logger.warn(warning.message, { source: 'process-warning', warning: errorFields(warning) }));
}
