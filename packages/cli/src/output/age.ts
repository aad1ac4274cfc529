/** How long ago, in the words Go's go-humanize uses (what `flightctl get` prints in AGE). */
export function humanAge(time: string | Date | undefined, now: number = Date.now()): string {
  if (time === undefined) return '<none>';
  const t = typeof time === 'string' ? Date.parse(time) : time.getTime();
  if (Number.isNaN(t)) return '<none>';
  const s = Math.floor((now - t) / 1000);
  const ago = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  if (s < 1) return 'now';
  if (s < 60) return ago(s, 'second');
  if (s < 3600) return ago(Math.floor(s / 60), 'minute');
  if (s < 86_400) return ago(Math.floor(s / 3600), 'hour');
  if (s < 7 * 86_400) return ago(Math.floor(s / 86_400), 'day');
  if (s < 30 * 86_400) return ago(Math.floor(s / (7 * 86_400)), 'week');
  if (s < 365 * 86_400) return ago(Math.floor(s / (30 * 86_400)), 'month');
  return ago(Math.floor(s / (365 * 86_400)), 'year');
}
