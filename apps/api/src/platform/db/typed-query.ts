import type { Queryable, QueryResult } from './db.js';
import { mapDbError } from './db-errors.js';

/**
 * The runtime of the typed SQL that pgtyped generates from `infra/*.sql`. The generated
 * `*.queries.ts` files import `PreparedQuery` from here instead of `@pgtyped/runtime` (the
 * generator rewrites that import and passes each query its name): the same shape of intermediate
 * representation (IR) and the same `run(params, conn)`, without loading pgtyped's SQL parser into
 * the server (about 20 MB), with the statement text built once per query instead of on every
 * call, and with rows mapped without deleting properties. Only scalar parameters are supported
 * (array-spread and pick parameters are rejected when the query is created, i.e. at startup);
 * pass lists as JSON text instead.
 *
 * This is also the one place where driver errors become AppErrors: `run` maps every failure with
 * `mapDbError` (op = the query's name, resource = what the repository said the query is about, see
 * {@link queriesAbout}), so repositories and services never catch to map.
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
 * What a query's rows are, as a unique violation or a still-referenced row tells the client
 * (`<resource> already exists`, `<resource> is still in use`): a noun (`movie`), or a phrase built
 * from the query's parameters that names the duplicate (`an org named "Acme"`).
 */
export type ResourceNoun<TParams> = string | ((params: TParams) => string);

/**
 * A typed query: `run(params, conn)` binds `params` by name and resolves to the typed rows, or
 * rejects with an AppError (see the file comment). Constructed by the generated code from
 * pgtyped's IR and the query's name.
 */
export class PreparedQuery<TParams, TResult> {
  /** The query's name in its `.sql` file (`@name`): the op recorded on its errors. */
  readonly name: string;
  private readonly ir: QueryIR;
  private readonly resource: ResourceNoun<TParams> | undefined;
  private readonly text: string;
  /** Parameter names in $1, $2, … order. */
  private readonly names: string[];

  constructor(ir: QueryIR, name: string, resource?: ResourceNoun<TParams>) {
    this.ir = ir;
    this.name = name;
    this.resource = resource;
    const used = ir.params.filter((p) => p.name in ir.usedParamSet);
    const intervals: { a: number; b: number; sub: string }[] = [];
    this.names = used.map((param, index) => {
      if (param.transform.type !== 'scalar') {
        throw new Error(
          `typed SQL: parameter ${param.name} uses a ${param.transform.type} transform; only scalar parameters are supported`,
        );
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

  /** The same query, its client messages naming `resource` (see {@link ResourceNoun}). */
  about(resource: ResourceNoun<TParams>): PreparedQuery<TParams, TResult> {
    return new PreparedQuery<TParams, TResult>(this.ir, this.name, resource);
  }

  /**
   * Runs the query with `params` on `conn` (a pool, a transaction, PGlite). Rejects with the
   * AppError `mapDbError` makes of the driver's error (kinds: conflict, input validation, invalid
   * request, unavailable, internal), recording this query's name as its op.
   */
  async run(params: TParams, conn: TypedQueryConnection): Promise<TResult[]> {
    const values = this.names.map((name) => (params as Record<string, unknown>)[name]);
    let result: QueryResult<unknown>;
    try {
      result = await conn.query<unknown>(this.text, values, { rowMode: 'array' });
    } catch (e) {
      const resource = typeof this.resource === 'function' ? this.resource(params) : this.resource;
      throw mapDbError(e, { op: this.name, ...(resource === undefined ? {} : { resource }) });
    }
    const rows = result.rows;
    if (rows.length === 0) return [];
    // A connection that ignores rowMode answers objects: take them as they are, hints stripped.
    if (!Array.isArray(rows[0])) {
      return (rows as Record<string, unknown>[]).map(
        (row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [cleanName(k), v])) as TResult,
      );
    }
    this.columns ??= (result.fields ?? []).map((f) => cleanName(f.name));
    return toObjects<TResult>(rows as unknown[][], this.columns);
  }
}

/** The phrases a repository gives some queries of a generated module instead of its noun. */
export type ResourcePhrases<Q> = {
  [K in keyof Q]?: Q[K] extends PreparedQuery<infer P, infer _R> ? (params: P) => string : never;
};

/**
 * The queries of one generated module (`import * as queries from './x.queries.js'`), each about
 * `resource` — or about the phrase `phrases` builds for it — for the client messages of their
 * errors (see {@link ResourceNoun}). A repository calls it once, beside its imports: that is where
 * its queries' nouns are declared.
 */
export function queriesAbout<Q extends Record<string, unknown>>(queries: Q, resource: string, phrases: ResourcePhrases<Q> = {}): Q {
  const described: Record<string, unknown> = {};
  for (const [key, query] of Object.entries(queries)) {
    // Each phrase takes its own query's parameters (ResourcePhrases); the loop cannot say so.
    const phrase = (phrases as Record<string, ResourceNoun<unknown> | undefined>)[key];
    described[key] = query instanceof PreparedQuery ? (query as PreparedQuery<unknown, unknown>).about(phrase ?? resource) : query;
  }
  return described as Q;
}
