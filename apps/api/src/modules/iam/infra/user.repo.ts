import type { Queryable } from '../../../platform/db/db.js';
import { queriesAbout } from '../../../platform/db/typed-query.js';
import type { Actor } from '../domain/audit.js';
import type { UserRepository } from '../domain/user.repo.js';
import type { User, UserProfile } from '../domain/user.js';
import { actorParams } from './columns.js';
import * as userQueries from './user.queries.js';

const users = queriesAbout(userQueries, 'user');

function toUser(row: userQueries.ISelectUserByExtlIdResult): User {
  return {
    id: row.user_id,
    externalId: row.extl_id,
    issuer: row.issuer,
    subject: row.subject,
    email: row.email,
    name: row.name,
    givenName: row.given_name,
    familyName: row.family_name,
    createdAt: row.create_at,
    updatedAt: row.update_at,
  };
}

/** The profile fields a user row stores beside its identity (issuer, subject), as query parameters. */
export function profileParams(profile: UserProfile) {
  return { email: profile.email, name: profile.name, givenName: profile.givenName, familyName: profile.familyName };
}

/** Users on PostgreSQL (or PGlite) through the typed queries of user.sql. */
export class PgUserRepository implements UserRepository {
  constructor(private readonly db: Queryable) {}

  async findUserByIssuerSubject(issuer: string, subject: string): Promise<User | undefined> {
    const [row] = await users.selectUserByIssuerSubject.run({ issuer, subject }, this.db);
    return row ? toUser(row) : undefined;
  }

  async findUserByExternalId(externalId: string): Promise<User | undefined> {
    const [row] = await users.selectUserByExtlId.run({ extlId: externalId }, this.db);
    return row ? toUser(row) : undefined;
  }

  async createUser(
    profile: UserProfile,
    ids: { personExternalId: string; userExternalId: string },
    actor: Actor,
  ): Promise<{ created: boolean }> {
    const [person] = await users.insertPerson.run({ extlId: ids.personExternalId, ...actorParams(actor) }, this.db);
    const inserted = await users.insertUser.run(
      {
        extlId: ids.userExternalId,
        personId: person!.person_id,
        issuer: profile.issuer,
        subject: profile.subject,
        ...profileParams(profile),
        ...actorParams(actor),
      },
      this.db,
    );
    return { created: inserted.length > 0 };
  }

  async updateUserProfile(userId: string, profile: UserProfile, actor: Actor): Promise<void> {
    await users.updateUserProfile.run({ userId, ...profileParams(profile), ...actorParams(actor) }, this.db);
  }
}
