import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { movieMigrations } from '../../src/modules/movie/index.js';
import { MovieService } from '../../src/modules/movie/application/movie.service.js';
import { toMovieDraft, type MovieActor, type MovieInput } from '../../src/modules/movie/domain/movie.js';
import { PgMovieRepository } from '../../src/modules/movie/infra/movie.repo.js';
import { migrateUp } from '../../src/platform/db/migrator.js';
import { AppError } from '../../src/platform/errors/app-error.js';
import { newExternalId } from '../../src/platform/ids/external-id.js';
import { createTestDatabase, type TestDatabase } from '../harness/database.js';
import { movieBody } from '../harness/fixtures.js';
import { toMovieInput } from '../../src/modules/movie/transport/movie.routes.js';

/**
 * The movie service and its PostgreSQL repository against a real database, below HTTP: the SQL
 * that is easy to get wrong (tenancy, keyset pagination, conditional writes, date handling).
 * The HTTP contract is covered by movie.test.ts.
 */

/** The application's input for the shared movie body with wire-named `overrides`. */
function movie(overrides: Record<string, unknown> = {}): MovieInput {
  return toMovieInput(movieBody(overrides));
}

const otto: MovieActor = { appExternalId: 'app-otto', firstName: 'Otto', lastName: 'Maddox' };
const bud: MovieActor = { appExternalId: 'app-bud', firstName: 'Bud', lastName: null };

async function rejectsWith(promise: Promise<unknown>, kind: string, param?: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof AppError, String(e));
    assert.equal(e.kind, kind);
    if (param !== undefined) assert.equal(e.param, param);
    return true;
  });
}

