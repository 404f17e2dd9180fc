/** Public surface of platform authentication: ports, the JWT verifier, bearer parsing and 401 reasons. */
export type * from './ports.js';
export { createJwtVerifier } from './jwt-verifier.js';
export type { IssuerClaimNames, JwtVerifierOptions, JwtVerifierLogger, TrustedIssuer } from './jwt-verifier.js';
export { parseBearer } from './bearer.js';
export { authFailures, bearerChallenge, formatBearerChallenge, quotedString, unauthenticated } from './auth-failure.js';
export type { AuthFailureReason, FailedCredential } from './auth-failure.js';
