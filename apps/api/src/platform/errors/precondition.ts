import { AppError } from './app-error.js';

/**
 * The precondition of a conditional write, as `If-Match` states it (docs/conventions.md): any
 * current version (`*`), or one of the listed versions. Resources carry a version number that
 * every write bumps; the ETag is that number. Weak or unparsable tags contribute no version, so
 * `{ kind: 'versions', versions: [] }` never matches.
 */
export type ExpectedVersion = { kind: 'any' } | { kind: 'versions'; versions: number[] };

/**
 * The `expectedVersions` parameter the conditional-write queries take: null for no precondition
 * or `*`, else the versions as JSON text (the query matches the row only at one of them).
 */
export function expectedVersionsParam(expected: ExpectedVersion | undefined): string | null {
  return !expected || expected.kind === 'any' ? null : JSON.stringify(expected.versions);
}

/** The 412 of a conditional write whose If-Match no longer matches the `what` (`movie`, `org`). */
export function preconditionFailed(what: string): AppError {
  return new AppError('precondition_failed_error', `the ${what} has changed since it was read (If-Match does not match the ETag)`);
}

/** What a conditional write of one row did: wrote it, found no such row, or found it at another version. */
export type WriteOutcome<T> = { status: 'ok'; value: T } | { status: 'not_found' } | { status: 'version_mismatch' };
