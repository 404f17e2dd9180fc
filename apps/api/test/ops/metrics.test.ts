import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeConfig } from '../../src/platform/config/index.js';
import { createMetrics } from '../../src/platform/metrics/metrics.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';

/** The value of the sample `name{labels}` in a Prometheus exposition, if present. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('HTTP response metrics', () => {
  it('counts each response in the first bucket whose bound holds it (cumulative, +Inf last), with the sum and count per series', async () => {
    const metrics = createMetrics({ processMetrics: false });
    // Milliseconds, as the server reports them: 1 ms sits on the first bound, 99 s above the last.
    for (const ms of [0.5, 1, 7, 30_000, 99_000]) metrics.observeResponse('GET', '/x/{id}', 200, ms);
    metrics.observeResponse('POST', '/x', 201, 3);
    const text = await metrics.render();
    const get = 'method="GET",route="/x/{id}",status="200"';
    assert.equal(sample(text, `http_requests_total{${get}}`), 5);
    assert.equal(sample(text, `http_request_duration_seconds_bucket{le="0.001",${get}}`), 2);
    assert.equal(sample(text, `http_request_duration_seconds_bucket{le="0.005",${get}}`), 2);
    assert.equal(sample(text, `http_request_duration_seconds_bucket{le="0.01",${get}}`), 3);
    assert.equal(sample(text, `http_request_duration_seconds_bucket{le="10",${get}}`), 3);
    assert.equal(sample(text, `http_request_duration_seconds_bucket{le="30",${get}}`), 4);
    assert.equal(sample(text, `http_request_duration_seconds_bucket{le="+Inf",${get}}`), 5);
    assert.equal(sample(text, `http_request_duration_seconds_count{${get}}`), 5);
    assert.ok(Math.abs(sample(text, `http_request_duration_seconds_sum{${get}}`)! - 129.0085) < 1e-9);
    assert.equal(sample(text, 'http_requests_total{method="POST",route="/x",status="201"}'), 1);
    assert.equal(sample(text, 'http_request_duration_seconds_bucket{le="0.0025",method="POST",route="/x",status="201"}'), 0);
    assert.equal(sample(text, 'http_request_duration_seconds_bucket{le="0.005",method="POST",route="/x",status="201"}'), 1);
    assert.match(text, /^# TYPE http_request_duration_seconds histogram$/m);
    assert.match(text, /^# TYPE http_requests_total counter$/m);
  });
});

describe('GET /metrics', () => {
  let identity: TestIdentity;

  before(async () => {
    identity = await startTestIdentity();
  });

  after(async () => {
    await identity?.close();
  });

  describe('without METRICS_TOKEN', () => {
    let t: TestApp;

    before(async () => {
      t = await startTestApp({ identity, env: { TRUST_PROXY: 'loopback' } });
    });

    after(async () => {
      await t?.close();
    });

    it('serves Prometheus text with request counts and latency by route template and status, pool and process metrics', async () => {
      await t.request('GET', '/healthz');
      await t.request('GET', '/healthz');
      const token = await t.token();
      assert.equal((await t.request('GET', '/api/v1/recipes/doesnotexist', { token })).status, 404);
      assert.equal((await t.request('GET', '/no/such/path')).status, 404);

      const res = await fetch(`${t.baseUrl}/metrics`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const text = await res.text();
      assert.equal(sample(text, 'http_requests_total{method="GET",route="/healthz",status="200"}'), 2);
      assert.equal(sample(text, 'http_request_duration_seconds_count{method="GET",route="/healthz",status="200"}'), 2);
      assert.equal(sample(text, 'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/healthz",status="200"}'), 2);
      assert.equal(sample(text, 'http_requests_total{method="GET",route="/api/v1/recipes/{extlId}",status="404"}'), 1);
      assert.equal(sample(text, 'http_requests_total{method="GET",route="(unmatched)",status="404"}'), 1);
      assert.ok((sample(text, 'db_pool_connections{state="total"}') ?? -1) >= 1);
      assert.notEqual(sample(text, 'db_pool_connections{state="idle"}'), undefined);
      assert.equal(sample(text, 'db_pool_waiting_clients'), 0);
      assert.equal(sample(text, 'db_pool_max_connections'), 10);
      assert.match(text, /^process_cpu_user_seconds_total \d/m);
      assert.match(text, /^process_resident_memory_bytes \d/m);
      assert.match(text, /^nodejs_eventloop_lag_seconds \d/m);
    });

    it('refuses clients that are not on loopback', async () => {
      const res = await fetch(`${t.baseUrl}/metrics`, { headers: { 'x-forwarded-for': '198.51.100.7' } });
      assert.equal(res.status, 403);
      assert.equal(await res.text(), '');
    });

    it('answers other methods with 405 and Allow', async () => {
      const res = await fetch(`${t.baseUrl}/metrics`, { method: 'POST' });
      assert.equal(res.status, 405);
      assert.equal(res.headers.get('allow'), 'GET, HEAD');
    });
  });

  describe('with METRICS_TOKEN', () => {
    let t: TestApp;

    before(async () => {
      t = await startTestApp({ identity, env: { METRICS_TOKEN: 'scrape-secret-1', TRUST_PROXY: 'loopback' } });
    });

    after(async () => {
      await t?.close();
    });

    it('requires the token from every client, loopback included', async () => {
      const none = await fetch(`${t.baseUrl}/metrics`);
      assert.equal(none.status, 401);
      assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="chompardo"');
      const wrong = await fetch(`${t.baseUrl}/metrics`, { headers: { authorization: 'Bearer scrape-secret-2' } });
      assert.equal(wrong.status, 401);
      assert.equal(
        wrong.headers.get('www-authenticate'),
        'Bearer realm="chompardo", error="invalid_token", error_description="invalid token"',
      );
      const remote = await fetch(`${t.baseUrl}/metrics`, {
        headers: { authorization: 'Bearer scrape-secret-1', 'x-forwarded-for': '198.51.100.7' },
      });
      assert.equal(remote.status, 200);
      assert.match(await remote.text(), /^# TYPE http_requests_total counter$/m);
    });

    it('keeps the token out of the startup log and the access log', async () => {
      assert.equal(describeConfig(t.config).metricsToken, '***');
      assert.ok(!JSON.stringify(t.logs).includes('scrape-secret-1'));
    });
  });
});
