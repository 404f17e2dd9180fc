/**
 * The typed client of the Chompardo API: openapi-fetch over the types openapi-typescript
 * generates from the bundled spec (`src/schema.gen.ts`, rewritten by `npm run generate`), so
 * paths, parameters, bodies and responses are checked against the API the server serves.
 */
import createClient from 'openapi-fetch';
import type { Client, Middleware } from 'openapi-fetch';
import type { paths } from './schema.gen.js';

export type { components, operations, paths } from './schema.gen.js';

/**
 * Where the user's JWT comes from: a fixed token, or a function asked before every request (for
 * tokens that expire and are renewed; it may return undefined to send none).
 */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

/** Options of {@link createChompardoClient}. */
export interface ChompardoClientOptions {
  /** Base URL of the API without a trailing path, e.g. `http://127.0.0.1:4000`. */
  baseUrl: string;
  /** The user's JWT, sent as `Authorization: Bearer <token>` (docs/auth.md). */
  token?: TokenSource;
  /** The calling app's external id, sent as `X-APP-ID` (only together with {@link apiKey}). */
  appId?: string;
  /** An API key of that app (`chk_…`), sent as `X-API-KEY`. */
  apiKey?: string;
  /** A fetch implementation; default `globalThis.fetch`. */
  fetch?: (input: Request) => Promise<Response>;
}

/** A client of the Chompardo API: `GET`, `POST`, `PUT`, `DELETE`, … typed by path. */
export type ChompardoClient = Client<paths>;

/**
 * Creates a client of the API at `options.baseUrl`. Every request gets `Authorization`,
 * `X-APP-ID` and `X-API-KEY` from the options that are set, unless the call itself already sets
 * that header (so one call can act as another user or app). Sending only one of the two app
 * headers is refused by the API (401), so giving only one of appId/apiKey is an error here.
 * Calls resolve to openapi-fetch's `{ data, error, response }`: `data` on 2xx, `error` (the
 * parsed error body, or undefined for bodiless 401/403) otherwise; they never throw on HTTP
 * status, only on network failure.
 * @throws TypeError when exactly one of appId and apiKey is given.
 */
export function createChompardoClient(options: ChompardoClientOptions): ChompardoClient {
  const { baseUrl, token, appId, apiKey } = options;
  if ((appId === undefined) !== (apiKey === undefined)) {
    throw new TypeError('createChompardoClient: appId and apiKey go together (give both or neither)');
  }
  const client = createClient<paths>({ baseUrl: baseUrl.replace(/\/+$/, ''), ...(options.fetch ? { fetch: options.fetch } : {}) });
  const credentials: Middleware = {
    async onRequest({ request }) {
      const setDefault = (name: string, value: string | undefined): void => {
        if (value !== undefined && value !== '' && !request.headers.has(name)) request.headers.set(name, value);
      };
      const jwt = typeof token === 'function' ? await token() : token;
      setDefault('Authorization', jwt ? `Bearer ${jwt}` : undefined);
      setDefault('X-APP-ID', appId);
      setDefault('X-API-KEY', apiKey);
      return request;
    },
  };
  client.use(credentials);
  return client;
}
