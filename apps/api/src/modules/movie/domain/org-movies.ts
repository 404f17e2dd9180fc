/** The movies of whole orgs (port), for reacting to an org's lifecycle; bound to one transaction. */
export interface OrgMovies {
  /** Deletes every movie of org `orgId` (internal id); nothing when it has none. */
  deleteMoviesOfOrg(orgId: string): Promise<void>;
}
