import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

/**
 * The second identity provider the spec's examples speak for: the `linkIdentity` example carries
 * a real token of this issuer (signed once with an Ed25519 key that was then thrown away, valid
 * until 2100). Its public key is here, so a test can trust the issuer and send the example as is.
 */
export const exampleIssuer = {
  issuer: 'https://accounts.example.com',
  audience: 'chompardo-api',
  subject: 'example-user-1',
  publicJwk: {
    crv: 'Ed25519',
    x: 'HYK_E12Y1XJ5WhIiDAxQ-AmY0z27rfzoQBu9CLlGJ_o',
    kty: 'OKP',
    kid: 'example-2026',
    alg: 'EdDSA',
    use: 'sig',
  } as JWK,
} as const;

/** A JWKS endpoint on 127.0.0.1 serving the example issuer's public key. */
export async function startExampleIssuerJwks(): Promise<{ jwksUrl: string; close(): Promise<void> }> {
  const body = JSON.stringify({ keys: [exampleIssuer.publicJwk] });
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/jwks`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
