import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { postgresRequired, skipUnlessInstalled, skipWithoutPostgres } from '../harness/fixtures.js';

/** A suite that needs PostgreSQL skips on a laptop without one, and fails in CI instead of passing empty. */
describe('suites that need PostgreSQL', () => {
  it('run when the runner started PostgreSQL', () => {
    assert.equal(skipWithoutPostgres({ CHOMPARDO_TEST_PG_ADMIN_URL: 'postgresql://x', CI: 'true' }), false);
  });

  it('skip without PostgreSQL outside CI', () => {
    assert.equal(skipWithoutPostgres({}), 'needs the test PostgreSQL');
    assert.equal(skipWithoutPostgres({ CI: 'false' }), 'needs the test PostgreSQL');
  });

  it('fail without PostgreSQL in CI', () => {
    assert.throws(() => skipWithoutPostgres({ CI: 'true' }), /CI=true but no test PostgreSQL/);
    assert.equal(postgresRequired({ CI: '1' }), true);
    assert.equal(postgresRequired({ CI: '' }), false);
  });
});

/** A suite that needs a tool CI installs (pg_auto_failover, PgBouncer) fails in CI when the tool is missing. */
describe('suites that need an installed tool', () => {
  it('run when it is there, skip outside CI when it is not, and fail in CI when it is not', () => {
    assert.equal(skipUnlessInstalled(false, { CI: 'true' }), false);
    assert.equal(skipUnlessInstalled('needs pgbouncer', {}), 'needs pgbouncer');
    assert.throws(
      () => skipUnlessInstalled('needs pgbouncer', { CI: 'true' }),
      /CI is set, but these tests would be skipped: needs pgbouncer/,
    );
  });
});
