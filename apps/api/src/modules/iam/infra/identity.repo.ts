import type { Db, Queryable } from '../../../platform/db/db.js';
import type { IdentityRepository, IdentityStore } from '../domain/identity.repo.js';
import type { Identity, PersonOfUser } from '../domain/identity.js';
import type { UserProfile } from '../domain/user.js';
import * as identities from './identity.queries.js';
import { profileParams } from './user.repo.js';

/** Persons and their users on PostgreSQL (or PGlite) through the typed queries of identity.sql. */
export class PgIdentityRepository implements IdentityRepository {
  constructor(private readonly db: Queryable) {}

  async findPersonOfUser(issuer: string, subject: string): Promise<PersonOfUser | undefined> {
    const [row] = await identities.selectPersonOfUser.run({ issuer, subject }, this.db);
    return row ? { userId: row.user_id, personId: row.person_id, personExternalId: row.person_extl_id } : undefined;
  }

  async lockPerson(personId: string): Promise<void> {
    await identities.lockPerson.run({ personId }, this.db);
  }

  async findIdentitiesOfPerson(personId: string): Promise<Identity[]> {
    const rows = await identities.selectIdentitiesOfPerson.run({ personId }, this.db);
    return rows.map((row) => ({ issuer: row.issuer, subject: row.subject }));
  }

  async createLinkedUser(personId: string, profile: UserProfile, externalId: string, actorUserId: string): Promise<boolean> {
    const inserted = await identities.insertLinkedUser.run(
      {
        extlId: externalId,
        personId,
        issuer: profile.issuer,
        subject: profile.subject,
        ...profileParams(profile),
        actorUserId,
      },
      this.db,
    );
    return inserted.length > 0;
  }
}

/**
 * The identity store on a database. Linking changes no grant, role or key, so nothing is
 * announced to the access caches.
 */
export function createIdentityStore(db: Db): IdentityStore {
  return {
    repo: new PgIdentityRepository(db),
    transaction: (fn) => db.transaction((tx) => fn(new PgIdentityRepository(tx))),
  };
}
