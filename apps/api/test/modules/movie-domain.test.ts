import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { personNameOf } from '../../src/platform/auth/authenticated.js';
import { AppError } from '../../src/platform/errors/app-error.js';
import { parseReleaseDate, toMovieCriteria, toMovieDraft, type Movie, type MovieInput } from '../../src/modules/movie/domain/movie.js';
import { toMovieBody, toMovieInput } from '../../src/modules/movie/transport/movie.routes.js';
import { movieBody } from '../harness/fixtures.js';

/** The application's input for the shared movie body with wire-named `overrides`. */
function input(overrides: Record<string, unknown> = {}): MovieInput {
  return toMovieInput(movieBody(overrides));
}

/** Asserts that `fn` throws an input_validation_error with exactly these fields. */
function assertRejects(fn: () => unknown, expected: { param: string; message: string; code?: string }): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AppError, `expected an AppError, got ${String(e)}`);
    assert.equal(e.kind, 'input_validation_error');
    assert.equal(e.param, expected.param);
    assert.equal(e.message, expected.message);
    assert.equal(e.code, expected.code);
    return true;
  });
}

describe('movie validation (toMovieDraft)', () => {
  it('normalises a valid movie: trimmed strings, release date as YYYY-MM-DD', () => {
    const draft = toMovieDraft(input({ title: '  Repo Man\t', rated: ' R ', director: '\nAlex Cox ', writer: ' Alex Cox' }));
    assert.deepEqual(draft, {
      title: 'Repo Man',
      rated: 'R',
      releaseDate: '1984-03-02',
      runTime: 92,
      director: 'Alex Cox',
      writer: 'Alex Cox',
    });
  });

  for (const field of ['title', 'rated', 'release_date', 'director', 'writer'] as const) {
    it(`reports an empty or blank ${field} as "${field} is required"`, () => {
      for (const blank of ['', '   ', '\t\n ']) {
        assertRejects(() => toMovieDraft(input({ [field]: blank })), { param: field, message: `${field} is required` });
      }
    });
  }

  it('checks fields in diygoapi order and reports the first fault only', () => {
    assertRejects(() => toMovieDraft(input({ title: '', rated: '', director: '' })), { param: 'title', message: 'title is required' });
    assertRejects(() => toMovieDraft(input({ rated: '', release_date: 'x' })), { param: 'rated', message: 'rated is required' });
    assertRejects(() => toMovieDraft(input({ release_date: 'x', run_time: 0 })), {
      param: 'release_date',
      message: 'release_date must be a date (YYYY-MM-DD) or an RFC 3339 timestamp',
      code: 'invalid_date_format',
    });
    assertRejects(() => toMovieDraft(input({ run_time: 0, director: '' })), { param: 'run_time', message: 'run_time must be >= 1' });
    assertRejects(() => toMovieDraft(input({ director: ' ', writer: '' })), { param: 'director', message: 'director is required' });
  });

  it('enforces lengths after trimming, in Unicode code points', () => {
    const cases: [keyof MovieInput, number][] = [
      ['title', 1000],
      ['rated', 10],
      ['director', 1000],
      ['writer', 1000],
    ];
    for (const [field, max] of cases) {
      assert.equal((toMovieDraft(input({ [field]: `  ${'x'.repeat(max)}  ` })) as unknown as Record<string, string>)[field]?.length, max);
      assertRejects(() => toMovieDraft(input({ [field]: 'x'.repeat(max + 1) })), {
        param: field,
        message: `${field} must be at most ${max} characters`,
      });
    }
    // 10 emoji are 20 UTF-16 units but 10 characters, as JSON Schema and PostgreSQL count them.
    assert.equal(toMovieDraft(input({ rated: '🎬'.repeat(10) })).rated, '🎬'.repeat(10));
    assertRejects(() => toMovieDraft(input({ rated: '🎬'.repeat(11) })), {
      param: 'rated',
      message: 'rated must be at most 10 characters',
    });
  });

  it('refuses NUL characters, which PostgreSQL text cannot store', () => {
    assertRejects(() => toMovieDraft(input({ writer: 'Alex\u0000Cox' })), {
      param: 'writer',
      message: 'writer must not contain NUL characters',
    });
  });

  it('accepts run_time 1..10000 and rejects values outside or fractional', () => {
    assert.equal(toMovieDraft(input({ run_time: 1 })).runTime, 1);
    assert.equal(toMovieDraft(input({ run_time: 10000 })).runTime, 10000);
    assertRejects(() => toMovieDraft(input({ run_time: 0 })), { param: 'run_time', message: 'run_time must be >= 1' });
    assertRejects(() => toMovieDraft(input({ run_time: -5 })), { param: 'run_time', message: 'run_time must be >= 1' });
    assertRejects(() => toMovieDraft(input({ run_time: 10001 })), { param: 'run_time', message: 'run_time must be <= 10000' });
    assertRejects(() => toMovieDraft(input({ run_time: 91.5 })), { param: 'run_time', message: 'run_time must be of type integer' });
    assertRejects(() => toMovieDraft(input({ run_time: Number.NaN })), { param: 'run_time', message: 'run_time must be of type integer' });
  });
});

