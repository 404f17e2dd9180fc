import type { User, UserProfile } from './user.js';

/** One user of a person, at one identity provider. */
export interface Identity {
  issuer: string;
  subject: string;
}

/** Where a user belongs: its internal id and its person's ids. */
export interface PersonOfUser {
  userId: string;
  personId: string;
  personExternalId: string;
}

/** The caller's user with its person and every identity (user) of that person, oldest first. */
export interface Me {
  user: User;
  personExternalId: string;
  identities: Identity[];
}

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
