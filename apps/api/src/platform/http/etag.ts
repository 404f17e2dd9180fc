/**
 * Entity tags for optimistic concurrency (docs/conventions.md): resources carry a version number; the
 * ETag is its strong form `"<version>"`, and `If-Match` is parsed back into the versions it
 * accepts. Weak tags never match (RFC 9110 uses strong comparison for If-Match).
 */

import type { ExpectedVersion } from '../errors/precondition.js';

/** The ETag of a resource at `version`. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/** What an `If-Match` header asks for: the precondition of the conditional write. */
export type IfMatch = ExpectedVersion;

/**
 * Parses `If-Match`. Returns undefined when the header is absent (no precondition). Unparsable
 * or weak tags contribute no version, so they can never match (→ 412).
 */
export function parseIfMatch(header: string | string[] | undefined): IfMatch | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return { kind: 'any' };
  const versions: number[] = [];
  for (const part of value.split(',')) {
    const match = /^\s*"(\d{1,9})"\s*$/.exec(part);
    if (match) versions.push(Number(match[1]));
  }
  return { kind: 'versions', versions };
}
