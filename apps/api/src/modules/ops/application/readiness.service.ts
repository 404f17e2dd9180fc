/** What readiness checks look at; built by module.ts from the database and the token verifier. */
export interface ReadinessProbes {
  /** True when the database answers. */
  databaseUp(): Promise<boolean>;
  /** True while the verifier holds usable keys. */
  jwksUp(): boolean;
  /** True once shutdown has begun (the instance must leave the load balancer). */
  shuttingDown(): boolean;
}

/** The readiness verdict of the instance. */
export interface Readiness {
  ready: boolean;
  checks: { database: 'up' | 'down'; jwks: 'up' | 'down' };
}

/** Evaluates readiness: ready when the database and the JWKS are up and shutdown has not begun. */
export async function checkReadiness(probes: ReadinessProbes): Promise<Readiness> {
  const database = (await probes.databaseUp()) ? 'up' : 'down';
  const jwks = probes.jwksUp() ? 'up' : 'down';
  return { ready: database === 'up' && jwks === 'up' && !probes.shuttingDown(), checks: { database, jwks } };
}