describe('release dates (parseReleaseDate)', () => {
  it('accepts YYYY-MM-DD and keeps it', () => {
    assert.equal(parseReleaseDate('1984-03-02'), '1984-03-02');
    assert.equal(parseReleaseDate(' 2000-02-29 '), '2000-02-29');
    assert.equal(parseReleaseDate('0001-01-01'), '0001-01-01');
    assert.equal(parseReleaseDate('9999-12-31'), '9999-12-31');
  });

  it('keeps the date part of an RFC 3339 timestamp as written, whatever the offset', () => {
    assert.equal(parseReleaseDate('1984-03-02T00:00:00Z'), '1984-03-02');
    assert.equal(parseReleaseDate('1984-03-02T23:30:00-05:00'), '1984-03-02');
    assert.equal(parseReleaseDate('1984-03-02T00:30:00+14:00'), '1984-03-02');
    assert.equal(parseReleaseDate('1984-03-02t12:00:00.123456z'), '1984-03-02');
    assert.equal(parseReleaseDate('1984-03-02T12:00:00.5+00:00'), '1984-03-02');
    assert.equal(parseReleaseDate('1998-12-31T23:59:60Z'), '1998-12-31');
  });

  it('answers invalid_date_format for anything else', () => {
    const bad = [
      '1984a-03-02T00:00:00Z',
      '1984-02-30',
      '1983-02-29',
      '1900-02-29',
      '1984-13-01',
      '1984-00-10',
      '1984-04-31',
      '0000-01-01',
      '84-03-02',
      '1984-3-2',
      '1984/03/02',
      '03/02/1984',
      '1984-03-02T00:00:00',
      '1984-03-02T24:00:00Z',
      '1984-03-02T12:60:00Z',
      '1984-03-02T12:00:61Z',
      '1984-03-02T12:00:00+24:00',
      '1984-03-02T12:00:00+05:60',
      '1984-03-02 12:00:00Z',
      '1984-03-02T12:00Z',
      '1984-03-02T12:00:00.Z',
      '+01984-03-02',
      '1984-03-02junk',
      'yesterday',
      '١٩٨٤-٠٣-٠٢',
    ];
    for (const value of bad) {
      assertRejects(() => parseReleaseDate(value), {
        param: 'release_date',
        message: 'release_date must be a date (YYYY-MM-DD) or an RFC 3339 timestamp',
        code: 'invalid_date_format',
      });
    }
  });
});

describe('audit names (personNameOf)', () => {
  it('prefers given_name / family_name, each on its own', () => {
    assert.deepEqual(personNameOf({ givenName: 'Otto', familyName: 'Maddox', name: 'Ignored Name' }), {
      firstName: 'Otto',
      lastName: 'Maddox',
    });
    assert.deepEqual(personNameOf({ givenName: ' Otto ' }), { firstName: 'Otto', lastName: null });
    assert.deepEqual(personNameOf({ familyName: 'Maddox', name: 'Otto Maddox' }), { firstName: null, lastName: 'Maddox' });
  });

  it('falls back to splitting name at its first whitespace', () => {
    assert.deepEqual(personNameOf({ name: 'Otto Maddox' }), { firstName: 'Otto', lastName: 'Maddox' });
    assert.deepEqual(personNameOf({ name: '  Jean Claude  Van Damme ' }), { firstName: 'Jean', lastName: 'Claude  Van Damme' });
    assert.deepEqual(personNameOf({ name: 'Cher' }), { firstName: 'Cher', lastName: null });
    assert.deepEqual(personNameOf({ givenName: ' ', familyName: '', name: 'Otto Maddox' }), { firstName: 'Otto', lastName: 'Maddox' });
    assert.deepEqual(personNameOf({ givenName: '  ', name: 'Cher' }), { firstName: 'Cher', lastName: null });
  });

  it('gives nulls when the token names nobody', () => {
    assert.deepEqual(personNameOf({}), { firstName: null, lastName: null });
    assert.deepEqual(personNameOf({ name: '   ' }), { firstName: null, lastName: null });
  });
});

