import type { Actor } from './audit.js';
import type { User, UserProfile } from './user.js';

/** Storage of users (port); tables `iam.person` and `iam.user_account`. */
export interface UserRepository {
  findUserByIssuerSubject(issuer: string, subject: string): Promise<User | undefined>;
  findUserByExternalId(externalId: string): Promise<User | undefined>;
  /** Inserts person + user; `created` false when (issuer, subject) already existed. */
  createUser(profile: UserProfile, ids: { personExternalId: string; userExternalId: string }, actor: Actor): Promise<{ created: boolean }>;
  updateUserProfile(userId: string, profile: UserProfile, actor: Actor): Promise<void>;
}
