import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestApp } from './app.js';

/** App credentials as headers. */
export type AppCredentialHeaders = {
  'x-app-id': string;
  'x-api-key': string;
};

/** What genesis returned, in the shape tests use. */
export interface GenesisKeys {
  /** The user who ran genesis (holds every role in Principal and the user-initiated org). */
  adminToken: string;
  adminClaims: Record<string, unknown>;
  principal: { orgId: string; appId: string; apiKey: string };
  test: { orgId: string; appId: string; apiKey: string };
  userInitiated: { orgId: string; appId: string; apiKey: string };
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- the raw genesis response
}

/** A fresh org with an app and a registered user holding `roles` there. */
export interface Tenant {
  token: string;
  appId: string;
  apiKey: string;
  orgExternalId: string;
  userExternalId: string;
  /** authorization + x-app-id + x-api-key. */
  headers: Record<string, string>;
  userClaims: { sub: string; given_name: string; family_name: string; name: string; email: string };
}

const genesisByApp = new WeakMap<TestApp, Promise<GenesisKeys>>();

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw JSON
function orgKeys(node: any) {
  return { orgId: node.external_id, appId: node.app.external_id, apiKey: node.app.api_keys[0].key };
}

/** App headers for a key pair. */
export function appHeaders(appId: string, apiKey: string): AppCredentialHeaders {
  return { 'x-app-id': appId, 'x-api-key': apiKey };
}

/** Runs genesis once per test app (default request) and returns the keys. */
export function runGenesis(t: TestApp): Promise<GenesisKeys> {
  let done = genesisByApp.get(t);
  if (!done) {
    done = (async () => {
      const adminClaims = {
        sub: `admin-${randomUUID()}`,
        given_name: 'Ada',
        family_name: 'Admin',
        name: 'Ada Admin',
        email: 'ada@example.test',
      };
      const adminToken = await t.identity.mintToken(adminClaims);
      const res = await t.request('POST', '/api/v1/genesis', { token: adminToken });
      assert.equal(res.status, 201, `genesis failed: ${res.text}`);
      return {
        adminToken,
        adminClaims,
        principal: orgKeys(res.body.principal),
        test: orgKeys(res.body.test),
        userInitiated: orgKeys(res.body.userInitiated),
        body: res.body,
      };
    })();
    genesisByApp.set(t, done);
  }
  return done;
}

/**
 * Creates a tenant through the API as a real client would: the Principal app creates an org with
 * an app, a new user self-registers with that app (getting the self-register roles), then the
 * admin adjusts the user's roles to exactly `roles` (default: movieAdmin).
 */
export async function createTenant(t: TestApp, opts: { roles?: string[] } = {}): Promise<Tenant> {
  const g = await runGenesis(t);
  const admin = { token: g.adminToken, headers: { ...appHeaders(g.principal.appId, g.principal.apiKey) } };
  const suffix = randomUUID().slice(0, 8);
  const org = await t.request('POST', '/api/v1/orgs', {
    ...admin,
    json: { name: `Tenant ${suffix}`, description: 'test tenant', app: { name: `Tenant app ${suffix}` } },
  });
  assert.equal(org.status, 201, org.text);
  const appId: string = org.body.app.external_id;
  const apiKey: string = org.body.app.api_keys[0].key;
  const userClaims = {
    sub: `user-${suffix}`,
    given_name: 'Tess',
    family_name: `Tenant-${suffix}`,
    name: `Tess Tenant-${suffix}`,
    email: `tess-${suffix}@example.test`,
  };
  const token = await t.identity.mintToken(userClaims);
  const reg = await t.request('POST', '/api/v1/users', { token, headers: appHeaders(appId, apiKey) });
  assert.equal(reg.status, 201, reg.text);
  const userExternalId: string = reg.body.external_id;
  const wanted = new Set(opts.roles ?? ['movieAdmin']);
  const members = await t.request('GET', `/api/v1/orgs/${org.body.external_id}/members`, admin);
  const current = new Set<string>(
    members.body.items.find((m: { user_external_id: string }) => m.user_external_id === userExternalId)?.role_codes ?? [],
  );
  for (const code of current) {
    if (!wanted.has(code)) {
      const res = await t.request('DELETE', `/api/v1/orgs/${org.body.external_id}/members/${userExternalId}/roles/${code}`, admin);
      assert.equal(res.status, 200, res.text);
    }
  }
  for (const code of wanted) {
    if (!current.has(code)) {
      const res = await t.request('PUT', `/api/v1/orgs/${org.body.external_id}/members/${userExternalId}/roles/${code}`, admin);
      assert.equal(res.status, 200, res.text);
    }
  }
  return {
    token,
    appId,
    apiKey,
    orgExternalId: org.body.external_id,
    userExternalId,
    headers: { authorization: `Bearer ${token}`, ...appHeaders(appId, apiKey) },
    userClaims,
  };
}

/** authorization + x-app-id + x-api-key of the genesis admin calling through the Principal app. */
export function principalHeaders(g: GenesisKeys): Record<string, string> {
  return { authorization: `Bearer ${g.adminToken}`, ...appHeaders(g.principal.appId, g.principal.apiKey) };
}

/** What {@link pollForStatus} observed. */
export interface PollOutcome {
  /** True when `probe` answered the wanted status before the deadline. */
  reached: boolean;
  /** Milliseconds from the start of polling to the wanted status (or to giving up). */
  elapsedMs: number;
  /** The last status seen. */
  lastStatus: number;
  /** How many probes ran. */
  probes: number;
}

/**
 * Polls `probe` (a request returning its status) every `intervalMs` until it answers `status` or
 * `deadlineMs` has passed since the start. This waits for a condition with a deadline; it never
 * stands in for synchronisation. The first probe runs at once.
 */
export async function pollForStatus(
  probe: () => Promise<number>,
  status: number,
  opts: { deadlineMs: number; intervalMs?: number },
): Promise<PollOutcome> {
  const intervalMs = opts.intervalMs ?? 25;
  const started = performance.now();
  let probes = 0;
  for (;;) {
    const lastStatus = await probe();
    probes += 1;
    const elapsedMs = performance.now() - started;
    if (lastStatus === status) return { reached: true, elapsedMs, lastStatus, probes };
    if (elapsedMs >= opts.deadlineMs) return { reached: false, elapsedMs, lastStatus, probes };
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, opts.deadlineMs - elapsedMs))));
  }
}
