import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK, JWTHeaderParameters } from 'jose';

/** Signing algorithms the test identity can publish keys for. */
export type TestSigningAlgorithm = 'EdDSA' | 'RS256' | 'ES256';

/** Options of {@link startTestIdentity}. */
export interface TestIdentityOptions {
  /** `iss` of minted tokens; default `http://127.0.0.1:<port>` (like the real identity service). */
  issuer?: string;
  /** `aud` of minted tokens; default the issuer (as the real identity service does). */
  audience?: string;
  /** Algorithms with a published key; default `['EdDSA']`. EdDSA keys are always published. */
  algorithms?: TestSigningAlgorithm[];
  /**
   * The `issuer` the OpenID Connect discovery document at `/.well-known/openid-configuration`
   * names (always served; `jwks_uri` points at the JWKS); default the issuer.
   */
  discoveryIssuer?: string;
}

/** Options of {@link TestIdentity.mintToken}. */
export interface MintOptions {
  /** The `kid` header; default the kid of the signing key. Any string makes an unknown kid. */
  kid?: string;
  /**
   * Which key signs: `current` (default) the newest published key of `alg`; `other` the oldest
   * published key of `alg` that is not current (exists after {@link TestIdentity.rotateKey});
   * `rogue` a key that is never published, used with the current key's kid unless `kid` is given.
   */
  key?: 'current' | 'other' | 'rogue';
  /** Signing algorithm; default `EdDSA`. */
  alg?: TestSigningAlgorithm;
  /** Extra protected header parameters (e.g. `jwk`, `jku`), merged over alg/kid/typ. */
  header?: Record<string, unknown>;
  /** Seconds from now to `exp`; default 900. Negative values mint an expired token. */
  expiresIn?: number;
  /** Claims to leave out of the payload (e.g. `['sub']`, `['exp']`). */
  omit?: string[];
}

/** A running test identity provider (see {@link startTestIdentity}). */
export interface TestIdentity {
  /** URL of the JWKS endpoint (`/api/auth/jwks`). */
  jwksUrl: string;
  issuer: string;
  audience: string;
  /**
   * Mints a signed JWT. Payload = default claims (iss, aud, random sub, email, name, given_name,
   * family_name, iat now, exp now + expiresIn) overridden by `claims`, minus `opts.omit`.
   */
  mintToken(claims?: Record<string, unknown>, opts?: MintOptions): Promise<string>;
  /** The default claims of a fresh token, overridden by `claims` (for crafted tokens). */
  defaultClaims(claims?: Record<string, unknown>): Record<string, unknown>;
  /** Publishes a new current EdDSA key (or of `alg`); the previous ones stay published. */
  rotateKey(alg?: TestSigningAlgorithm): Promise<void>;
  /** Unpublishes every key that is not the current one of its algorithm. */
  retireOldKeys(): void;
  /** While down, the JWKS endpoint answers 503. */
  setAvailable(up: boolean): void;
  /** Requests received by the JWKS endpoint so far (503s included). */
  jwksFetchCount(): number;
  /** URL of the discovery document (`/.well-known/openid-configuration`). */
  discoveryUrl: string;
  /** Requests received by the discovery document so far (503s included). */
  discoveryFetchCount(): number;
  /** Public JWK of the current key of `alg` (default EdDSA), with `kid` and `alg`. */
  publicJwk(alg?: TestSigningAlgorithm): JWK;
  /** Stops the server and drops its connections. */
  close(): Promise<void>;
}

interface TestKey {
  kid: string;
  alg: TestSigningAlgorithm;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

const jwksPath = '/api/auth/jwks';
const discoveryPath = '/.well-known/openid-configuration';

async function createTestKey(alg: TestSigningAlgorithm): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg === 'EdDSA' ? 'Ed25519' : alg);
  const kid = randomUUID();
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

/**
 * Starts a test identity provider on 127.0.0.1 (random port): a JWKS endpoint serving Ed25519 keys
 * (plus RS256/ES256 keys when asked) and an in-process token minter with the same keys. Each test
 * file starts its own and closes it; nothing is shared between instances.
 */
