import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/platform/config/index.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'chompardo-issuers-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirCount = 0;

function load(env: Record<string, string>, document?: unknown) {
  const cwd = path.join(scratch, `case-${++dirCount}`);
  mkdirSync(path.join(cwd, 'config'), { recursive: true });
  if (document !== undefined) writeFileSync(path.join(cwd, 'config', 'config.json'), JSON.stringify(document));
  return loadConfig({ argv: [], env, cwd });
}

function assertConfigError(run: () => unknown, key: string, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    assert.equal(error.key, key);
    assert.match(error.message, message);
    return true;
  });
}

const two = [
  { issuer: 'https://id.example.com', audience: 'chompardo', jwks_url: 'https://id.example.com/jwks' },
  {
    issuer: 'https://login.example.org/tenant/v2.0',
    audience: ['api://chompardo', 'chompardo'],
    claims: { email: 'preferred_username', given_name: 'gn' },
  },
];

describe('AUTH_ISSUERS', () => {
  it('without it, the single-issuer settings make the one trusted issuer', () => {
    const config = load({ AUTH_ISSUER: 'https://a.example', AUTH_AUDIENCE: 'x,y', AUTH_JWKS_URL: 'https://a.example/keys' });
    assert.deepEqual(config.auth.issuers, [{ issuer: 'https://a.example', audience: ['x', 'y'], jwksUrl: 'https://a.example/keys' }]);
  });

  it('reads a JSON list from the environment: audiences as string or list, optional jwks_url and claim names', () => {
    const config = load({ AUTH_ISSUERS: JSON.stringify(two) });
    assert.deepEqual(config.auth.issuers, [
      { issuer: 'https://id.example.com', audience: ['chompardo'], jwksUrl: 'https://id.example.com/jwks' },
      {
        issuer: 'https://login.example.org/tenant/v2.0',
        audience: ['api://chompardo', 'chompardo'],
        claims: { email: 'preferred_username', givenName: 'gn' },
      },
    ]);
  });

  it('reads the list itself from a config file target', () => {
    const config = load({}, { default_target: 'local', targets: [{ target: 'local', auth_issuers: two }] });
    assert.equal(config.auth.issuers.length, 2);
    assert.equal(config.auth.issuers[1]?.jwksUrl, undefined);
  });

  it('refuses to be combined with AUTH_ISSUER, AUTH_AUDIENCE or AUTH_JWKS_URL, naming them', () => {
    assertConfigError(
      () => load({ AUTH_ISSUERS: JSON.stringify(two), AUTH_ISSUER: 'https://a.example', AUTH_JWKS_URL: 'https://a.example/keys' }),
      'AUTH_ISSUERS',
      /replaces AUTH_ISSUER, AUTH_JWKS_URL/,
    );
  });

  it('refuses invalid lists with a message naming the key and the place', () => {
    assertConfigError(() => load({ AUTH_ISSUERS: '[{"issuer":' }), 'AUTH_ISSUERS', /JSON array/);
    assertConfigError(() => load({ AUTH_ISSUERS: '[]' }), 'AUTH_ISSUERS', /non-empty JSON array/);
    assertConfigError(() => load({ AUTH_ISSUERS: '[{"issuer":"https://a.example"}]' }), 'AUTH_ISSUERS', /at 0\.audience/);
    assertConfigError(
      () => load({ AUTH_ISSUERS: '[{"issuer":"https://a.example","audience":"x","jwks_url":"ftp://k"}]' }),
      'AUTH_ISSUERS',
      /at 0\.jwks_url/,
    );
    assertConfigError(
      () => load({ AUTH_ISSUERS: '[{"issuer":"https://a.example","audience":"x","jwks":"https://k"}]' }),
      'AUTH_ISSUERS',
      /JSON array/,
    );
    assertConfigError(
      () => load({ AUTH_ISSUERS: '[{"issuer":"https://a.example","audience":"x","claims":{"mail":"m"}}]' }),
      'AUTH_ISSUERS',
      /claims/,
    );
    assertConfigError(
      () => load({ AUTH_ISSUERS: '[{"issuer":"https://a.example","audience":"x"},{"issuer":"https://a.example","audience":"y"}]' }),
      'AUTH_ISSUERS',
      /listed twice/,
    );
  });
});
