// The SQL the API runs for the movie read, list and create, taken from the API's own generated
// typed queries and its outbox (apps/api/dist, built by `npm run bench`), so the baseline's
// statements cannot drift from the API's: same text, same parameter order. The create is the
// INSERT with its `movie.created` event recorded in the same statement, as the API runs it.
import { randomUUID } from 'node:crypto';
import { movieCreated } from '../../apps/api/dist/modules/movie/events.js';
import { insertMovie, selectMovieByExtlId, selectMoviesPageByOrg } from '../../apps/api/dist/modules/movie/infra/movie.queries.js';
import { EventOutbox } from '../../apps/api/dist/platform/events/outbox.js';

/**
 * Runs a generated query against a recording connection: what PreparedQuery.run sends is the
 * exact statement text and the values in $1, $2, … order. Each parameter is passed as a marker
 * naming it, so the recorded values tell the order of the names.
 */
async function statementOf(query, name, { via = (conn) => conn, extraValues = 0 } = {}) {
  let recorded;
  const recorder = {
    async query(text, values) {
      recorded = { text, values: values.slice(0, values.length - extraValues) };
      return { rows: [], rowCount: 0, fields: [] };
    },
  };
  const params = new Proxy({}, { get: (_target, key) => (typeof key === 'string' ? `${marker}${key}` : undefined) });
  await query.run(params, via(recorder));
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

const marker = '\u0000param:';

/**
 * The create: the INSERT composed with the recording of its event (7 parameters after the
 * INSERT's: event id, name, version, aggregate type and id, org, payload JSON), values in $n order.
 */
async function createStatement() {
  const payload = { movie_external_id: 'x', org_id: '1', title: 'x', created_by_app_external_id: 'x' };
  const via = (conn) => new EventOutbox(undefined).alongside(conn, movieCreated, { aggregateId: 'x', orgId: '1', payload });
  const statement = await statementOf(insertMovie, 'baseline_movie_create', { via, extraValues: 7 });
  return {
    ...statement,
    valuesOf: (values) => [
      ...statement.valuesOf(values),
      randomUUID(),
      movieCreated.name,
      movieCreated.version,
      movieCreated.aggregateType,
      values.extlId,
      values.orgId,
      JSON.stringify({
        movie_external_id: values.extlId,
        org_id: values.orgId,
        title: values.title,
        created_by_app_external_id: values.appExtlId,
      }),
    ],
  };
}

/** The read, list (first page, unfiltered) and create statements of the movie module. */
export async function movieStatements() {
  return {
    read: await statementOf(selectMovieByExtlId, 'baseline_movie_read'),
    list: await statementOf(selectMoviesPageByOrg, 'baseline_movie_list'),
    create: await createStatement(),
  };
}
