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

/** Strips pgtyped's nullability hints (`"col!"`, `"col?"`) from column names, building fresh rows. */
function mapRows<R>(rows: Record<string, unknown>[]): R[] {
  const first = rows[0];
  if (!first) return rows as R[];
  const keys = Object.keys(first);
  if (!keys.some((k) => k.endsWith('!') || k.endsWith('?'))) return rows as R[];
  const clean = keys.map((k) => (k.endsWith('!') || k.endsWith('?') ? k.slice(0, -1) : k));
  // New objects of one stable shape: deleting the hinted properties would turn every row into
  // a slow dictionary-mode object.
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) out[clean[i]!] = row[keys[i]!];
    return out as R;
  });
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

  /** Runs the query with `params` on `conn` (a pool, a transaction, PGlite). */
  async run(params: TParams, conn: TypedQueryConnection): Promise<TResult[]> {
    const values = this.names.map((name) => (params as Record<string, unknown>)[name]);
    const result = await conn.query<Record<string, unknown>>(this.text, values);
    return mapRows<TResult>(result.rows);
  }
}
