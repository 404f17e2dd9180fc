import type { Queryable } from './db.js';

/**
 * The runtime of the typed SQL that pgtyped generates from `infra/*.sql`. The generated
 * `*.queries.ts` files import `PreparedQuery` from here instead of `@pgtyped/runtime` (the
 * generator rewrites that import): the same shape of intermediate representation (IR) and the same
 * `run(params, conn)`, without loading pgtyped's SQL parser into the server (about 20 MB), with the
 * statement text built once per query instead of on every call, and with rows mapped without
 * deleting properties. Only scalar parameters are supported (array-spread and pick parameters are
 * rejected when the query is created, i.e. at startup); pass lists as JSON text instead.
 */

/** One parameter of a query in pgtyped's IR. */
interface IrParam {
  name: string;
  required: boolean;
  transform: { type: string };
  locs: { a: number; b: number }[];
}

/** pgtyped's IR of one query. */
export interface QueryIR {
  usedParamSet: Record<string, boolean>;
  params: IrParam[];
  statement: string;
}

/** A connection as generated queries take it. */
export type TypedQueryConnection = Queryable;

/** A column name without pgtyped's nullability hint (`"col!"`, `"col?"`). */
function cleanName(name: string): string {
  return name.endsWith('!') || name.endsWith('?') ? name.slice(0, -1) : name;
}

/**
 * Builds row objects from array rows: one object per row, of one stable shape, with the hints
 * stripped from the names (pgtyped's own mapping deletes the hinted properties, which turns every
 * row into a slow dictionary-mode object).
 */
function toObjects<R>(rows: unknown[][], names: string[]): R[] {
  const out = new Array<R>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) obj[names[i]!] = row[i];
    out[r] = obj as R;
  }
  return out;
}

/**
 * A typed query: `run(params, conn)` binds `params` by name and resolves to the typed rows.
 * Constructed by the generated code from pgtyped's IR.
 */
export class PreparedQuery<TParams, TResult> {
  private readonly text: string;
  /** Parameter names in $1, $2, … order. */
  private readonly names: string[];

  constructor(ir: QueryIR) {
    const used = ir.params.filter((p) => p.name in ir.usedParamSet);
    const intervals: { a: number; b: number; sub: string }[] = [];
    this.names = used.map((param, index) => {
      if (param.transform.type !== 'scalar') {
        throw new Error(`typed SQL: parameter ${param.name} uses a ${param.transform.type} transform; only scalar parameters are supported`);
      }
      for (const loc of param.locs) intervals.push({ ...loc, sub: `$${index + 1}` });
      return param.name;
    });
    intervals.sort((x, y) => x.a - y.a);
    let text = '';
    let at = 0;
    for (const { a, b, sub } of intervals) {
      text += ir.statement.slice(at, a) + sub;
      at = b + 1;
    }
    this.text = text + ir.statement.slice(at);
  }

  /** Column names of the result, computed from the first result's fields. */
  private columns: string[] | undefined;

  /** Runs the query with `params` on `conn` (a pool, a transaction, PGlite). */
  async run(params: TParams, conn: TypedQueryConnection): Promise<TResult[]> {
    const values = this.names.map((name) => (params as Record<string, unknown>)[name]);
    const result = await conn.query<unknown>(this.text, values, { rowMode: 'array' });
    const rows = result.rows;
    if (rows.length === 0) return [];
    // A connection that ignores rowMode answers objects: take them as they are, hints stripped.
    if (!Array.isArray(rows[0])) {
      return (rows as Record<string, unknown>[]).map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [cleanName(k), v])) as TResult);
    }
    this.columns ??= (result.fields ?? []).map((f) => cleanName(f.name));
    return toObjects<TResult>(rows as unknown[][], this.columns);
  }
}
