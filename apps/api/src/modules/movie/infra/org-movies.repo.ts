import type { Queryable } from '../../../platform/db/db.js';
import type { OrgMovies } from '../domain/org-movies.js';
import { deleteMoviesOfOrg } from './org-movies.queries.js';

/** {@link OrgMovies} on `db` (a delivery's transaction). */
export class PgOrgMovies implements OrgMovies {
  constructor(private readonly db: Queryable) {}

  async deleteMoviesOfOrg(orgId: string): Promise<void> {
    await deleteMoviesOfOrg.run({ orgId }, this.db);
  }
}
