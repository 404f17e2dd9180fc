import type { BetterAuthPlugin } from 'better-auth';
import { APIError, createAuthMiddleware } from 'better-auth/api';
import type { PasswordPolicy } from './password-policy.js';
import { checkEmailLength, checkName } from './profile-rules.js';

/** Which body fields of an endpoint the rules look at. */
interface EndpointFields {
  email?: string;
  name?: string;
  password?: string;
  /** The name field is optional (profile updates): checked only when present. */
  nameOptional?: boolean;
}

/**
 * Better Auth endpoints taking user-controlled values the rules bound: addresses and names (they
 * land in tokens) and new passwords. Sign-in bounds the email only (an existing password is
 * never judged, or old accounts could not sign in).
 */
const endpointFields: Record<string, EndpointFields> = {
  '/sign-up/email': { email: 'email', name: 'name', password: 'password' },
  '/sign-in/email': { email: 'email' },
  '/update-user': { name: 'name', nameOptional: true },
  '/change-email': { email: 'newEmail' },
  '/change-password': { password: 'newPassword' },
  '/reset-password': { password: 'newPassword' },
  '/set-password': { password: 'newPassword' },
};

function refuse(code: string, message: string): never {
  throw new APIError('BAD_REQUEST', { code, message });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A Better Auth plugin enforcing the service's input rules before any endpoint work (so a refused
 * request costs no hashing and no database): new passwords pass `passwordPolicy`, emails stay
 * within RFC 5321 lengths, names are 1–200 printable characters. Emails and names are trimmed
 * first (and stored trimmed). A violation is a 400 `{code, message}`; a body that is not an
 * object is left to Better Auth's own validation.
 */
export function inputRules(passwordPolicy: PasswordPolicy): BetterAuthPlugin {
  return {
    id: 'chompardo-input-rules',
    hooks: {
      before: [
        {
          matcher: (context) => context.path !== undefined && context.path in endpointFields,
          handler: createAuthMiddleware(async (ctx) => {
            const fields = endpointFields[ctx.path];
            const body: unknown = ctx.body;
            if (fields === undefined || !isPlainObject(body)) return;
            const changes: Record<string, string> = {};

            let email: string | undefined;
            if (fields.email !== undefined && typeof body[fields.email] === 'string') {
              email = (body[fields.email] as string).trim();
              const problem = checkEmailLength(email);
              if (problem) refuse(problem.code, problem.message);
              changes[fields.email] = email;
            }
            if (fields.name !== undefined && (body[fields.name] !== undefined || !fields.nameOptional)) {
              const raw = body[fields.name];
              if (typeof raw !== 'string') refuse('INVALID_NAME', 'name must be a string');
              const name = raw.trim();
              const problem = checkName(name);
              if (problem) refuse(problem.code, problem.message);
              changes[fields.name] = name;
            }
            if (fields.password !== undefined && typeof body[fields.password] === 'string') {
              const problem = passwordPolicy.check(body[fields.password] as string, email);
              if (problem) refuse(problem.code, problem.message);
            }
            return Object.keys(changes).length === 0 ? undefined : { context: { body: { ...body, ...changes } } };
          }),
        },
      ],
    },
  };
}
