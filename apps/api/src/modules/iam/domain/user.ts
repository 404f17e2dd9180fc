/** A user's profile as the token's claims tell it. */
export interface UserProfile {
  issuer: string;
  subject: string;
  email: string | null;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
}

/** A user: one identity (token issuer + subject) of a person, with its profile as last seen. */
export interface User extends UserProfile {
  id: string;
  externalId: string;
  createdAt: Date;
  updatedAt: Date;
}
