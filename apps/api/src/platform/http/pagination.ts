import { AppError } from '../errors/app-error.js';

/**
 * Opaque keyset cursors (docs/conventions.md). A cursor carries the sort key of the last item of a
 * page as base64url JSON; clients must treat it as opaque. Tampered or foreign cursors → 400.
 */

/** Encodes the sort key of the last item of a page. */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor} with `arity` parts; throws 400 (param `cursor`) otherwise. */
export function decodeCursor(cursor: string, arity: number): string[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === arity && key.every((k) => typeof k === 'string' && k.length <= 256)) {
      return key as string[];
    }
  } catch {
    // fall through to the client error below
  }
  throw new AppError('input_validation_error', 'cursor is invalid', { param: 'cursor' });
}

/** A page of items as every list endpoint returns it. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
