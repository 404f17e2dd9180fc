/** A user: one identity (token issuer + subject) of a person. */
export interface User {
  id: string;
  externalId: string;
  issuer: string;
  subject: string;
  email: string | null;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A user's profile as the token's claims tell it. */
export interface UserProfile {
  issuer: string;
  subject: string;
  email: string | null;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
}
