import { AppError, invalidField } from '../../../platform/errors/app-error.js';

/** A trimmed non-blank name, else `<param> is required`. */
export function requiredName(value: string, param: string): string {
  const trimmed = value.trim();
  if (!trimmed) throw new AppError('input_validation_error', `${param} is required`, { param });
  return trimmed;
}

const yearMs = 365 * 24 * 3600 * 1000;

/** The default deactivation date of a new key: one year from now. */
export function defaultKeyDeactivation(now: () => number): Date {
  return new Date(now() + yearMs);
}

/**
 * Parses a key deactivation date (`YYYY-MM-DD` = end of that day UTC, or RFC 3339); it must lie
 * in the future. Undefined when not given. Throws `input_validation_error` on `param`.
 */
export function parseDeactivationDate(value: string | undefined, param: string, now: () => number): Date | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  let date: Date | undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    date = new Date(`${v}T23:59:59.999Z`);
    if (date.toISOString().slice(0, 10) !== v) date = undefined;
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(v)) {
    date = new Date(v);
  }
  if (!date || Number.isNaN(date.getTime())) {
    throw invalidField(param, `${param} must be a date (YYYY-MM-DD) or an RFC 3339 timestamp`, 'invalid_date_format');
  }
  if (date.getTime() <= now()) throw invalidField(param, `${param} must be in the future`);
  return date;
}

/**
 * The fields of a new app as a client sent them (not yet validated; the transport maps the wire
 * body to it). Validation errors name the wire fields (`api_key_deactivation_date`).
 */
export interface AppInput {
  name: string;
  description?: string;
  oauth2ClientId?: string;
  apiKeyDeactivationDate?: string;
}
