import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Fewest characters (Unicode code points) a new password may have. */
export const minPasswordLength = 12;

/** Most characters a new password may have (Better Auth's own ceiling; bounds hashing cost). */
export const maxPasswordLength = 128;

/**
 * The shipped common-password list (`data/common-passwords.txt`, see its NOTICE): found next to
 * `src/` and next to `dist/`, so the same path works under tsx and in the build.
 */
export const commonPasswordsFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'data', 'common-passwords.txt');

/** Why a password was refused; `code` is the error code clients see. */
export interface PasswordProblem {
  code: 'PASSWORD_TOO_SHORT' | 'PASSWORD_TOO_LONG' | 'PASSWORD_TOO_COMMON';
  message: string;
}

/** Checks a new password (see {@link createPasswordPolicy}). */
export interface PasswordPolicy {
  /** The problem with `password`, or undefined when it may be used. `email`: the account's, when known. */
  check(password: string, email?: string): PasswordProblem | undefined;
  /** How many common passwords the policy refuses. */
  readonly commonPasswordCount: number;
}

/**
 * Reads a common-password list: one password per line, compared in lower case; blank lines are
 * skipped. Synchronous: called once at startup.
 * @throws the file system's error when the file cannot be read.
 */
export function loadCommonPasswords(file: string = commonPasswordsFile): Set<string> {
  const passwords = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const entry = line.replace(/\r$/, '');
    if (entry !== '') passwords.add(entry.toLowerCase());
  }
  return passwords;
}

/**
 * The password policy of new passwords (sign-up and every password change; sign-in never
 * judges an existing password): {@link minPasswordLength}–{@link maxPasswordLength} characters,
 * not on `commonPasswords` and not the account's own email address or its local part — both
 * compared case-insensitively and ignoring surrounding white space.
 */
export function createPasswordPolicy(commonPasswords: ReadonlySet<string>): PasswordPolicy {
  return {
    commonPasswordCount: commonPasswords.size,
    check(password, email) {
      const length = [...password].length;
      if (length < minPasswordLength) {
        return { code: 'PASSWORD_TOO_SHORT', message: `password must be at least ${minPasswordLength} characters long` };
      }
      if (password.length > maxPasswordLength) {
        return { code: 'PASSWORD_TOO_LONG', message: `password must be at most ${maxPasswordLength} characters long` };
      }
      const folded = password.trim().toLowerCase();
      const emailFolded = email?.trim().toLowerCase();
      const ownAddress = emailFolded !== undefined && (folded === emailFolded || folded === emailFolded.split('@')[0]);
      if (commonPasswords.has(folded) || ownAddress) {
        return { code: 'PASSWORD_TOO_COMMON', message: 'password is too common or too easy to guess: choose another one' };
      }
      return undefined;
    },
  };
}