export async function startTestIdentity(opts: TestIdentityOptions = {}): Promise<TestIdentity> {
  const algorithms = new Set<TestSigningAlgorithm>(['EdDSA', ...(opts.algorithms ?? [])]);
  let published: TestKey[] = [];
  for (const alg of algorithms) published.push(await createTestKey(alg));
  const rogueKeys = new Map<TestSigningAlgorithm, TestKey>();
  let available = true;
  let fetches = 0;
  let discoveryFetches = 0;

  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === discoveryPath) {
      discoveryFetches += 1;
      if (!available) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable"}');
        return;
      }
      const document = {
        issuer: opts.discoveryIssuer ?? issuer,
        jwks_uri: `${origin}${jwksPath}`,
        id_token_signing_alg_values_supported: [...algorithms],
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document));
      return;
    }
    if (req.method !== 'GET' || path !== jwksPath) {
      res.writeHead(404).end();
      return;
    }
    fetches += 1;
    if (!available) {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable"}');
      return;
    }
    const body = JSON.stringify({ keys: published.map((k) => k.publicJwk) });
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const issuer = opts.issuer ?? origin;
  const audience = opts.audience ?? issuer;

  function currentKey(alg: TestSigningAlgorithm): TestKey {
    // The newest published key of alg is current.
    const key = published.findLast((k) => k.alg === alg);
    if (key === undefined) throw new Error(`test identity publishes no ${alg} key`);
    return key;
  }

  async function rogueKey(alg: TestSigningAlgorithm): Promise<TestKey> {
    let key = rogueKeys.get(alg);
    if (key === undefined) {
      key = await createTestKey(alg);
      rogueKeys.set(alg, key);
    }
    return key;
  }

  function defaultClaims(claims: Record<string, unknown> = {}): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    const sub = `user-${randomBytes(8).toString('hex')}`;
    return {
      iss: issuer,
      aud: audience,
      sub,
      email: `${sub}@example.test`,
      name: 'Test User',
      given_name: 'Test',
      family_name: 'User',
      iat: now,
      exp: now + 900,
      ...claims,
    };
  }

  return {
    jwksUrl: `${origin}${jwksPath}`,
    issuer,
    audience,
    defaultClaims,
    async mintToken(claims = {}, mint = {}) {
      const alg = mint.alg ?? 'EdDSA';
      const payload = defaultClaims();
      if (mint.expiresIn !== undefined) payload.exp = (payload.iat as number) + mint.expiresIn;
      Object.assign(payload, claims);
      for (const claim of mint.omit ?? []) delete payload[claim];

      let signer: TestKey;
      let kid: string;
      if (mint.key === 'rogue') {
        signer = await rogueKey(alg);
        kid = mint.kid ?? (published.findLast((k) => k.alg === alg) ?? currentKey('EdDSA')).kid;
      } else if (mint.key === 'other') {
        const current = currentKey(alg);
        const other = published.find((k) => k.alg === alg && k !== current);
        if (other === undefined) throw new Error(`test identity has no other ${alg} key (rotate first)`);
        signer = other;
        kid = mint.kid ?? other.kid;
      } else {
        signer = currentKey(alg);
        kid = mint.kid ?? signer.kid;
      }
      const header = { alg, kid, typ: 'JWT', ...mint.header } as JWTHeaderParameters;
      return new SignJWT(payload).setProtectedHeader(header).sign(signer.privateKey);
    },
    async rotateKey(alg = 'EdDSA') {
      algorithms.add(alg);
      published = [...published, await createTestKey(alg)];
    },
    retireOldKeys() {
      const current = new Set([...algorithms].map((alg) => currentKey(alg)));
      published = published.filter((k) => current.has(k));
    },
    setAvailable(up) {
      available = up;
    },
    jwksFetchCount: () => fetches,
    discoveryUrl: `${origin}${discoveryPath}`,
    discoveryFetchCount: () => discoveryFetches,
    publicJwk: (alg = 'EdDSA') => ({ ...currentKey(alg).publicJwk }),
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // fetch keeps connections alive; without this close() waits for their idle timeout.
        server.closeAllConnections();
      });
    },
  };
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * A token jose refuses to produce: `alg: none` with an empty signature (`header.payload.`).
 * `header` is merged over `{ alg: 'none', typ: 'JWT' }`.
 */
export function craftUnsignedToken(payload: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  return `${base64urlJson({ alg: 'none', typ: 'JWT', ...header })}.${base64urlJson(payload)}.`;
}

/**
 * The algorithm-confusion attack: an HS256 token whose HMAC secret is the server's public key —
 * the raw Ed25519 public key bytes (`x` of the JWK) by default, or the JWK's JSON text when
 * `secretForm` is `'jwk-json'`. `kid` defaults to the JWK's kid.
 */
export function craftHs256WithPublicKey(payload: Record<string, unknown>, publicJwk: JWK, secretForm: 'raw' | 'jwk-json' = 'raw'): string {
  const secret = secretForm === 'raw' ? Buffer.from(publicJwk.x ?? '', 'base64url') : Buffer.from(JSON.stringify(publicJwk));
  const signingInput = `${base64urlJson({ alg: 'HS256', typ: 'JWT', kid: publicJwk.kid })}.${base64urlJson(payload)}`;
  const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

/** Rewrites the payload of a signed token (claims merged over the original) and keeps its signature. */
export function tamperPayload(token: string, changes: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined) throw new Error('not a compact JWS');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${header}.${base64urlJson({ ...claims, ...changes })}.${signature}`;
}
