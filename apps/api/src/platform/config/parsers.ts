import path from 'node:path';
import * as z from 'zod';
import { isConnectionString } from '../db/connection-string.js';

/**
 * How a raw value (a string from a flag, an environment variable or a secret file; any JSON value
 * from the config file) becomes a typed one.
 */
export interface ValueParser<T> {
  schema: z.ZodType<T>;
  /** What a valid value looks like, for error messages ("expected an integer 0-65535"). */
  expected: string;
  /** A bare flag (`--log-error-stack`) means true; only booleans. */
  bareFlagMeansTrue?: boolean;
  /** Applied after validation with the loader's working directory (paths are relative to it). */
  resolve?(value: T, cwd: string): T;
}

/** The longest delay `setTimeout` accepts, ms. */
const maxTimerMs = 2_147_483_647;

/** A non-empty string (trimmed unless `trim: false`); a JSON number is accepted as its text (`"db_password": 1234`). */
export function text(options: { trim?: boolean } = {}): ValueParser<string> {
  const trim = options.trim ?? true;
  return {
    schema: z
      .union([z.string(), z.number()])
      .transform((value) => (trim ? String(value).trim() : String(value)))
      .pipe(z.string().min(1)),
    expected: 'expected a non-empty string',
  };
}

/** A file system path, resolved against the working directory of the loader. */
export function filePath(): ValueParser<string> {
  return { ...text(), resolve: (value, cwd) => path.resolve(cwd, value) };
}

/** An integer in [min, max]; strings of digits are accepted. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): ValueParser<number> {
  const expected =
    max !== Number.MAX_SAFE_INTEGER
      ? `expected an integer ${min}-${max}`
      : min === 1
        ? 'expected a positive integer'
        : `expected an integer >= ${min}`;
  return {
    schema: z
      .union([
        z.int(),
        z
          .string()
          .trim()
          .regex(/^[+-]?\d+$/)
          .transform(Number),
      ])
      .pipe(z.int().min(min).max(max)),
    expected,
  };
}

/** true/false, 1/0 or yes/no in any case, or a JSON boolean; a bare flag means true. */
export function boolean(): ValueParser<boolean> {
  return {
    schema: z.union([
      z.boolean(),
      z.literal([0, 1]).transform((value) => value === 1),
      z
        .string()
        .trim()
        .pipe(z.stringbool({ truthy: ['true', '1', 'yes'], falsy: ['false', '0', 'no'], case: 'insensitive' })),
    ]),
    expected: 'expected true/false, 1/0 or yes/no',
    bareFlagMeansTrue: true,
  };
}

const durationPattern = /^(\d+)(ms|s|m|h)?$/;
const msPerUnit: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration in milliseconds (`500ms`, `10s`, `1m`, `1h`; a bare number means seconds), capped so any value fits setTimeout. */
export function duration(minMs: number): ValueParser<number> {
  return {
    schema: z
      .union([
        z
          .int()
          .nonnegative()
          .transform((seconds) => seconds * 1000),
        z
          .string()
          .trim()
          .regex(durationPattern)
          .transform((value) => {
            const [, amount = '0', unit = 's'] = durationPattern.exec(value) ?? [];
            return Number(amount) * (msPerUnit[unit] ?? 1000);
          }),
      ])
      .pipe(z.int().min(minMs).max(maxTimerMs)),
    expected: `expected a duration like 500ms, 10s, 1m, 1h or whole seconds (${minMs}ms to ${maxTimerMs}ms)`,
  };
}

/** A list of strings: a JSON array or a comma-separated string; blank items are dropped. */
export function list(options: { allowEmpty: boolean }): ValueParser<string[]> {
  return {
    schema: z
      .union([z.array(z.string()), z.string()])
      .transform((value) =>
        (typeof value === 'string' ? value.split(',') : value).map((item) => item.trim()).filter((item) => item.length > 0),
      )
      .pipe(z.array(z.string()).min(options.allowEmpty ? 0 : 1)),
    expected: options.allowEmpty
      ? 'expected a JSON array of strings or a comma-separated string'
      : 'expected a non-empty JSON array of strings or comma-separated string',
  };
}

/** An http:// or https:// URL. */
export function httpUrl(): ValueParser<string> {
  return {
    schema: z
      .string()
      .trim()
      .pipe(z.url({ protocol: /^https?$/ })),
    expected: 'expected an http:// or https:// URL',
  };
}

