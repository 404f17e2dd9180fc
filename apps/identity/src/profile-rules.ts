/**
 * Bounds of the user-controlled values that end up in issued tokens (email, name). With them a
 * token stays a few kilobytes, far below the API's 16 KiB header limit.
 */

/** RFC 5321 §4.5.3.1: local part ≤ 64 octets, domain ≤ 255 octets, a path ≤ 256 octets incl. `<>`. */
export const emailLimits = { localPartOctets: 64, domainOctets: 255, totalOctets: 254 } as const;

/** Most characters (Unicode code points) of a user's name. */
export const maxNameLength = 200;

/** Why a profile value was refused; `code` is the error code clients see. */
export interface ProfileProblem {
  code: 'EMAIL_TOO_LONG' | 'INVALID_NAME' | 'NAME_TOO_LONG';
  message: string;
}

const octets = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * The length problem of an (already trimmed) email address, or undefined. Only lengths: the
 * address syntax is Better Auth's to check.
 */
export function checkEmailLength(email: string): ProfileProblem | undefined {
  const at = email.lastIndexOf('@');
  const localPart = at < 0 ? email : email.slice(0, at);
  if (octets(localPart) > emailLimits.localPartOctets) {
    return {
      code: 'EMAIL_TOO_LONG',
      message: `the part of the email before @ must be at most ${emailLimits.localPartOctets} characters long`,
    };
  }
  // The total bound also keeps the domain within its own 255 octets.
  if (octets(email) > emailLimits.totalOctets) {
    return { code: 'EMAIL_TOO_LONG', message: `email must be at most ${emailLimits.totalOctets} characters long` };
  }
  return undefined;
}

// Control characters would be escaped six-fold in a token; lone surrogates are not text.
const unprintable = /[\p{Cc}\p{Cs}]/u;

/** The problem of an (already trimmed) name, or undefined: 1–{@link maxNameLength} printable characters. */
export function checkName(name: string): ProfileProblem | undefined {
  if (name === '') return { code: 'INVALID_NAME', message: 'name is required' };
  if (unprintable.test(name)) return { code: 'INVALID_NAME', message: 'name must not contain control characters or invalid Unicode' };
  if ([...name].length > maxNameLength) {
    return { code: 'NAME_TOO_LONG', message: `name must be at most ${maxNameLength} characters long` };
  }
  return undefined;
}
