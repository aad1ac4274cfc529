/** Formats rows as a markdown table (also readable on a terminal). */
export function markdownTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    line(cells[0] ?? []),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...cells.slice(1).map(line),
  ].join('\n');
}

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** Parses sizes like `1GiB,4GiB,256MiB` (BENCH_SIZES). */
export function parseSizes(spec: string): number[] {
  return spec.split(',').map((s) => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(GiB|MiB|KiB|B)?\s*$/i.exec(s);
    if (!m) throw new Error(`bad size ${JSON.stringify(s)} (use e.g. 1GiB,256MiB)`);
    const unit = (m[2] ?? 'B').toLowerCase();
    const mult = unit === 'gib' ? GiB : unit === 'mib' ? MiB : unit === 'kib' ? 1024 : 1;
    return Math.round(Number(m[1]) * mult);
  });
}

export function formatSize(bytes: number): string {
  return bytes >= GiB ? `${(bytes / GiB).toFixed(bytes % GiB ? 1 : 0)} GiB` : `${(bytes / MiB).toFixed(0)} MiB`;
}

export function mbps(bytes: number, ms: number): string {
  return (bytes / MiB / (ms / 1000)).toFixed(0);
}
