import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { acquireProcessLock, isProcessAlive, ProcessLockHeldError, readLiveLock } from '../../src/platform/db/process-lock.js';

/**
 * The single-process lock that guards the embedded database directory and `npm start`: one live
 * holder at a time across processes, a lock left by a dead process is taken over, release
 * removes only the holder's own file.
 */

const lockModule = fileURLToPath(new URL('../../src/platform/db/process-lock.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');

/** A child process that takes `file` and then waits (printing `held` once it holds it). */
async function holdInChild(file: string): Promise<ChildProcess> {
  const script = `const { acquireProcessLock } = await import(${JSON.stringify(lockModule)});
acquireProcessLock(${JSON.stringify(file)}, { command: 'holder' });
process.stdout.write('held\\n');
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', tsxLoader, '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the child did not take the lock within 30 s')), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('held')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`the child exited (${code}) before taking the lock`)));
  });
  return child;
}

describe('acquireProcessLock', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chompardo-lock-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('records pid, start time and details; release removes the file', () => {
    const file = path.join(dir, 'a', 'x.lock');
    const lock = acquireProcessLock(file, { api_url: 'http://127.0.0.1:1' });
    const content = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(content.pid, process.pid);
    assert.equal(content.api_url, 'http://127.0.0.1:1');
    assert.ok(Date.parse(content.started_at) <= Date.now());
    assert.deepEqual(readLiveLock(file)?.pid, process.pid);
    assert.throws(() => acquireProcessLock(file), ProcessLockHeldError, 'not twice, not even by the holder');
    lock.release();
    lock.release();
    assert.ok(!existsSync(file));
    assert.equal(readLiveLock(file), undefined);
  });

  it('refuses while another live process holds it, and takes over once that process is killed', async () => {
    const file = path.join(dir, 'b.lock');
    const child = await holdInChild(file);
    try {
      assert.throws(
        () => acquireProcessLock(file),
        (error: unknown) => error instanceof ProcessLockHeldError && error.holder.pid === child.pid && error.holder.command === 'holder',
      );
    } finally {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
    assert.ok(existsSync(file), 'a killed holder leaves its file behind');
    assert.equal(isProcessAlive(child.pid!), false);
    assert.equal(readLiveLock(file), undefined, 'a dead holder is no live lock');
    const lock = acquireProcessLock(file);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).pid, process.pid);
    lock.release();
  });

  it('takes over an unreadable lock file, and release never deletes a lock it does not hold', () => {
    const file = path.join(dir, 'c.lock');
    writeFileSync(file, 'garbage');
    const lock = acquireProcessLock(file);
    writeFileSync(file, JSON.stringify({ pid: 1, started_at: 'x' }));
    lock.release();
    assert.ok(existsSync(file), "another holder's file stays");
  });
});
