import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * The CPU quota of this process's control group, in whole CPUs (at least 1), or undefined when
 * there is none or it cannot be read. cgroup v2 `cpu.max` ("<quota> <period>" or "max …"), else
 * cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us` (-1 = none). A fractional quota rounds down:
 * more busy processes than the quota allows get throttled, which shows up as tail latency.
 */
function cgroupCpuQuota(): number | undefined {
  const wholeCpus = (quota: number, period: number): number | undefined =>
    Number.isFinite(quota) && Number.isFinite(period) && quota > 0 && period > 0 ? Math.max(1, Math.floor(quota / period)) : undefined;
  try {
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    return quota === 'max' ? undefined : wholeCpus(Number(quota), Number(period));
  } catch {
    // Not cgroup v2 (or not Linux): try v1.
  }
  try {
    const quota = Number(readFileSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us', 'utf8'));
    const period = Number(readFileSync('/sys/fs/cgroup/cpu/cpu.cfs_period_us', 'utf8'));
    return wholeCpus(quota, period);
  } catch {
    return undefined;
  }
}

/**
 * How many CPUs this process may actually use: the CPUs it may run on (affinity, as
 * `os.availableParallelism()` reports them) limited by a container's CPU quota, which Node 20 does
 * not take into account (a pod limited to 2 CPUs on a 64-core node would otherwise count 64).
 * At least 1. Reads /sys; never throws.
 */
export function availableCpus(): number {
  const quota = cgroupCpuQuota();
  return Math.max(1, Math.min(availableParallelism(), quota ?? Number.POSITIVE_INFINITY));
}
