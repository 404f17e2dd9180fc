// The SQL the API runs for the movie read, list and create, taken from the API's own generated
// typed queries (apps/api/dist, built by `npm run bench`), so the baseline's statements cannot
// drift from the API's: same text, same parameter order.
import { insertMovie, selectMovieByExtlId, selectMoviesPageByOrg } from '../../apps/api/dist/modules/movie/infra/movie.queries.js';

/**
 * Runs a generated query against a recording connection: what PreparedQuery.run sends is the
 * exact statement text and the values in $1, $2, … order. Each parameter is passed as a marker
 * naming it, so the recorded values tell the order of the names.
 */
async function statementOf(query, name) {
  let recorded;
  const recorder = {
    async query(text, values) {
      recorded = { text, values };
      return { rows: [], rowCount: 0, fields: [] };
    },
  };
  const marker = '\u0000param:';
  const params = new Proxy({}, { get: (_target, key) => (typeof key === 'string' ? `${marker}${key}` : undefined) });
  await query.run(params, recorder);
  if (!recorded) throw new Error(`${name}: the typed query sent nothing`);
  const order = recorded.values.map((value) => {
    if (typeof value !== 'string' || !value.startsWith(marker)) throw new Error(`${name}: unexpected parameter value ${String(value)}`);
    return value.slice(marker.length);
  });
  return {
    /** Statement name for the driver's prepared statement. */
    name,
    text: recorded.text,
    /** The parameter names in $n order. */
    order,
    /** Values in $n order from named parameters (absent = null, as pg sends undefined). */
    valuesOf: (values) => order.map((key) => values[key] ?? null),
  };
}

/** The read, list (first page, unfiltered) and create statements of the movie module. */
export async function movieStatements() {
  return {
    read: await statementOf(selectMovieByExtlId, 'baseline_movie_read'),
    list: await statementOf(selectMoviesPageByOrg, 'baseline_movie_list'),
    create: await statementOf(insertMovie, 'baseline_movie_create'),
  };
}
