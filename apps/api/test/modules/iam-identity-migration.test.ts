import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { iamMigrations } from '../../src/modules/iam/index.js';
import { migrateDown, migrateUp } from '../../src/platform/db/migrator.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';

/** iam migration 0003 (one user per person and issuer) reverts and re-applies on a database with data. */
describe('iam migration 0003_person_identities', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => database?.drop());

  const constraintExists = async (): Promise<boolean> => {
    const res = await database.db.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM pg_constraint WHERE conname = 'user_account_person_issuer_uk' AND conrelid = 'iam.user_account'::regclass",
    );
    return res.rows[0]?.n === '1';
  };
  const insertUser = (subject: string, issuer: string) =>
    database.db.query(
      "INSERT INTO iam.user_account (extl_id, person_id, issuer, subject) SELECT $1, person_id, $2, $1 FROM iam.person WHERE extl_id = 'mig-person'",
      [subject, issuer],
    );

  it('goes down and up again, keeping the users, and holds one user per person and issuer when up', async () => {
    await database.db.query("INSERT INTO iam.person (extl_id) VALUES ('mig-person')");
    await insertUser('mig-a', 'https://a.example');
    await insertUser('mig-b', 'https://b.example');
    assert.equal(await constraintExists(), true);
    await assert.rejects(insertUser('mig-a2', 'https://a.example'), (e: { code?: string }) => e.code === '23505');

    const reverted = await migrateDown(database.db, [iamMigrations], { module: 'iam', steps: 1 });
    assert.deepEqual(
      reverted.map((step) => step.name),
      ['0003_person_identities'],
    );
    assert.equal(await constraintExists(), false);

    const applied = await migrateUp(database.db, [iamMigrations], { module: 'iam' });
    assert.deepEqual(
      applied.map((step) => step.name),
      ['0003_person_identities'],
    );
    assert.equal(await constraintExists(), true);
    const users = await database.db.query<{ n: string }>("SELECT count(*)::text AS n FROM iam.user_account WHERE subject LIKE 'mig-%'");
    assert.equal(users.rows[0]?.n, '2');
  });
});
