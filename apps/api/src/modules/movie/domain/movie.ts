import { AppError, invalidField, missingField } from '../../../platform/errors/app-error.js';

/**
 * Who wrote a movie, as recorded in its audit fields: the calling app's external id and the
 * token user's names at the time of the write (copied, so history survives later renames).
 */
export interface MovieActor {
  appExternalId: string;
  firstName: string | null;
  lastName: string | null;
}

/** The editable content of a movie, validated and normalised. */
export interface MovieDraft {
  title: string;
  rated: string;
  /** A calendar date, `YYYY-MM-DD`. */
  releaseDate: string;
  /** Minutes, 1–10000. */
  runTime: number;
  director: string;
  writer: string;
}

/** A stored movie of one org. `version` increases with every update and backs the ETag. */
export interface Movie extends MovieDraft {
  externalId: string;
  version: number;
  createdBy: MovieActor;
  /** RFC 3339 UTC timestamp (millisecond precision), as the database formats it. */
  createdAt: string;
  updatedBy: MovieActor;
  /** RFC 3339 UTC timestamp (millisecond precision). */
  updatedAt: string;
  /** The keyset of the list order, opaque outside the repository. */
  sortKey: string;
}

/**
 * The movie fields as a client sent them (type-checked by the spec's schema, not yet validated);
 * the transport maps the wire body (`release_date`, `run_time`) to it. Validation errors name
 * the wire fields (`param: 'release_date'`), as the client knows them.
 */
export interface MovieInput {
  title: string;
  rated: string;
  releaseDate: string;
  runTime: number;
  director: string;
  writer: string;
}

/** Limits of the movie fields (the OpenAPI spec), shared by the validation and the list filters. */
export const movieLimits = {
  title: 1000,
  rated: 10,
  director: 1000,
  writer: 1000,
  runTimeMin: 1,
  runTimeMax: 10000,
} as const;

/** Length in Unicode code points, as JSON Schema's maxLength and PostgreSQL's char_length count. */
function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

function requiredText(value: string, param: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed === '') throw missingField(param);
  if (codePoints(trimmed) > max) {
    throw new AppError('input_validation_error', `${param} must be at most ${max} characters`, { param });
  }
  // PostgreSQL text cannot hold NUL; refusing it here keeps it a 400 instead of a driver error.
  if (trimmed.includes('\u0000')) {
    throw new AppError('input_validation_error', `${param} must not contain NUL characters`, { param });
  }
  return trimmed;
}

function runTimeOf(value: number): number {
  if (!Number.isInteger(value)) {
    throw new AppError('input_validation_error', 'run_time must be of type integer', { param: 'run_time' });
  }
  if (value < movieLimits.runTimeMin) {
    throw new AppError('input_validation_error', `run_time must be >= ${movieLimits.runTimeMin}`, { param: 'run_time' });
  }
  if (value > movieLimits.runTimeMax) {
    throw new AppError('input_validation_error', `run_time must be <= ${movieLimits.runTimeMax}`, { param: 'run_time' });
  }
  return value;
}

