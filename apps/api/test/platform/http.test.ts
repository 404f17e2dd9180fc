import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../harness/app.js';

const validRecipe = {
  title: 'Pancakes',
  servings: 4,
  ingredients: [{ name: 'flour', quantity: '200', unit: 'g' }],
  steps: ['Mix', 'Fry'],
};

/** Sends a raw HTTP request (for chunked bodies and header tricks fetch will not do). */
function rawRequest(
  baseUrl: string,
  options: { method: string; path: string; headers?: Record<string, string>; chunks?: string[] },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: options.method, path: options.path, headers: options.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end();
  });
}

describe('platform HTTP behaviour', () => {
  let t: TestApp;
  let token: string;
  before(async () => {
    t = await startTestApp({ env: { BODY_LIMIT: '4096' } });
    token = await t.token();
  });
  after(async () => t.close());

  it('answers an unknown path with a JSON 404 and a Request-Id', async () => {
    const res = await t.request('GET', '/api/v1/nothing-here');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.kind, 'not_found_error');
    assert.match(res.headers.get('request-id') ?? '', /^[A-Za-z0-9._-]+$/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
  });

  it('answers a known path with a wrong method 405 and Allow', async () => {
    const res = await t.request('PATCH', '/api/v1/recipes');
    assert.equal(res.status, 405);
    assert.equal(res.body.error.kind, 'method_not_allowed_error');
    assert.deepEqual(res.headers.get('allow')?.split(', ').sort(), ['GET', 'HEAD', 'POST']);
    assert.ok(res.headers.get('request-id'));
  });

  it('reuses a safe incoming Request-Id or X-Request-Id and replaces an unsafe one', async () => {
    const reused = await t.request('GET', '/healthz', { headers: { 'Request-Id': 'abc.DEF_123-x' } });
    assert.equal(reused.headers.get('request-id'), 'abc.DEF_123-x');
    const x = await t.request('GET', '/healthz', { headers: { 'X-Request-Id': 'from-proxy-1' } });
    assert.equal(x.headers.get('request-id'), 'from-proxy-1');
    const unsafe = await t.request('GET', '/healthz', { headers: { 'Request-Id': 'bad id with spaces' } });
    assert.notEqual(unsafe.headers.get('request-id'), 'bad id with spaces');
    assert.match(unsafe.headers.get('request-id') ?? '', /^[A-Za-z0-9._-]{1,128}$/);
    const tooLong = await t.request('GET', '/healthz', { headers: { 'Request-Id': 'a'.repeat(129) } });
    assert.notEqual(tooLong.headers.get('request-id'), 'a'.repeat(129));
  });

  it('writes one access line per request with the request id and diygoapi fields', async () => {
    const res = await t.request('GET', '/healthz', {
      headers: { 'Request-Id': 'access-line-check', 'User-Agent': 'ua-test', Referer: 'http://ref.example/' },
    });
    assert.equal(res.status, 200);
    const line = t.logs.find((l) => l.request_id === 'access-line-check' && l.message === 'request logged');
    assert.ok(line, 'access line written');
    for (const field of ['method', 'url', 'status', 'size', 'duration', 'remote_ip', 'user_agent', 'referer']) {
      assert.ok(field in line, `access line has ${field}`);
    }
    assert.equal(line.status, 200);
    assert.equal(line.user_agent, 'ua-test');
  });

  it("logs what a request logs itself (an error answer) with the request's id, as its access line", async () => {
    const res = await t.request('GET', '/no/such/route', { headers: { 'Request-Id': 'request-logger-check' } });
    assert.equal(res.status, 404);
    const lines = t.logs.filter((l) => l.request_id === 'request-logger-check');
    assert.deepEqual(lines.map((l) => l.message).sort(), ['error response sent to client', 'request logged']);
    // The binding comes first on both lines, as a pino child logger writes it.
    for (const line of lines) assert.deepEqual(Object.keys(line).slice(0, 3), ['level', 'time', 'request_id']);
  });

  it('never logs the bearer token or API keys', async () => {
    await t.request('GET', '/api/v1/recipes', { token, headers: { 'X-API-KEY': 'chk_secret_value', 'Request-Id': 'redaction-check' } });
    const text = JSON.stringify(t.logs);
    assert.ok(!text.includes(token), 'token not in logs');
    assert.ok(!text.includes('chk_secret_value'), 'api key not in logs');
  });

  it('rejects a body that is not application/json with 415', async () => {
    const res = await t.request('POST', '/api/v1/recipes', { token, rawBody: 'title=x', headers: { 'content-type': 'text/plain' } });
    assert.equal(res.status, 415);
    assert.equal(res.body.error.kind, 'unsupported_media_type_error');
    const form = await t.request('POST', '/api/v1/recipes', {
      token,
      rawBody: 'a=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 415);
  });

  it('accepts application/json with parameters', async () => {
    const res = await t.request('POST', '/api/v1/recipes', {
      token,
      rawBody: JSON.stringify(validRecipe),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    assert.equal(res.status, 201);
  });

  it('checks media type and size before authentication', async () => {
    const res = await t.request('POST', '/api/v1/recipes', { rawBody: 'x', headers: { 'content-type': 'text/plain' } });
    assert.equal(res.status, 415);
  });

  it('rejects a body over BODY_LIMIT with 413, also when chunked', async () => {
    const big = JSON.stringify({ ...validRecipe, description: 'x'.repeat(5000) });
    const res = await t.request('POST', '/api/v1/recipes', { token, rawBody: big, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 413);
    assert.equal(res.body.error.kind, 'payload_too_large_error');
    const chunked = await rawRequest(t.baseUrl, {
      method: 'POST',
      path: '/api/v1/recipes',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'transfer-encoding': 'chunked' },
      chunks: [big.slice(0, 2500), big.slice(2500)],
    });
    assert.equal(chunked.status, 413);
    assert.equal(JSON.parse(chunked.body).error.kind, 'payload_too_large_error');
  });

  for (const [name, raw] of [
    ['malformed JSON', '{"title": '],
    ['an empty body', ''],
    ['null', 'null'],
    ['an array', '[]'],
    ['a string', '"recipe"'],
    ['a number', '42'],
  ] as const) {
    it(`answers ${name} with 400 invalid_request_error`, async () => {
      const res = await t.request('POST', '/api/v1/recipes', { token, rawBody: raw, headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error.kind, 'invalid_request_error');
    });
  }

  it('answers a wrong-type value with 400 naming the property', async () => {
    const res = await t.request('POST', '/api/v1/recipes', { token, json: { ...validRecipe, servings: '4' } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.kind, 'input_validation_error');
    assert.equal(res.body.error.param, 'servings');
  });

  it('rejects unknown properties naming them, so clients cannot set server fields', async () => {
    for (const field of ['external_id', 'owner', 'created_at', 'surprise']) {
      const res = await t.request('POST', '/api/v1/recipes', { token, json: { ...validRecipe, [field]: 'x' } });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.kind, 'input_validation_error');
      assert.equal(res.body.error.param, field);
    }
    const nested = await t.request('POST', '/api/v1/recipes', {
      token,
      json: { ...validRecipe, ingredients: [{ name: 'x', colour: 'red' }] },
    });
    assert.equal(nested.status, 400);
    assert.equal(nested.body.error.param, 'ingredients[0].colour');
  });

  it('rejects prototype-poisoning bodies with 400', async () => {
    const res = await t.request('POST', '/api/v1/recipes', {
      token,
      rawBody: '{"title":"x","__proto__":{"admin":true}}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 400);
  });

  it('rejects a body on an operation that takes none', async () => {
    const created = await t.request('POST', '/api/v1/recipes', { token, json: validRecipe });
    const res = await t.request('DELETE', `/api/v1/recipes/${created.body.external_id}`, { token, json: { really: true } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.kind, 'invalid_request_error');
  });

  it('answers 401 with an empty body and a Bearer challenge when no token is sent', async () => {
    const res = await t.request('GET', '/api/v1/recipes');
    assert.equal(res.status, 401);
    assert.equal(res.text, '');
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="chompardo"');
    assert.ok(res.headers.get('request-id'));
  });

  it('answers limit above 200 and a tampered cursor with 400', async () => {
    const big = await t.request('GET', '/api/v1/recipes?limit=201', { token });
    assert.equal(big.status, 400);
    assert.equal(big.body.error.param, 'limit');
    const zero = await t.request('GET', '/api/v1/recipes?limit=0', { token });
    assert.equal(zero.status, 400);
    const word = await t.request('GET', '/api/v1/recipes?limit=ten', { token });
    assert.equal(word.status, 400);
    const cursor = await t.request('GET', '/api/v1/recipes?cursor=not-a-cursor', { token });
    assert.equal(cursor.status, 400);
    assert.equal(cursor.body.error.param, 'cursor');
  });

  it('serves the bundled spec as JSON and YAML, and the docs page with local assets', async () => {
    const json = await t.request('GET', '/openapi.json');
    assert.equal(json.status, 200);
    assert.equal(json.body.openapi, '3.1.0');
    assert.ok(json.body.paths['/api/v1/recipes']);
    const yaml = await t.request('GET', '/openapi.yaml');
    assert.equal(yaml.status, 200);
    assert.match(yaml.headers.get('content-type') ?? '', /yaml/);
    assert.match(yaml.text, /^openapi: 3\.1\.0/m);
    const docs = await t.request('GET', '/docs');
    assert.equal(docs.status, 200);
    assert.match(docs.headers.get('content-type') ?? '', /text\/html/);
    const assets = [...docs.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.length >= 2);
    for (const asset of assets) {
      assert.ok(asset.startsWith('/'), `asset ${asset} is served locally`);
      const res = await t.request('GET', asset);
      assert.equal(res.status, 200, asset);
    }
  });

  it('reports liveness, readiness and ping', async () => {
    assert.deepEqual((await t.request('GET', '/healthz')).body, { status: 'ok' });
    const ready = await t.request('GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready', checks: { database: 'up', jwks: 'up' } });
    assert.deepEqual((await t.request('GET', '/api/v1/ping')).body, { db_up: true });
  });
});