describe('list filters (toMovieCriteria)', () => {
  it('trims text filters and drops blank ones', () => {
    assert.deepEqual(toMovieCriteria({ title: '  repo ', director: ' Alex Cox ' }), { titleContains: 'repo', director: 'Alex Cox' });
    assert.deepEqual(toMovieCriteria({ title: '   ', director: '' }), {});
  });

  it('turns years into an inclusive date range', () => {
    assert.deepEqual(toMovieCriteria({ releaseYearFrom: 1980, releaseYearTo: 1989 }), {
      releasedFrom: '1980-01-01',
      releasedTo: '1989-12-31',
    });
    assert.deepEqual(toMovieCriteria({ releaseYearFrom: 1984, releaseYearTo: 1984 }), {
      releasedFrom: '1984-01-01',
      releasedTo: '1984-12-31',
    });
    assert.deepEqual(toMovieCriteria({ releaseYearTo: 1800 }), { releasedTo: '1800-12-31' });
  });

  it('rejects a reversed year range', () => {
    assertRejects(() => toMovieCriteria({ releaseYearFrom: 1990, releaseYearTo: 1989 }), {
      param: 'release_year_to',
      message: 'release_year_to must be >= release_year_from',
    });
  });
});

/** mulberry32: a tiny seeded PRNG, so every run checks the same 200 movies. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('wire mapping round trip (property)', () => {
  const random = prng(0xc0ffee);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  const alphabet = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,:;!?\'"&()/éüßñçøÅ漢字ё🎬'];
  const text = (max: number): string => {
    const length = int(1, max);
    let out = '';
    for (let i = 0; i < length; i++) out += pick(alphabet);
    // Guarantee a non-blank core; surrounding whitespace is allowed and trimmed.
    return out.trim() === '' ? 'x' : out;
  };
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  const randomDate = () => {
    const year = int(1, 9999);
    const month = int(1, 12);
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
    return `${pad(year, 4)}-${pad(month, 2)}-${pad(int(1, days), 2)}`;
  };
  const randomReleaseDate = (date: string): string => {
    const time = `${pad(int(0, 23), 2)}:${pad(int(0, 59), 2)}:${pad(int(0, 59), 2)}`;
    const fraction = random() < 0.3 ? `.${pad(int(0, 999999), 6)}` : '';
    const offset = pick(['Z', 'z', `+${pad(int(0, 14), 2)}:${pad(int(0, 59), 2)}`, `-${pad(int(0, 12), 2)}:${pad(int(0, 59), 2)}`]);
    return pick([date, `${date}T${time}${fraction}${offset}`, `${date}t${time}${offset}`]);
  };
  const space = () => pick(['', '', ' ', '  ', '\t', '\n']);

  it('maps 200 random valid movies to the wire and back unchanged (dates normalised)', () => {
    for (let i = 0; i < 200; i++) {
      const date = randomDate();
      const raw = movieBody({
        title: space() + text(int(1, 4) === 1 ? 1000 : 60) + space(),
        rated: space() + text(10) + space(),
        release_date: space() + randomReleaseDate(date) + space(),
        run_time: int(1, 10000),
        director: space() + text(80) + space(),
        writer: space() + text(80) + space(),
      });
      const draft = toMovieDraft(toMovieInput(raw));
      const movie: Movie = {
        ...draft,
        externalId: `id${i}`,
        version: int(1, 100),
        createdBy: { appExternalId: 'app-1', firstName: 'Otto', lastName: null },
        createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, 0, i)).toISOString(),
        updatedBy: { appExternalId: 'app-2', firstName: null, lastName: 'Maddox' },
        updatedAt: new Date(Date.UTC(2024, 0, 2, 0, 0, 0, i)).toISOString(),
        sortKey: 'opaque',
      };
      const body = toMovieBody(movie);
      const context = `case ${i}: ${JSON.stringify(raw)}`;
      // The wire carries exactly the normalised input…
      assert.deepEqual(
        {
          title: body.title,
          rated: body.rated,
          release_date: body.release_date,
          run_time: body.run_time,
          director: body.director,
          writer: body.writer,
        },
        {
          title: raw.title.trim(),
          rated: raw.rated.trim(),
          release_date: date,
          run_time: raw.run_time,
          director: raw.director.trim(),
          writer: raw.writer.trim(),
        },
        context,
      );
      assert.match(body.release_date, /^\d{4}-\d{2}-\d{2}$/, context);
      // …and sending a response's fields back (a client's GET-modify-PUT) changes nothing.
      const echoed = toMovieDraft(
        toMovieInput({
          title: body.title,
          rated: body.rated,
          release_date: body.release_date,
          run_time: body.run_time,
          director: body.director,
          writer: body.writer,
        }),
      );
      assert.deepEqual(echoed, draft, context);
      assert.equal(body.create_date_time, movie.createdAt);
      assert.equal(body.update_app_extl_id, 'app-2');
      assert.equal(body.create_user_last_name, null);
    }
  });
});
