import { AppError } from '../../../platform/errors/app-error.js';

/** A trimmed non-blank name, else `<param> is required`. */
export function requiredName(value: string, param: string): string {
  const trimmed = value.trim();
  if (!trimmed) throw new AppError('input_validation_error', `${param} is required`, { param });
  return trimmed;
}
