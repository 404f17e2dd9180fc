import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp, type TestResponse } from '../harness/app.js';
import { createTenant, type Tenant } from '../harness/iam.js';
import { startTestIdentity, type TestIdentity } from '../harness/identity.js';

function assertApiHeaders(res: TestResponse, what: string): void {
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(res.headers.get('x-frame-options'), 'DENY', what);
  assert.match(res.headers.get('content-security-policy') ?? '', /^default-src 'none'; ?frame-ancestors 'none'$/, what);
  assert.equal(res.headers.get('cache-control'), 'no-store', what);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer', what);
  assert.ok(res.headers.get('request-id'), what);
}

describe('security headers and CORS', () => {
  let identity: TestIdentity;

  before(async () => {
    identity = await startTestIdentity();
  });

  after(async () => {
    await identity?.close();
  });

  describe('without CORS_ORIGINS', () => {
    let t: TestApp;
    let tenant: Tenant;

    before(async () => {
      t = await startTestApp({ identity });
      tenant = await createTenant(t);
    });

    after(async () => {
      await t?.close();
    });

    it('sends no-sniff, no-framing, no-store and a closed CSP on every API answer, errors included', async () => {
      assertApiHeaders(await t.request('GET', '/healthz'), 'public');
      assertApiHeaders(await t.request('GET', '/api/v1/movies', { headers: tenant.headers }), 'authenticated');
      assertApiHeaders(await t.request('GET', '/api/v1/movies'), '401');
      assertApiHeaders(await t.request('GET', '/nowhere'), '404');
      assertApiHeaders(await t.request('POST', '/api/v1/movies', { headers: tenant.headers, json: {} }), '400');
    });

    it('lets the docs page load its own scripts and styles, still never framed', async () => {
      const res = await t.request('GET', '/docs');
      assert.equal(res.status, 200);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.match(res.text, /<title>Chompardo API reference<\/title>/);
      // Its assets come from the API itself (no CDN), and answer 404 in the API's shape when absent.
      const bundle = await t.request('GET', '/docs/static/swagger-ui-bundle.js', { skipSpecCheck: true });
      assert.equal(bundle.status, 200);
      assert.match(bundle.headers.get('content-type') ?? '', /javascript/);
      assert.equal(bundle.headers.get('cache-control'), 'public, max-age=3600');
      assert.equal((await t.request('GET', '/docs/static/nothing-here.js', { skipSpecCheck: true })).status, 404);
    });

    it('grants no cross-origin access', async () => {
      const res = await t.request('GET', '/api/v1/movies', { headers: { ...tenant.headers, origin: 'https://app.example.com' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), null);
    });
  });

  describe('with CORS_ORIGINS', () => {
    let t: TestApp;
    let tenant: Tenant;

    before(async () => {
      t = await startTestApp({ identity, env: { CORS_ORIGINS: 'https://app.example.com, https://admin.example.com' } });
      tenant = await createTenant(t);
    });

    after(async () => {
      await t?.close();
    });

    it('answers the preflight of an allowed origin with 204 and what may be sent', async () => {
      const res = await t.request('OPTIONS', '/api/v1/movies', {
        headers: {
          origin: 'https://app.example.com',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, x-app-id, x-api-key',
        },
        skipSpecCheck: true,
      });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
      assert.match(res.headers.get('access-control-allow-methods') ?? '', /\bPOST\b/);
      const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
      for (const header of ['authorization', 'content-type', 'x-app-id', 'x-api-key', 'idempotency-key', 'if-match'])
        assert.ok(allowed.includes(header), header);
      assert.equal(res.headers.get('vary'), 'Origin');
      assert.equal(res.headers.get('access-control-allow-credentials'), null);
    });

    it('lets an allowed origin read responses and their headers', async () => {
      const res = await t.request('GET', '/api/v1/movies', { headers: { ...tenant.headers, origin: 'https://admin.example.com' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), 'https://admin.example.com');
      assert.match(res.headers.get('access-control-expose-headers') ?? '', /Request-Id.*ETag.*Location/);
    });

    it('treats an OPTIONS without Access-Control-Request-Method as no preflight: its route answers', async () => {
      const res = await t.request('OPTIONS', '/api/v1/movies', { headers: { origin: 'https://app.example.com' }, skipSpecCheck: true });
      assert.equal(res.status, 405);
      assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
      assert.equal(res.headers.get('access-control-allow-methods'), null);
      assertApiHeaders(res, 'OPTIONS without preflight');
    });

    it('sends the security headers and Request-Id on a preflight answer too', async () => {
      const res = await t.request('OPTIONS', '/api/v1/movies', {
        headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
        skipSpecCheck: true,
      });
      assert.equal(res.status, 204);
      assertApiHeaders(res, 'preflight');
    });

    it('gives an origin outside the list nothing', async () => {
      const simple = await t.request('GET', '/api/v1/movies', { headers: { ...tenant.headers, origin: 'https://evil.example.net' } });
      assert.equal(simple.headers.get('access-control-allow-origin'), null);
      assert.equal(simple.headers.get('vary'), 'Origin');
      const preflight = await t.request('OPTIONS', '/api/v1/movies', {
        headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'DELETE' },
        skipSpecCheck: true,
      });
      assert.equal(preflight.status, 405);
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    });
  });
});
