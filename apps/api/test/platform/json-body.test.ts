import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../harness/app.js';
import { createTenant, type Tenant } from '../harness/iam.js';

/**
 * Text input means what the client sent: JSON bodies in valid Unicode only (never silently
 * replaced by U+FFFD), strings trimmed before their length limits are checked. Exercised
 * through the movie endpoints (title 1–1000 characters, blank = missing).
 */

const movie = {
  title: 'Repo Man',
  rated: 'R',
  release_date: '1984-03-02',
  run_time: 92,
  director: 'Alex Cox',
  writer: 'Alex Cox',
};

/** The movie as JSON text with `title` spliced in raw (so escapes reach the server as written). */
function withRawTitle(rawTitleJson: string): string {
  return JSON.stringify({ ...movie, title: '@@' }).replace('"@@"', rawTitleJson);
}

/** The movie as JSON bytes whose title holds `bytes` between an `a` and a `b`. */
function invalidUtf8Title(bytes: Buffer): Buffer {
  const [head = '', tail = ''] = withRawTitle('"a@b"').split('@');
  return Buffer.concat([Buffer.from(head), bytes, Buffer.from(tail)]);
}

describe('JSON request bodies', () => {
  let t: TestApp;
  let tenant: Tenant;

  before(async () => {
    t = await startTestApp();
    tenant = await createTenant(t);
  });

  after(async () => {
    await t?.close();
  });

  const postRaw = (body: string | Buffer) =>
    t.request('POST', '/api/v1/movies', { headers: { ...tenant.headers, 'content-type': 'application/json' }, rawBody: body });

  it('refuses a lone surrogate written as a JSON escape, naming the field', async () => {
    for (const title of ['"a\\ud800b"', '"a\\uDC00"', '"\\ud83d"']) {
      const res = await postRaw(withRawTitle(title));
      assert.equal(res.status, 400, title);
      assert.equal(res.body.error.kind, 'input_validation_error');
      assert.equal(res.body.error.param, 'title');
      assert.equal(res.body.error.code, 'invalid_unicode');
    }
  });

  it('checks Unicode as part of body validation: authentication and RBAC come first', async () => {
    const anonymous = await t.request('POST', '/api/v1/movies', {
      headers: { 'content-type': 'application/json' },
      rawBody: withRawTitle('"\\ud800"'),
    });
    assert.equal(anonymous.status, 401);
    const roleless = await createTenant(t, { roles: [] });
    const forbidden = await t.request('POST', '/api/v1/movies', {
      headers: { ...roleless.headers, 'content-type': 'application/json' },
      rawBody: invalidUtf8Title(Buffer.from([0xff])),
    });
    assert.equal(forbidden.status, 403);
  });

  it('refuses a lone surrogate in a nested string, naming its path', async () => {
    const res = await t.request('POST', '/api/v1/recipes', {
      token: tenant.token,
      headers: { 'content-type': 'application/json' },
      rawBody:
        '{"title":"Soup","servings":2,"prep_minutes":1,"cook_minutes":1,"ingredients":[{"name":"salt"},{"name":"x\\udfffy"}],"steps":["boil"]}',
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error.param, 'ingredients[1].name');
  });

  it('refuses bytes that are not UTF-8, naming the field', async () => {
    const invalid = [
      Buffer.from([0xff]),
      Buffer.from([0xc3]), // a truncated two-byte sequence
      Buffer.from([0xed, 0xa0, 0x80]), // a surrogate encoded as UTF-8 (CESU-8)
      Buffer.from([0xc0, 0xaf]), // an overlong '/'
    ];
    for (const bytes of invalid) {
      const res = await postRaw(invalidUtf8Title(bytes));
      assert.equal(res.status, 400, bytes.toString('hex'));
      assert.equal(res.body.error.kind, 'input_validation_error');
      assert.equal(res.body.error.param, 'title');
    }
    const list = await t.request('GET', '/api/v1/movies', { headers: tenant.headers });
    assert.ok(!list.text.includes('\uFFFD'), 'nothing was stored with a replacement character');
  });

  it('keeps valid text exactly, characters outside the BMP and escaped pairs included', async () => {
    const res = await postRaw(withRawTitle('"Caf\\u00e9 \\ud83c\\udfac 😀 \uFFFD"'));
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.title, 'Café 🎬 😀 \uFFFD');
  });

  it('trims before the length limit: 999 characters with surrounding spaces are accepted and stored trimmed', async () => {
    const title = 'x'.repeat(999);
    const res = await t.request('POST', '/api/v1/movies', { headers: tenant.headers, json: { ...movie, title: `   ${title}   ` } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.title, title);
    const read = await t.request('GET', `/api/v1/movies/${res.body.external_id}`, { headers: tenant.headers });
    assert.equal(read.body.title, title);

    const exact = await t.request('POST', '/api/v1/movies', {
      headers: tenant.headers,
      json: { ...movie, title: `\t${'y'.repeat(1000)}\n` },
    });
    assert.equal(exact.status, 201, exact.text);
    assert.equal(exact.body.title.length, 1000);
  });

  it('still refuses 1001 characters, and a blank title as missing', async () => {
    const long = await t.request('POST', '/api/v1/movies', { headers: tenant.headers, json: { ...movie, title: 'x'.repeat(1001) } });
    assert.equal(long.status, 400);
    assert.equal(long.body.error.param, 'title');
    assert.equal(long.body.error.message, 'title must be at most 1000 characters');

    const blank = await t.request('POST', '/api/v1/movies', { headers: tenant.headers, json: { ...movie, title: '   ' } });
    assert.equal(blank.status, 400);
    assert.equal(blank.body.error.param, 'title');
    assert.equal(blank.body.error.message, 'title is required');
  });

  it('answers 400, not 500, to a body nested deeper than any request needs', async () => {
    const depth = 400_000;
    const res = await postRaw(withRawTitle(`"x","extra":${'['.repeat(depth)}${']'.repeat(depth)}`));
    assert.equal(res.status, 400);
    assert.equal(res.body.error.kind, 'invalid_request_error');
    assert.equal(res.body.error.message, 'request body is nested too deeply');
  });

  it('keeps the malformed-JSON and prototype-poisoning answers', async () => {
    const malformed = await postRaw('{"title": ');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.message, 'request body is not valid JSON');
    const poisoned = await postRaw('{"__proto__": {"admin": true}}');
    assert.equal(poisoned.status, 400);
    assert.equal(poisoned.body.error.kind, 'invalid_request_error');
  });
});
