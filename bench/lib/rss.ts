import { readFileSync } from 'node:fs';

/** Peak resident set size of this process in bytes (VmHWM), or the current RSS where /proc is missing. */
export function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss;
}

/** Samples `process.memoryUsage().rss` every `intervalMs`; `stop()` returns the maximum seen. */
export function sampleRss(intervalMs = 50): { stop: () => number } {
  let max = process.memoryUsage().rss;
  const timer = setInterval(() => {
    max = Math.max(max, process.memoryUsage().rss);
  }, intervalMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(max, process.memoryUsage().rss, peakRss());
    },
  };
}
