import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What a lock file says about the process holding it. */
export interface LockHolder {
  pid: number;
  /** When the holder took the lock (RFC 3339). */
  started_at: string;
  /** Whatever else the holder recorded (its command line, URLs it serves, …). */
  [detail: string]: unknown;
}

/** A lock held by this process; {@link ProcessLock.release} gives it up (idempotent). */
export interface ProcessLock {
  readonly file: string;
  release(): void;
}

/** The lock is held by another live process (or already by this one). */
export class ProcessLockHeldError extends Error {
  constructor(
    readonly file: string,
    readonly holder: LockHolder,
  ) {
    super(`${file} is held by process ${holder.pid} (since ${holder.started_at})`);
    this.name = 'ProcessLockHeldError';
  }
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof parsed.pid === 'number' ? ({ started_at: '?', ...parsed } as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The holder recorded in `file` when that process is still alive; undefined when there is no
 * lock file, it is unreadable, or its process is gone (a lock left over by a crash).
 */
export function readLiveLock(file: string): LockHolder | undefined {
  const holder = readHolder(file);
  return holder !== undefined && isProcessAlive(holder.pid) ? holder : undefined;
}

/**
 * Takes the lock file `file` for this process, recording `{pid, started_at, ...details}` in it.
 * The file appears atomically with its whole content (written aside, then hard-linked into
 * place), so a reader never sees a half-written lock. A lock whose process is gone is taken over.
 * The lock is released by `release()` and, as a last resort, when this process exits normally;
 * a process that is killed leaves the file behind, and the next taker sees its pid is dead.
 * A pid reused by an unrelated process after a reboot makes the lock look held: the error names
 * the file so an operator can delete it.
 * @throws ProcessLockHeldError when a live process (this one included) holds the lock.
 */
export function acquireProcessLock(file: string, details: Record<string, unknown> = {}): ProcessLock {
  mkdirSync(path.dirname(file), { recursive: true });
  const content = `${JSON.stringify({ ...details, pid: process.pid, started_at: new Date().toISOString() })}\n`;
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(aside, content, { mode: 0o644 });
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        linkSync(aside, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(file);
      if (holder !== undefined && (holder.pid === process.pid || isProcessAlive(holder.pid))) throw new ProcessLockHeldError(file, holder);
      if (attempt >= 3) throw new ProcessLockHeldError(file, holder ?? { pid: 0, started_at: '?' });
      // Left over by a process that is gone (or unreadable): take it over.
      try {
        unlinkSync(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  } finally {
    try {
      unlinkSync(aside);
    } catch {
      // already gone
    }
  }

  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', release);
    // Only our own lock: never delete one a later holder took after a takeover.
    if (readHolder(file)?.pid !== process.pid) return;
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  return { file, release };
}