describe('movie repository (PostgreSQL)', () => {
  let database: TestDatabase;
  let service: MovieService;
  let orgSeq = 1000;
  const newOrg = () => String(orgSeq++);

  before(async () => {
    database = await createTestDatabase();
    // A no-op once app-wide migrations include the movie module.
    await migrateUp(database.db, [movieMigrations]);
    service = new MovieService(new PgMovieRepository(database.db), newExternalId);
  });
  after(async () => database.drop());

  it('stores and reads a movie with its audit fields and a YYYY-MM-DD release date', async () => {
    const org = newOrg();
    const created = await service.createMovie(org, otto, movie({ release_date: '1984-03-02T23:30:00-05:00' }));
    assert.equal(created.releaseDate, '1984-03-02');
    assert.equal(created.version, 1);
    assert.deepEqual(created.createdBy, otto);
    assert.deepEqual(created.updatedBy, otto);
    const read = await service.findMovieById(org, created.externalId);
    assert.deepEqual(read, created);
  });

  it('keeps extreme calendar dates exactly (no time-zone shift, four-digit years)', async () => {
    const org = newOrg();
    for (const date of ['0001-01-01', '0999-12-31', '1900-02-28', '2000-02-29', '9999-12-31']) {
      const created = await service.createMovie(org, otto, movie({ release_date: date }));
      assert.equal(created.releaseDate, date);
      assert.equal((await service.findMovieById(org, created.externalId)).releaseDate, date);
    }
  });

  it("never shows, changes or deletes another org's movie", async () => {
    const mine = newOrg();
    const theirs = newOrg();
    const created = await service.createMovie(mine, otto, movie());
    await rejectsWith(service.findMovieById(theirs, created.externalId), 'not_found_error');
    await rejectsWith(service.updateMovie(theirs, bud, created.externalId, movie({ title: 'Hijacked' })), 'not_found_error');
    // 404, not 412: a foreign movie's version is none of the caller's business.
    await rejectsWith(
      service.updateMovie(theirs, bud, created.externalId, movie(), { kind: 'versions', versions: [99] }),
      'not_found_error',
    );
    await rejectsWith(service.deleteMovie(theirs, created.externalId), 'not_found_error');
    assert.deepEqual((await service.findMovies(theirs, { limit: 50 })).movies, []);
    const still = await service.findMovieById(mine, created.externalId);
    assert.equal(still.title, 'Repo Man');
    assert.equal(still.version, 1);
  });

  it('replaces every field on update, bumps the version and keeps the create audit', async () => {
    const org = newOrg();
    const created = await service.createMovie(org, otto, movie());
    const updated = await service.updateMovie(
      org,
      bud,
      created.externalId,
      movie({ title: 'Sid and Nancy', rated: 'R', release_date: '1986-10-03', run_time: 112, director: 'Alex Cox', writer: 'Abbe Wool' }),
    );
    assert.equal(updated.version, 2);
    assert.equal(updated.title, 'Sid and Nancy');
    assert.equal(updated.releaseDate, '1986-10-03');
    assert.equal(updated.writer, 'Abbe Wool');
    assert.deepEqual(updated.createdBy, otto);
    assert.deepEqual(updated.updatedBy, bud);
    assert.equal(updated.createdAt, created.createdAt);
    assert.ok(Date.parse(updated.updatedAt) >= Date.parse(created.updatedAt));
  });

  it('applies If-Match atomically: of concurrent writers holding one version exactly one wins', async () => {
    const org = newOrg();
    const created = await service.createMovie(org, otto, movie());
    const results = await Promise.allSettled(
      ['A', 'B', 'C', 'D', 'E'].map((title) =>
        service.updateMovie(org, otto, created.externalId, movie({ title }), { kind: 'versions', versions: [1] }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.ok(lost.every((r) => r.reason instanceof AppError && r.reason.kind === 'precondition_failed_error'));
    assert.equal((await service.findMovieById(org, created.externalId)).version, 2);
    await rejectsWith(service.deleteMovie(org, created.externalId, { kind: 'versions', versions: [1] }), 'precondition_failed_error');
    await service.deleteMovie(org, created.externalId, { kind: 'versions', versions: [2] });
    await rejectsWith(service.findMovieById(org, created.externalId), 'not_found_error');
    await rejectsWith(service.deleteMovie(org, created.externalId, { kind: 'any' }), 'not_found_error');
  });

  it('loses nothing under 50 concurrent creates', async () => {
    const org = newOrg();
    const created = await Promise.all(Array.from({ length: 50 }, (_, i) => service.createMovie(org, otto, movie({ title: `M${i}` }))));
    const listed = await service.findMovies(org, { limit: 200 });
    assert.equal(listed.movies.length, 50);
    assert.deepEqual(new Set(listed.movies.map((m) => m.externalId)), new Set(created.map((m) => m.externalId)));
    assert.equal(listed.nextKey, undefined);
  });

  it('pages newest first without duplicates or gaps while movies are being created', async () => {
    const org = newOrg();
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push((await service.createMovie(org, otto, movie({ title: `P${i}` }))).externalId);
    const seen: string[] = [];
    let after: string[] | undefined;
    let pages = 0;
    do {
      const page = await service.findMovies(org, { limit: 5, ...(after ? { after } : {}) });
      assert.ok(page.movies.length <= 5);
      seen.push(...page.movies.map((m) => m.externalId));
      after = page.nextKey;
      pages++;
      // Rows created while paging are newer than the cursor: they never shift the older ones.
      if (pages === 2) await Promise.all([1, 2, 3].map((n) => service.createMovie(org, bud, movie({ title: `late${n}` }))));
    } while (after);
    assert.deepEqual(seen, [...ids].reverse());
    assert.equal(pages, 5);
  });

  it('filters by title (case-insensitive contains, wildcards literal), director (exact, any case) and years', async () => {
    const org = newOrg();
    const add = (title: string, director: string, release_date: string) =>
      service.createMovie(org, otto, movie({ title, director, release_date }));
    await add('Repo Man', 'Alex Cox', '1984-03-02');
    await add('Sid and Nancy', 'Alex Cox', '1986-10-03');
    await add('Straight to Hell', 'alex cox', '1987-06-26');
    await add('100% Repo_Man', 'Alex Coxe', '1999-01-01');
    await add('Paris, Texas', 'Wim Wenders', '1984-05-19');
    const titles = async (filters: Parameters<MovieService['findMovies']>[1]) =>
      (await service.findMovies(org, filters)).movies.map((m) => m.title).sort();

    assert.deepEqual(await titles({ limit: 50, title: 'REPO' }), ['100% Repo_Man', 'Repo Man']);
    assert.deepEqual(await titles({ limit: 50, title: '%' }), ['100% Repo_Man']);
    assert.deepEqual(await titles({ limit: 50, title: 'o_M' }), ['100% Repo_Man']);
    assert.deepEqual(await titles({ limit: 50, title: '  ' }), await titles({ limit: 50 }));
    assert.deepEqual(await titles({ limit: 50, director: 'ALEX COX' }), ['Repo Man', 'Sid and Nancy', 'Straight to Hell']);
    assert.deepEqual(await titles({ limit: 50, director: 'Alex' }), []);
    assert.deepEqual(await titles({ limit: 50, releaseYearFrom: 1984, releaseYearTo: 1984 }), ['Paris, Texas', 'Repo Man']);
    assert.deepEqual(await titles({ limit: 50, releaseYearFrom: 1986 }), ['100% Repo_Man', 'Sid and Nancy', 'Straight to Hell']);
    assert.deepEqual(await titles({ limit: 50, releaseYearTo: 1985 }), ['Paris, Texas', 'Repo Man']);
    assert.deepEqual(await titles({ limit: 50, director: 'alex cox', releaseYearFrom: 1985, title: 'to' }), ['Straight to Hell']);
    await rejectsWith(
      service.findMovies(org, { limit: 50, releaseYearFrom: 1990, releaseYearTo: 1980 }),
      'input_validation_error',
      'release_year_to',
    );
  });

  it('maps a database error where the query runs: a duplicate id is a 409 naming the movie and the query', async () => {
    const org = newOrg();
    const repo = new PgMovieRepository(database.db);
    const draft = toMovieDraft(movie());
    const first = await repo.createMovie(org, newExternalId(), draft, otto);
    await assert.rejects(repo.createMovie(org, first.externalId, draft, otto), (e: unknown) => {
      assert.ok(e instanceof AppError, String(e));
      assert.deepEqual([e.kind, e.code, e.message, e.ops], ['conflict_error', 'already_exists', 'movie already exists', ['insertMovie']]);
      assert.equal((e.cause as { code?: string }).code, '23505');
      return true;
    });
  });

  it('answers a forged cursor with 400, never reaching PostgreSQL with garbage', async () => {
    const org = newOrg();
    for (const after of [
      ['not a time', 'x'],
      ['2024-13-45T99:99:99.000000Z', 'x'],
      ['2024-01-01T00:00:00Z', 'x'],
      ['2023-02-29T00:00:00.000000Z', 'x'],
    ]) {
      await rejectsWith(service.findMovies(org, { limit: 5, after }), 'input_validation_error', 'cursor');
    }
  });
});
