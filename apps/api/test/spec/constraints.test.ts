import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../harness/app.js';
import { principalHeaders, runGenesis, type GenesisKeys } from '../harness/iam.js';

/**
 * The request constraints the spec declares and the router enforces (formats, patterns, enums):
 * what they refuse, and that values the server accepted before still pass.
 */

describe('spec constraints', () => {
  let t: TestApp;
  let g: GenesisKeys;
  let movieId: string;
  const admin = () => ({ headers: principalHeaders(g) });
  const movie = { title: 'Repo Man', rated: 'R', release_date: '1984-03-02', run_time: 92, director: 'Alex Cox', writer: 'Alex Cox' };

  before(async () => {
    t = await startTestApp();
    g = await runGenesis(t);
    const created = await t.request('POST', '/api/v1/movies', { ...admin(), json: movie });
    assert.equal(created.status, 201, created.text);
    movieId = created.body.external_id;
  });
  after(async () => t.close());

  const put = (ifMatch: string) =>
    t.request('PUT', `/api/v1/movies/${movieId}`, { headers: { ...principalHeaders(g), 'If-Match': ifMatch }, json: movie });

  it('answers a malformed If-Match with 400 naming the header', async () => {
    for (const value of ['1', '"1', 'W/1', '"1" "2"', '**']) {
      const res = await put(value);
      assert.equal(res.status, 400, `${value}: ${res.text}`);
      assert.equal(res.body.error.kind, 'input_validation_error');
      assert.equal(res.body.error.param, 'If-Match');
    }
  });

  it('still judges well-formed If-Match values by the ETag: weak or stale → 412, a listed current one or * → 200', async () => {
    assert.equal((await put('W/"1"')).status, 412);
    assert.equal((await put('"7", "8"')).status, 412);
    const current = (await t.request('GET', `/api/v1/movies/${movieId}`, admin())).headers.get('etag')!;
    assert.equal((await put(`"99", ${current}`)).status, 200);
    assert.equal((await put('*')).status, 200);
  });

  it('refuses key deactivation dates that are neither YYYY-MM-DD nor RFC 3339, and takes both forms', async () => {
    const appId = g.principal.appId;
    for (const date of ['2099-02-30', '2099-12-31T24:00:00Z', '31.12.2099', '2099-12-31T23:59:59']) {
      const res = await t.request('POST', `/api/v1/apps/${appId}/api-keys`, { ...admin(), json: { deactivation_date: date } });
      assert.equal(res.status, 400, `${date}: ${res.text}`);
      assert.equal(res.body.error.param, 'deactivation_date');
    }
    for (const date of ['2099-12-31', '2099-12-31T23:59:59+01:00', '2099-12-31t23:59:59.5z']) {
      const res = await t.request('POST', `/api/v1/apps/${appId}/api-keys`, { ...admin(), json: { deactivation_date: date } });
      assert.equal(res.status, 201, `${date}: ${res.text}`);
    }
  });

  it('refuses log levels outside the enum (case included), naming global_log_level', async () => {
    for (const level of ['INFO', 'verbose', '']) {
      const res = await t.request('PUT', '/api/v1/logger', { ...admin(), json: { global_log_level: level } });
      assert.equal(res.status, 400, `${level}: ${res.text}`);
      assert.equal(res.body.error.param, 'global_log_level');
    }
  });

  it('refuses a cursor outside the base64url alphabet with 400 naming cursor', async () => {
    const res = await t.request('GET', '/api/v1/movies?cursor=a%2Bb%2F', admin());
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error.param, 'cursor');
  });

  it('reports blank required text as required, as the modules do', async () => {
    const res = await t.request('POST', '/api/v1/movies', { ...admin(), json: { ...movie, title: '' } });
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(res.body.error, { kind: 'input_validation_error', param: 'title', message: 'title is required' });
    const org = await t.request('POST', '/api/v1/orgs', { ...admin(), json: { name: '' } });
    assert.equal(org.status, 400, org.text);
    assert.deepEqual(org.body.error, { kind: 'input_validation_error', param: 'name', message: 'name is required' });
  });
});
