import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bundledSpec } from '../../src/generated/openapi-spec.gen.js';
import { readOperations, type OpenApiDocument } from '../../src/platform/http/spec.js';

/**
 * The default genesis request (config/genesis/request.json, docs/auth.md "Authorization") must follow the bundled
 * spec: every RBAC route has exactly one permission, `sysAdmin` holds all of them and
 * `movieAdmin` exactly the movie routes. Adding an RBAC route without updating the file fails here.
 */

interface Route {
  resource: string;
  operation: string;
}

const requestFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../config/genesis/request.json');
const request = JSON.parse(readFileSync(requestFile, 'utf8')) as {
  permissions: (Route & { description?: string })[];
  roles: { code: string; permissions: Route[] }[];
};
const routeKey = (r: Route) => `${r.operation} ${r.resource}`;
const rbacRoutes = readOperations(bundledSpec as unknown as OpenApiDocument)
  .filter((op) => op.security.rbac)
  .map((op) => `${op.method.toUpperCase()} ${op.path}`)
  .sort();
const movieRoutes = rbacRoutes.filter((r) => / \/api\/v1\/movies(\/|$)/.test(r));

function duplicates(keys: string[]): string[] {
  return keys.filter((k, i) => keys.indexOf(k) !== i);
}

function role(code: string): Route[] {
  const found = request.roles.find((r) => r.code === code);
  assert.ok(found, `config/genesis/request.json has no role ${code}`);
  return found.permissions;
}

describe('config/genesis/request.json', () => {
  it('the bundled spec has RBAC routes, movie routes among them', () => {
    assert.ok(rbacRoutes.length > 0);
    assert.ok(movieRoutes.length > 0);
  });

  it('names every RBAC route of the bundled spec exactly once, and nothing else', () => {
    const declared = request.permissions.map(routeKey);
    assert.deepEqual(duplicates(declared), [], 'permissions named twice');
    assert.deepEqual([...declared].sort(), rbacRoutes, 'permissions = the RBAC routes of the spec');
    for (const p of request.permissions) assert.ok(p.description?.trim(), `${routeKey(p)} has a description`);
  });

  it('gives sysAdmin every RBAC route', () => {
    const keys = role('sysAdmin').map(routeKey);
    assert.deepEqual(duplicates(keys), []);
    assert.deepEqual([...keys].sort(), rbacRoutes);
  });

  it('gives movieAdmin exactly the movie routes', () => {
    const keys = role('movieAdmin').map(routeKey);
    assert.deepEqual(duplicates(keys), []);
    assert.deepEqual([...keys].sort(), movieRoutes);
  });

  it('has unique role codes', () => {
    assert.deepEqual(duplicates(request.roles.map((r) => r.code)), []);
  });
});
