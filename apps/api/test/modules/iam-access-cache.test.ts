import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { iamMigrations } from '../../src/modules/iam/index.js';
import { AccessService } from '../../src/modules/iam/application/access.service.js';
import type { IamRepositories } from '../../src/modules/iam/domain/iam.store.js';
import { iamRepositoriesOn } from '../../src/modules/iam/infra/iam.store.js';
import type { AuthUser } from '../../src/platform/auth/ports.js';
import { migrateUp } from '../../src/platform/db/migrator.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

/**
 * The access caches (lru-cache) below HTTP, on a real database: a cached lookup survives a change
 * nobody announced until its TTL ends, the least recently used entry goes first when the cache is
 * full, and a change announced while a lookup is in flight keeps that lookup's result out. Rows are
 * changed with plain SQL behind the service's back, so only the cache can explain what it answers.
 */
describe('iam access caches', () => {
  let database: TestDatabase;
  let repos: IamRepositories;

  before(async () => {
    database = await createTestDatabase();
    await migrateUp(database.db, [iamMigrations]);
    repos = iamRepositoriesOn(database.db);
  });
  after(async () => database.drop());

  async function registeredUser(): Promise<AuthUser> {
    const user: AuthUser = { issuer: 'https://issuer.test', subject: `cache-${randomUUID()}`, expiresAt: 0 };
    const profile = { issuer: user.issuer, subject: user.subject, email: null, name: null, givenName: null, familyName: null };
    await repos.users.createUser(profile, { personExternalId: randomUUID(), userExternalId: randomUUID() }, { appId: null, userId: null });
    return user;
  }

  async function forget(user: AuthUser): Promise<void> {
    await database.db.query('DELETE FROM iam.user_account WHERE issuer = $1 AND subject = $2', [user.issuer, user.subject]);
  }

  it('answers from the cache until the TTL ends, then from the database', async () => {
    let clock = 1_000_000;
    const access = new AccessService(repos, { ttlMs: 1_000, now: () => clock });
    const user = await registeredUser();
    const id = await access.findUserId(user);
    assert.ok(id);
    await forget(user);
    clock += 999;
    assert.equal(await access.findUserId(user), id, 'still cached');
    clock += 2;
    assert.equal(await access.findUserId(user), undefined, 'expired');
  });

  it('evicts the least recently used entry when full', async () => {
    const access = new AccessService(repos, { maxEntries: 2 });
    const [a, b, c] = [await registeredUser(), await registeredUser(), await registeredUser()];
    const idA = await access.findUserId(a);
    await access.findUserId(b);
    assert.equal(await access.findUserId(a), idA, 'a is now the most recently used');
    await access.findUserId(c);
    await forget(a);
    await forget(b);
    assert.equal(await access.findUserId(a), idA, 'a stayed');
    assert.equal(await access.findUserId(b), undefined, 'b went');
  });

  it('drops everything on invalidate, and stores nothing a lookup in flight during it found', async () => {
    const access = new AccessService(repos);
    const user = await registeredUser();
    const pending = access.findUserId(user);
    access.invalidate();
    assert.ok(await pending);
    await forget(user);
    assert.equal(await access.findUserId(user), undefined, 'the in-flight result was not stored');
  });
});
