import type { LogLevel } from './config.js';

/** Fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** A structured logger writing one JSON object per line. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
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
      record[key] = value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
    }
    sink(`${JSON.stringify(record)}\n`);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}
