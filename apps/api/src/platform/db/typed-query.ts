import { ParameterTransform, processSQLQueryIR, type PreparedQuery } from '@pgtyped/runtime';
import type { Queryable } from './db.js';

/** The statement text and parameter order of one pgtyped query, computed once. */
interface CompiledStatement {
  text: string;
  /** Parameter names in $1, $2, … order. */
  names: string[];
}

// The generated queries are module-level constants; their IR objects key this cache for the
// life of the process (a WeakMap, so nothing is pinned).
const compiled = new WeakMap<object, CompiledStatement | null>();

type QueryIR = Parameters<typeof processSQLQueryIR>[0];

function compile(ir: QueryIR): CompiledStatement | null {
  const { query, mapping } = processSQLQueryIR(ir);
  // Only scalar parameters give a text that does not depend on the values (array spreads do).
  if (mapping.some((m) => m.type !== ParameterTransform.Scalar)) return null;
  const names: string[] = [];
  for (const m of mapping) if (m.type === ParameterTransform.Scalar) names[m.assignedIndex - 1] = m.name;
  return { text: query, names };
}

/** Strips pgtyped's nullability hints (`"col!"`, `"col?"`) from column names, building fresh rows. */
function mapRows<R>(rows: Record<string, unknown>[]): R[] {
  const first = rows[0];
  if (!first) return rows as R[];
  const keys = Object.keys(first);
  if (!keys.some((k) => k.endsWith('!') || k.endsWith('?'))) return rows as R[];
  const clean = keys.map((k) => (k.endsWith('!') || k.endsWith('?') ? k.slice(0, -1) : k));
  // New objects with one stable shape: pgtyped's own mapping deletes properties, which turns
  // every row into a slow dictionary-mode object.
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) out[clean[i]!] = row[keys[i]!];
    return out as R;
  });
}

/**
 * Runs a pgtyped query like its own `run(params, conn)`, with the same parameters and result
 * types, but with the statement text built once per query instead of on every call, and rows
 * mapped without deleting properties. Queries with array parameters fall back to `run`.
 */
export async function runTyped<P, R>(query: PreparedQuery<P, R>, params: P, conn: Queryable): Promise<R[]> {
  const ir = (query as unknown as { queryIR: QueryIR }).queryIR;
  let statement = compiled.get(ir);
  if (statement === undefined) {
    statement = compile(ir);
    compiled.set(ir, statement);
  }
  if (statement === null) return query.run(params, conn as never);
  const values = statement.names.map((name) => (params as Record<string, unknown>)[name]);
  const result = await conn.query<Record<string, unknown>>(statement.text, values);
  return mapRows<R>(result.rows);
}
