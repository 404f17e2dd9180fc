import { decodeCursor, encodeCursor } from '../../../platform/http/pagination.js';
import type { After } from '../domain/page.js';

/** The keyset position a `cursor` query parameter names (none: the first page). */
function afterOf(cursor: string | undefined): After | undefined {
  if (!cursor) return undefined;
  const [sortKey, externalId] = decodeCursor(cursor, 2);
  return { sortKey: sortKey!, externalId: externalId! };
}

/**
 * A page of a list read by keyset (orgs, apps, members): `load` reads one row more than the
 * page's `limit` (default 50) after the `cursor`'s position; the extra row only tells that a next
 * page exists, whose cursor is the last item's position.
 */
export async function pageByKeyset<T extends { sortKey: string; externalId: string }>(
  query: { limit?: number; cursor?: string },
  load: (page: { limit: number; after?: After }) => Promise<T[]>,
): Promise<{ items: T[]; next: string | null }> {
  const limit = query.limit ?? 50;
  const after = afterOf(query.cursor);
  const rows = await load({ limit: limit + 1, ...(after ? { after } : {}) });
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next: rows.length > limit && last ? encodeCursor([last.sortKey, last.externalId]) : null };
}

/**
 * A page of a small list already ordered by `keyOf` (permissions, roles: dozens of rows): keyset
 * pagination on that key, done in memory.
 */
export function pageInMemory<T>(
  rows: T[],
  keyOf: (row: T) => string,
  query: { limit?: number; cursor?: string },
): { items: T[]; next: string | null } {
  const limit = query.limit ?? 50;
  const after = query.cursor ? decodeCursor(query.cursor, 1)[0]! : undefined;
  // Sorted here (not by the database's collation) so the cursor comparison below agrees with it.
  const sorted = [...rows].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((row) => keyOf(row) > after);
  const items = rest.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next: rest.length > limit && last ? encodeCursor([keyOf(last)]) : null };
}
