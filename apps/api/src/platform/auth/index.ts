/** Public surface of platform authentication: ports, the JWT verifier and bearer parsing. */
export type * from './ports.js';
export { createJwtVerifier, invalidTokenChallenge } from './jwt-verifier.js';
export type { JwtVerifierOptions, JwtVerifierLogger } from './jwt-verifier.js';
export { parseBearer } from './bearer.js';
