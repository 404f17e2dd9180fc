/** What the benchmark reads from /proc: CPU time and peak memory of a server's processes, the machine. */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux). */
const ticksPerSecond = 100;

/** The fields of /proc/<pid>/stat after the command name (which may contain spaces). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** `pid` and its children (the workers of a node:cluster primary), found through their parent pid. */
export function processGroup(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    // Field 4 of stat is the parent pid (index 1 after the command name).
    if (Number(statFields(Number(entry))?.[1]) === pid) children.push(Number(entry));
  }
  return [pid, ...children.sort((a, b) => a - b)];
}

/** user + system CPU time of `pids` so far, in microseconds (utime + stime of /proc/<pid>/stat). */
export function cpuTimeUs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    // utime and stime are fields 14 and 15 (indexes 11 and 12 after the command name).
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1_000_000) / ticksPerSecond;
}

/** Peak resident set size (VmHWM) of each of `pids`, in MB (0 for a process that is gone). */
export function peakRssMb(pids: number[]): number[] {
  return pids.map((pid) => {
    try {
      const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      return Math.round(kb / 1024);
    } catch {
      return 0;
    }
  });
}

/** The machine the figures were taken on. */
export function machine(): { cpuModel: string; cores: number; memoryGb: number; node: string; os: string; load: number[] } {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    load: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}
