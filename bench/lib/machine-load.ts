import { existsSync, readFileSync } from 'node:fs';

/** Microseconds this machine's tasks have spent waiting for a CPU (Linux PSI), or undefined. */
function cpuWaitUs(): number | undefined {
  if (!existsSync('/proc/pressure/cpu')) return undefined;
  const m = /some .*total=(\d+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
  return m ? Number(m[1]) : undefined;
}

const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/**
 * Watches the machine's load while a benchmark runs: call at the start, then `lines()` at the end for
 * the load averages before and after and the share of the time tasks waited for a CPU (a busy machine
 * makes every figure worse; the results say how busy it was).
 */
export function watchMachineLoad(): { lines(): string } {
  const before = loadavg();
  const wait0 = cpuWaitUs();
  const wall0 = performance.now();
  return {
    lines() {
      const wait1 = cpuWaitUs();
      const share =
        wait0 !== undefined && wait1 !== undefined ? (wait1 - wait0) / 1000 / (performance.now() - wall0) : undefined;
      return [
        `Load average (1/5/15 min) before: ${before}; after: ${loadavg()}.`,
        share === undefined
          ? ''
          : `CPU pressure while it ran (Linux PSI "some"): tasks were waiting for a CPU ${(share * 100).toFixed(0)}% of the time.`,
      ]
        .filter(Boolean)
        .join('\n');
    },
  };
}
