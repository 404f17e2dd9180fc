import { isUtf8 } from 'node:buffer';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.js';

declare global {
  // ES2024 string methods, in V8 since Node 20; the project's lib is ES2023.
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

/** Fastify's callback of a body parser. */
type ParserDone = (error: Error | null, body?: unknown) => void;

/** A JSON text parser with Fastify's body parser signature (its default one, with prototype poisoning checks). */
export type JsonTextParser = (request: FastifyRequest, body: string, done: ParserDone) => void;

/** Deeper bodies are refused: no request of the API nests beyond a few levels. */
const maxDepth = 64;

/** Where a fault sits in the body, innermost first (collected while unwinding). */
type FaultPath = (string | number)[];

/** `['name', 0, 'ingredients']` → `ingredients[0].name` (the error handler's param format). */
function paramOf(path: FaultPath): string {
  let param = '';
  for (let i = path.length - 1; i >= 0; i--) {
    const part = path[i]!;
    param = typeof part === 'number' ? `${param}[${part}]` : param ? `${param}.${part}` : part;
  }
  return param;
}

const tooDeep: FaultPath = [];

/**
 * Trims every string value (not keys) of a parsed JSON body in place and checks every string
 * and key for lone surrogates. Returns undefined, the path of the first ill-formed string, or
 * `tooDeep`.
 */
function normalizeStrings(value: unknown, depth: number): FaultPath | undefined {
  if (depth > maxDepth) return tooDeep;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'string') {
        if (!item.isWellFormed()) return [i];
        const trimmed = item.trim();
        if (trimmed.length !== item.length) value[i] = trimmed;
      } else if (typeof item === 'object' && item !== null) {
        const fault = normalizeStrings(item, depth + 1);
        if (fault !== undefined) return fault === tooDeep ? fault : (fault.push(i), fault);
      }
    }
    return undefined;
  }
  const object = value as Record<string, unknown>;
  for (const key in object) {
    if (!key.isWellFormed()) return [key.toWellFormed()];
    const item = object[key];
    if (typeof item === 'string') {
      if (!item.isWellFormed()) return [key];
      const trimmed = item.trim();
      if (trimmed.length !== item.length) object[key] = trimmed;
    } else if (typeof item === 'object' && item !== null) {
      const fault = normalizeStrings(item, depth + 1);
      if (fault !== undefined) return fault === tooDeep ? fault : (fault.push(key), fault);
    }
  }
  return undefined;
}

/** The path of the first string or key holding U+FFFD: where lenient decoding replaced invalid bytes. */
function findReplaced(value: unknown, depth: number): FaultPath | undefined {
  if (depth > maxDepth) return undefined;
  if (typeof value === 'string') return value.includes('\uFFFD') ? [] : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const fault = findReplaced(value[i], depth + 1);
      if (fault !== undefined) return (fault.push(i), fault);
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\uFFFD')) return [key];
    const fault = findReplaced(item, depth + 1);
    if (fault !== undefined) return (fault.push(key), fault);
  }
  return undefined;
}

function invalidText(path: FaultPath | undefined, problem: string): AppError {
  const param = path === undefined ? '' : paramOf(path);
  return param
    ? new AppError('input_validation_error', `${param} ${problem}`, { param, code: 'invalid_unicode' })
    : new AppError('input_validation_error', `request body ${problem}`, { code: 'invalid_unicode' });
}

/** True for an absent coding or `identity` (any case); a body in any other coding is refused. */
function isIdentityCoding(value: string | string[]): boolean {
  return typeof value === 'string' && value.trim().toLowerCase() === 'identity';
}

/** The `application/json` body parser and the faults it found, see {@link createJsonBodies}. */
export interface JsonBodies {
  /** Fastify's body parser for `application/json`; register it with `parseAs: 'buffer'`. */
  parse(request: FastifyRequest, body: Buffer, done: ParserDone): void;
  /** The validation fault found in a parsed body, if any (raised when the body is validated). */
  faultOf(body: unknown): AppError | undefined;
}

/**
 * Wraps a JSON text parser (Fastify's default one) into the body parser of `application/json`,
 * so that text input means what the client sent:
 *
 * - a `Content-Encoding` other than `identity` → 415 `unsupported_media_type_error`
 *   (`code: unsupported_content_encoding`): bodies are never decompressed, and a body that claims
 *   a coding it does not have is not taken as plain JSON either;
 * - bytes that are not valid UTF-8, or a `\uD800`-style escape that leaves a lone surrogate →
 *   400 `input_validation_error` (`code: invalid_unicode`) with `param` naming the property
 *   (`title`, `ingredients[0].name`) — never stored as U+FFFD;
 * - every string value is trimmed, so that the schema's `maxLength`/`minLength`/`pattern`
 *   apply to the trimmed text and a blank string arrives as `""`;
 * - nesting deeper than 64 levels → 400 `invalid_request_error`.
 *
 * The 400s are validation faults: `parse` records them and {@link JsonBodies.faultOf} hands them
 * to the body validator, so they come in the contract's order (after authentication and RBAC).
 * Empty, malformed and prototype-poisoning bodies keep the wrapped parser's errors, at parse
 * time. The cost on a valid body is one UTF-8 validation of the bytes and one pass over the
 * parsed value.
 */
export function createJsonBodies(parseJson: JsonTextParser): JsonBodies {
  const faults = new WeakMap<object, AppError>();
  return {
    parse(request, body, done) {
      const coding = request.headers['content-encoding'];
      if (coding !== undefined && !isIdentityCoding(coding)) {
        done(
          new AppError('unsupported_media_type_error', 'request bodies must not be content-encoded', {
            code: 'unsupported_content_encoding',
          }),
        );
        return;
      }
      const validUtf8 = isUtf8(body);
      parseJson(request, body.toString('utf8'), (error, value) => {
        if (error) {
          done(validUtf8 ? error : invalidText(undefined, 'must be valid UTF-8'));
          return;
        }
        // A primitive body fails the schema (always an object) on its own.
        if (typeof value !== 'object' || value === null) {
          done(null, value);
          return;
        }
        if (!validUtf8) {
          faults.set(value, invalidText(findReplaced(value, 0), 'must be valid UTF-8'));
        } else {
          const fault = normalizeStrings(value, 0);
          if (fault === tooDeep) faults.set(value, new AppError('invalid_request_error', 'request body is nested too deeply'));
          else if (fault !== undefined) faults.set(value, invalidText(fault, 'must not contain unpaired surrogates'));
        }
        done(null, value);
      });
    },
    faultOf(body) {
      return typeof body === 'object' && body !== null ? faults.get(body) : undefined;
    },
  };
}
