import { personNameOf } from '../../../platform/auth/authenticated.js';
import type { AuthApp, AuthUser } from '../../../platform/auth/ports.js';
import { notFound } from '../../../platform/errors/app-error.js';
import type { IamStore } from '../domain/iam.store.js';
import { userRegistered } from '../events.js';
import type { User, UserProfile } from '../domain/user.js';

/** The user's profile from the token's claims; given and family name by the platform's one rule (personNameOf). */
export function profileOf(user: AuthUser): UserProfile {
  const { firstName, lastName } = personNameOf(user);
  return {
    issuer: user.issuer,
    subject: user.subject,
    email: user.email ?? null,
    name: user.name ?? null,
    givenName: firstName,
    familyName: lastName,
  };
}

/**
 * Self-registration and the caller's own user. Registration is idempotent: the first call
 * creates the user (person + user from the token's claims), later calls refresh the profile;
 * every call links the user to the app's org and grants the configured roles there.
 */
export class UserService {
  constructor(
    private readonly store: IamStore<'users' | 'orgs' | 'rbac'>,
    private readonly selfRegisterRoles: string[],
    private readonly newId: () => string,
  ) {}

  /** Registers the caller in the app's org; `created` tells a new user from an existing one. */
  async registerUser(user: AuthUser, app: AuthApp): Promise<{ user: User; created: boolean }> {
    const profile = profileOf(user);
    return this.store.transaction(async (tx) => {
      let existing = await tx.users.findUserByIssuerSubject(user.issuer, user.subject);
      let created = false;
      if (!existing) {
        const result = await tx.users.createUser(
          profile,
          { personExternalId: this.newId(), userExternalId: this.newId() },
          { appId: app.id, userId: null },
        );
        created = result.created;
        existing = await tx.users.findUserByIssuerSubject(user.issuer, user.subject);
      } else {
        await tx.users.updateUserProfile(existing.id, profile, { appId: app.id, userId: existing.id });
      }
      const registered = existing!;
      const actor = { appId: app.id, userId: registered.id };
      await tx.orgs.addMember(app.orgId, registered.id, actor);
      for (const code of this.selfRegisterRoles) {
        const roleId = await tx.rbac.findRoleId(code);
        if (roleId) await tx.orgs.grantRole(app.orgId, registered.id, roleId, actor);
      }
      if (created)
        await tx.events.record(userRegistered, {
          aggregateId: registered.externalId,
          orgId: app.orgId,
          payload: { user_external_id: registered.externalId, org_id: app.orgId, app_external_id: app.externalId },
        });
      await tx.notifyChange('user');
      return { user: (await tx.users.findUserByExternalId(registered.externalId))!, created };
    });
  }

  /** The caller's user; 404 before registration. */
  async findMe(user: AuthUser): Promise<User> {
    const found = await this.store.users.findUserByIssuerSubject(user.issuer, user.subject);
    if (!found) throw notFound('user');
    return found;
  }
}