/** A postgres:// or postgresql:// URL. */
/** A `postgres://` URL, also libpq's multi-host form `h1:p1,h2:p2` with `target_session_attrs` (docs/database.md). */
export function postgresUrl(): ValueParser<string> {
  return {
    schema: z.string().trim().refine(isConnectionString, { message: 'expected a postgres:// or postgresql:// URL' }),
    expected: 'expected a postgres:// or postgresql:// URL',
  };
}

/** A redis:// or rediss:// URL. */
export function redisUrl(): ValueParser<string> {
  return {
    schema: z
      .string()
      .trim()
      .pipe(z.url({ protocol: /^rediss?$/ })),
    expected: 'expected a redis:// or rediss:// URL',
  };
}

/** One of `values`, in any case. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T): ValueParser<T[number]> {
  return {
    schema: z.string().trim().toLowerCase().pipe(z.enum(values)),
    expected: `expected one of ${values.join(', ')}`,
  };
}

/** Origins of a CORS allow-list: `scheme://host[:port]` exactly as browsers send them, or `*`. */
export function originList(): ValueParser<string[]> {
  const base = list({ allowEmpty: true });
  return {
    schema: base.schema.pipe(z.array(z.union([z.literal('*'), z.string().regex(/^https?:\/\/[^/?#\s]+$/)]))),
    expected: 'expected a comma-separated list of origins like https://app.example.com (no path), or *',
  };
}

/** A process count: an integer 1-`max`, or `auto`. */
export function countOrAuto(max: number): ValueParser<number | 'auto'> {
  return {
    schema: z.union([z.string().trim().toLowerCase().pipe(z.literal('auto')), integer(1, max).schema]),
    expected: `expected auto or an integer 1-${max}`,
  };
}

/** One trusted token issuer (an AUTH_ISSUERS entry); `jwksUrl` absent = OpenID Connect discovery. */
export interface AuthIssuerConfig {
  issuer: string;
  audience: string[];
  jwksUrl?: string;
  /** Claim names this issuer uses for the profile, where they differ from the standard ones. */
  claims?: { email?: string; name?: string; givenName?: string; familyName?: string };
}

/**
 * `AUTH_ISSUERS`: a JSON array (a JSON string in a flag or env var, the array itself in the
 * config file) of `{"issuer", "audience", "jwks_url"?, "claims"?}` with distinct issuers;
 * `audience` is a string or an array of strings, `claims` maps `email`, `name`, `given_name`,
 * `family_name` to the claim names that issuer uses (docs/auth.md).
 */
export function trustedIssuers(): ValueParser<AuthIssuerConfig[]> {
  const claimName = z.string().trim().min(1).optional();
  const entry = z
    .strictObject({
      issuer: z.string().trim().min(1),
      audience: list({ allowEmpty: false }).schema,
      jwks_url: httpUrl().schema.optional(),
      claims: z.strictObject({ email: claimName, name: claimName, given_name: claimName, family_name: claimName }).optional(),
    })
    .transform((value): AuthIssuerConfig => {
      const claims =
        value.claims === undefined
          ? undefined
          : {
              ...(value.claims.email === undefined ? {} : { email: value.claims.email }),
              ...(value.claims.name === undefined ? {} : { name: value.claims.name }),
              ...(value.claims.given_name === undefined ? {} : { givenName: value.claims.given_name }),
              ...(value.claims.family_name === undefined ? {} : { familyName: value.claims.family_name }),
            };
      return {
        issuer: value.issuer,
        audience: value.audience,
        ...(value.jwks_url === undefined ? {} : { jwksUrl: value.jwks_url }),
        ...(claims === undefined ? {} : { claims }),
      };
    });
  return {
    schema: z
      .union([
        z.string().transform((text, ctx) => {
          try {
            return JSON.parse(text) as unknown;
          } catch {
            ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
            return z.NEVER;
          }
        }),
        z.array(z.unknown()),
      ])
      .pipe(z.array(entry).min(1))
      .refine((entries) => new Set(entries.map((e) => e.issuer)).size === entries.length, 'an issuer is listed twice'),
    expected: 'expected a non-empty JSON array of {"issuer","audience","jwks_url"?,"claims"?} objects with distinct issuers',
  };
}

/**
 * A structured value checked by `schema`: JSON text from a flag, an environment variable or a
 * secret file, or the JSON value itself in the config file (e.g. a list of trusted issuers).
 * `expected` describes a valid value for error messages.
 */
export function json<T>(schema: z.ZodType<T>, expected: string): ValueParser<T> {
  return {
    schema: z
      .unknown()
      .transform((value, ctx) => {
        if (typeof value !== 'string') return value;
        try {
          return JSON.parse(value) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'not JSON' });
          return z.NEVER;
        }
      })
      .pipe(schema),
    expected,
  };
}
