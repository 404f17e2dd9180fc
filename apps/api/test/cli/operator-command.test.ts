import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandError, parseCommandArgs } from '../../src/cli/operator-command.js';

const options = { app: { type: 'string' }, key: { type: 'string' }, all: { type: 'boolean' } } as const;

/** The option values parseCommandArgs read from `args` (a plain object, to compare). */
function valuesOf(args: string[]): Record<string, unknown> {
  const parsed = parseCommandArgs(args, ['revoke'], options);
  assert.notEqual(parsed, 'help');
  return { ...(parsed as Exclude<typeof parsed, 'help'>).values };
}

describe('parseCommandArgs', () => {
  it('reads a value that starts with "-" (a base64url id may) as the value of the flag before it', () => {
    assert.deepEqual(valuesOf(['revoke', '--app', '-a1', '--key', '-Xb2_c', '--all']), { app: '-a1', key: '-Xb2_c', all: true });
    assert.deepEqual(valuesOf(['revoke', '--key=-Xb2']), { key: '-Xb2' });
  });

  it('still refuses a flag given as a value, an unknown flag and a missing value', () => {
    for (const args of [
      ['revoke', '--key', '--app', 'x'],
      ['revoke', '--key', '-h'],
      ['revoke', '--nope'],
      ['revoke', '--key'],
    ]) {
      assert.throws(
        () => parseCommandArgs(args, ['revoke'], options),
        (error: unknown) => error instanceof CommandError && error.exitCode === 2,
        args.join(' '),
      );
    }
    assert.equal(parseCommandArgs(['revoke', '-h'], ['revoke'], options), 'help');
  });
});
