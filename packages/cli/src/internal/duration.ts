import { usage } from '../exit.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `30s`, `10m`, `1h`, `1h30m`, or a bare number of seconds → milliseconds. */
export function parseDuration(flag: string, value: string): number {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  let total = 0;
  let rest = v;
  while (rest !== '') {
    const m = /^(\d+)(ms|s|m|h)/.exec(rest);
    if (!m) throw usage(`${flag} ${value}: not a duration`, 'write it as 30s, 10m, 1h30m or a number of seconds');
    total += Number(m[1]) * (UNITS[m[2] as string] ?? 0);
    rest = rest.slice(m[0].length);
  }
  if (v === '') throw usage(`${flag}: empty duration`);
  return total;
}