const dateOnlyPattern = /^(\d{4})-(\d{2})-(\d{2})$/;
// RFC 3339 §5.6 date-time: "T" (any case) between date and time, optional fraction, "Z" or ±hh:mm.
const timestampPattern = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Year 0 does not exist in PostgreSQL's (proleptic Gregorian, AD/BC) calendar. */
function isCalendarDate(year: number, month: number, day: number): boolean {
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function invalidDate(): AppError {
  return invalidField('release_date', 'release_date must be a date (YYYY-MM-DD) or an RFC 3339 timestamp', 'invalid_date_format');
}

/**
 * Parses a release date: `YYYY-MM-DD`, or an RFC 3339 timestamp whose date part is kept exactly
 * as written — no conversion to UTC, so `1984-03-02T23:30:00-05:00` is `1984-03-02` (the date
 * the client meant, not the UTC instant's date). Returns `YYYY-MM-DD`. Blank → `release_date is
 * required`; anything else that is not a real calendar date/time (`1984-02-30`, `25:00`, a
 * missing offset) → `input_validation_error` with `code: invalid_date_format`.
 */
export function parseReleaseDate(value: string): string {
  const text = value.trim();
  if (text === '') throw missingField('release_date');
  const dateOnly = dateOnlyPattern.exec(text);
  const timestamp = dateOnly ? undefined : timestampPattern.exec(text);
  const parts = dateOnly ?? timestamp;
  if (!parts) throw invalidDate();
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (!isCalendarDate(year, month, day)) throw invalidDate();
  if (timestamp) {
    const [hour, minute, second] = [Number(timestamp[4]), Number(timestamp[5]), Number(timestamp[6])];
    // RFC 3339 allows second 60 (a leap second).
    if (hour > 23 || minute > 59 || second > 60) throw invalidDate();
    if (timestamp[7] !== undefined && (Number(timestamp[7]) > 23 || Number(timestamp[8]) > 59)) throw invalidDate();
  }
  return `${parts[1]}-${parts[2]}-${parts[3]}`;
}

/**
 * Validates and normalises a client's movie (the OpenAPI spec), checking the fields in diygoapi's
 * order (title, rated, release_date, run_time, director, writer) and stopping at the first
 * fault: strings trimmed, blank = missing (`<field> is required`), lengths in code points
 * (title, director, writer ≤ 1000; rated ≤ 10), run_time an integer 1–10000, release_date per
 * {@link parseReleaseDate}. Throws `input_validation_error` with `param` (and `code:
 * invalid_date_format` for dates). Pure: no I/O, callable anywhere.
 */
export function toMovieDraft(input: MovieInput): MovieDraft {
  const title = requiredText(input.title, 'title', movieLimits.title);
  const rated = requiredText(input.rated, 'rated', movieLimits.rated);
  const releaseDate = parseReleaseDate(input.releaseDate);
  const runTime = runTimeOf(input.runTime);
  const director = requiredText(input.director, 'director', movieLimits.director);
  const writer = requiredText(input.writer, 'writer', movieLimits.writer);
  return { title, rated, releaseDate, runTime, director, writer };
}

/** The list filters as a client sends them (already type-checked by the spec's schema). */
export interface MovieListFilters {
  title?: string;
  director?: string;
  releaseYearFrom?: number;
  releaseYearTo?: number;
}

/** Normalised list criteria: blank text filters dropped, years turned into an inclusive date range. */
export interface MovieCriteria {
  /** Case-insensitive substring of the title. */
  titleContains?: string;
  /** Case-insensitive whole director name. */
  director?: string;
  /** First day of `releaseYearFrom`, `YYYY-MM-DD`. */
  releasedFrom?: string;
  /** Last day of `releaseYearTo`, `YYYY-MM-DD`. */
  releasedTo?: string;
}

/**
 * Normalises list filters: text trimmed (blank = no filter), years to dates. Throws
 * `input_validation_error` (param `release_year_to`) when the year range is reversed, which is
 * always a client mistake rather than a wish for an empty page.
 */
export function toMovieCriteria(filters: MovieListFilters): MovieCriteria {
  const criteria: MovieCriteria = {};
  const title = filters.title?.trim();
  if (title) criteria.titleContains = title;
  const director = filters.director?.trim();
  if (director) criteria.director = director;
  const { releaseYearFrom: from, releaseYearTo: to } = filters;
  if (from !== undefined && to !== undefined && to < from) {
    throw invalidField('release_year_to', 'release_year_to must be >= release_year_from');
  }
  if (from !== undefined) criteria.releasedFrom = `${String(from).padStart(4, '0')}-01-01`;
  if (to !== undefined) criteria.releasedTo = `${String(to).padStart(4, '0')}-12-31`;
  return criteria;
}
