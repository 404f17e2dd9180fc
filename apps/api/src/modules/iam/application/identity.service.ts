import type { AuthUser, TokenVerifier } from '../../../platform/auth/ports.js';
import { authFailures, isAuthFailureReason } from '../../../platform/auth/auth-failure.js';
import { AppError, isAppError, notFound } from '../../../platform/errors/app-error.js';
import { mapDbError, sqlStateOf } from '../../../platform/db/db-errors.js';
import type { IdentityRepository, IdentityStore } from '../domain/identity.repo.js';
import type { Me, PersonOfUser } from '../domain/identity.js';
import { profileOf, type UserService } from './user.service.js';

/** What linking did: `created` when the user joined the person now, false when it already had. */
export interface LinkResult {
  created: boolean;
  me: Me;
}

/**
 * A person's users at several identity providers (docs/auth.md, "Several identity providers").
 * The caller's own user comes from {@link UserService}; this service adds its person and links
 * users of other trusted issuers to it. Roles stay per user and per org: nothing here grants any.
 */
export class IdentityService {
  constructor(
    private readonly store: IdentityStore,
    private readonly users: UserService,
    private readonly verifier: TokenVerifier,
    private readonly newId: () => string,
  ) {}

  /** The caller's user, its person and that person's identities; AppError `not_found_error` before registration. */
  async findMe(caller: AuthUser): Promise<Me> {
    const user = await this.users.findMe(caller);
    const person = await this.store.repo.findPersonOfUser(caller.issuer, caller.subject);
    if (!person) throw notFound('user');
    return this.meOf(this.store.repo, user, person);
  }

  /**
   * Links the user of `token` (a JWT of any trusted issuer) to the caller's person, creating that
   * user from the token's claims when new. Errors: `invalid_request_error` (400, param `token`,
   * code = the 401 reason such as `token_issuer`) for a token the API would not accept as a bearer
   * token; `not_found_error` when the caller has not registered; `conflict_error` when that user
   * belongs to another person, or the caller's person already has a user of that issuer.
   */
  async linkIdentity(caller: AuthUser, token: string): Promise<LinkResult> {
    const linked = await this.verifyLinkToken(token);
    const user = await this.users.findMe(caller);
    const result = await this.store.transaction(async (repo) => {
      const person = await repo.findPersonOfUser(caller.issuer, caller.subject);
      if (!person) throw notFound('user');
      // Concurrent links into this person wait here, so each sees the users the others added.
      await repo.lockPerson(person.personId);
      let existing = await repo.findPersonOfUser(linked.issuer, linked.subject);
      let created = false;
      if (!existing) {
        const sameIssuer = (await repo.findIdentitiesOfPerson(person.personId)).some((i) => i.issuer === linked.issuer);
        if (sameIssuer) throw issuerTaken();
        created = await insertLinkedUser(repo, person, linked, this.newId(), person.userId);
        // Lost a race with the user's own registration or another link: judge what is there now.
        if (!created) existing = await repo.findPersonOfUser(linked.issuer, linked.subject);
      }
      if (existing && existing.personId !== person.personId) {
        throw new AppError('conflict_error', 'this identity belongs to another person', {
          code: 'identity_of_another_person',
          param: 'token',
        });
      }
      return { created, me: await this.meOf(repo, user, person) };
    });
    return result;
  }

  private async meOf(repo: IdentityRepository, user: Me['user'], person: PersonOfUser): Promise<Me> {
    return { user, personExternalId: person.personExternalId, identities: await repo.findIdentitiesOfPerson(person.personId) };
  }

  /** The token's user, or the 400 that says why the token is refused (its reason, never its content). */
  private async verifyLinkToken(token: string): Promise<AuthUser> {
    try {
      return await this.verifier.verify(token);
    } catch (e) {
      if (!isAppError(e) || e.kind !== 'unauthenticated') throw e;
      const reason = isAuthFailureReason(e.code) ? e.code : 'token_invalid';
      const description = authFailures[reason].description ?? 'invalid token';
      throw new AppError('invalid_request_error', `token: ${description}`, { param: 'token', code: reason, cause: e });
    }
  }
}

function issuerTaken(cause?: unknown): AppError {
  return new AppError('conflict_error', 'your person already has a user of this issuer', {
    code: 'identity_issuer_taken',
    param: 'token',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Inserts the linked user; the (person, issuer) constraint catches a concurrent link of the same issuer. */
async function insertLinkedUser(
  repo: IdentityRepository,
  person: PersonOfUser,
  linked: AuthUser,
  externalId: string,
  actorUserId: string,
): Promise<boolean> {
  try {
    return await repo.createLinkedUser(person.personId, profileOf(linked), externalId, actorUserId);
  } catch (e) {
    if (sqlStateOf(e) === '23505') throw issuerTaken(e);
    throw mapDbError(e);
  }
}
