import type { Identity, PersonOfUser } from './identity.js';
import type { UserProfile } from './user.js';

/** Storage of persons and their users (port); tables `iam.person` and `iam.user_account`. */
export interface IdentityRepository {
  /** The person of the user (issuer, subject), or undefined when no such user exists. */
  findPersonOfUser(issuer: string, subject: string): Promise<PersonOfUser | undefined>;
  /** Locks the person's row until the transaction ends: links into one person happen one at a time. */
  lockPerson(personId: string): Promise<void>;
  /** Every user of the person, oldest first. */
  findIdentitiesOfPerson(personId: string): Promise<Identity[]>;
  /**
   * Inserts a user into an existing person. False when (issuer, subject) already exists (nothing
   * written); a second user of the same issuer in the person violates `user_account_person_issuer_uk`.
   */
  createLinkedUser(personId: string, profile: UserProfile, externalId: string, actorUserId: string): Promise<boolean>;
}

/** The repository outside and inside a transaction. */
export interface IdentityStore {
  repo: IdentityRepository;
  transaction<T>(fn: (repo: IdentityRepository) => Promise<T>): Promise<T>;
}
