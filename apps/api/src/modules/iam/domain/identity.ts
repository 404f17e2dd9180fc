import type { User } from './user.js';

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
