import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitCommandLine } from '../../src/cli/command-line.js';
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

describe('splitCommandLine', () => {
  const spec = {
    valueFlags: new Set(['--app', '--key']),
    booleanFlags: new Set(['--json', '--help', '-h']),
    commands: new Set(['revoke']),
  };

  it('keeps a value that starts with "-" with the command\'s own flag, and configuration flags apart', () => {
    assert.deepEqual(splitCommandLine(['revoke', '--app', 'A1', '--key', '-Xb2_c', '--db-url', 'postgres://x/y', '--json'], spec), {
      commandArgs: ['revoke', '--app', 'A1', '--key', '-Xb2_c', '--json'],
      configArgs: ['--db-url', 'postgres://x/y'],
    });
    assert.deepEqual(splitCommandLine(['--key', '--Xb2', 'revoke'], spec).commandArgs, ['--key', '--Xb2', 'revoke']);
  });

  it('leaves a missing value missing: another own flag, help or -- after the flag', () => {
    assert.deepEqual(splitCommandLine(['revoke', '--key', '--app', 'A1'], spec).commandArgs, ['revoke', '--key', '--app', 'A1']);
    assert.deepEqual(splitCommandLine(['revoke', '--key', '--json'], spec).commandArgs, ['revoke', '--key', '--json']);
    assert.deepEqual(splitCommandLine(['revoke', '--key', '-h'], spec).commandArgs, ['revoke', '--key', '-h']);
    assert.deepEqual(splitCommandLine(['revoke', '--key', '--', '--db-url', 'u'], spec), {
      commandArgs: ['revoke', '--key'],
      configArgs: ['--', '--db-url', 'u'],
    });
    // What the command's parser then makes of them: a missing value (exit 2).
    for (const args of [
      ['revoke', '--key', '--app', 'A1'],
      ['revoke', '--key', '-h'],
      ['revoke', '--key'],
    ]) {
      assert.throws(() => parseCommandArgs(args, ['revoke'], options), CommandError, args.join(' '));
    }
  });

  it('still reads a configuration flag without a value before a dash argument', () => {
    assert.deepEqual(splitCommandLine(['revoke', '--log-error-stack', '--key', '-k'], spec), {
      commandArgs: ['revoke', '--key', '-k'],
      configArgs: ['--log-error-stack'],
    });
  });
});
