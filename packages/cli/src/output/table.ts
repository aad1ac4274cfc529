import { humanAge } from './age.js';
import type { Kind } from '../internal/kinds.js';

const NONE = '<none>';

/** The fields the tables read (every resource of both APIs has this shape). */
export interface AnyResource {
  metadata: {
    name?: string | undefined;
    creationTimestamp?: string | undefined;
    labels?: Record<string, string> | undefined;
  };
  spec?: unknown;
  status?: unknown;
  imageexports?: unknown;
}

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (typeof v === 'object' && v !== null ? (v as Rec) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function phaseOf(r: AnyResource): string {
  const conditions = rec(r.status).conditions;
  if (!Array.isArray(conditions)) return NONE;
  const ready = conditions.map(rec).find((c) => c.type === 'Ready');
  return str(ready?.reason) ?? NONE;
}

function imageOf(v: unknown): string {
  const o = rec(v);
  return `${str(o.repository) ?? ''}/${str(o.imageName) ?? ''}:${str(o.imageTag) ?? ''}`;
}

function labelsOf(r: AnyResource): string {
  const l = Object.entries(r.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`);
  return l.length > 0 ? l.join(',') : NONE;
}

function exportFormats(r: AnyResource): string {
  if (!Array.isArray(r.imageexports) || r.imageexports.length === 0) return NONE;
  const formats = new Set(r.imageexports.map((e) => str(rec(rec(e).spec).format)).filter((f) => f !== undefined));
  return formats.size > 0 ? [...formats].sort().join(',') : NONE;
}

export interface TableOptions {
  wide?: boolean;
  withExports?: boolean;
  now?: number;
}

/** Header and rows with flightctl's columns for the kind (`wide` adds more). */
export function tableRows(kind: Kind, items: readonly AnyResource[], options: TableOptions = {}): string[][] {
  const age = (r: AnyResource): string => humanAge(r.metadata.creationTimestamp, options.now);
  const name = (r: AnyResource): string => r.metadata.name ?? NONE;
  const wide = options.wide === true;
  switch (kind) {
    case 'ImageBuild': {
      const header = ['NAME', 'PHASE', 'INPUT', 'OUTPUT', ...(options.withExports ? ['EXPORTS'] : []), 'AGE'];
      if (wide) header.push('IMAGE', 'LABELS');
      return [
        header,
        ...items.map((r) => {
          const spec = rec(r.spec);
          const row = [name(r), phaseOf(r), imageOf(spec.source), imageOf(spec.destination)];
          if (options.withExports) row.push(exportFormats(r));
          row.push(age(r));
          if (wide) row.push(str(rec(r.status).imageReference) ?? NONE, labelsOf(r));
          return row;
        }),
      ];
    }
    case 'ImageExport': {
      const header = ['NAME', 'PHASE', 'SOURCE', 'OUTPUT', 'FORMAT', 'AGE'];
      if (wide) header.push('DIGEST', 'LABELS');
      return [
        header,
        ...items.map((r) => {
          const spec = rec(r.spec);
          const ref = str(rec(spec.source).imageBuildRef);
          const src = ref ? `imagebuild/${ref}` : NONE;
          const row = [name(r), phaseOf(r), src, src, str(spec.format) ?? NONE, age(r)];
          if (wide) row.push(str(rec(r.status).manifestDigest) ?? NONE, labelsOf(r));
          return row;
        }),
      ];
    }
    case 'Repository': {
      const header = ['NAME', 'TYPE', 'REPOSITORY URL', 'ACCESSIBLE'];
      if (wide) header.push('ACCESS', 'LABELS');
      return [
        header,
        ...items.map((r) => {
          const spec = rec(r.spec);
          const conditions = rec(r.status).conditions;
          const accessible = Array.isArray(conditions)
            ? str(conditions.map(rec).find((c) => c.type === 'Accessible')?.status)
            : undefined;
          const row = [
            name(r),
            str(spec.type) ?? NONE,
            str(spec.registry) ?? str(spec.url) ?? '',
            accessible ?? 'Unknown',
          ];
          if (wide) row.push(str(spec.accessMode) ?? NONE, labelsOf(r));
          return row;
        }),
      ];
    }
    default: {
      const header = ['NAME', 'SOURCE', 'AGE'];
      return [header, ...items.map((r) => [name(r), str(rec(rec(r.spec).source).imageBuildRef) ?? NONE, age(r)])];
    }
  }
}

/** Left-aligned columns, three spaces apart (what `flightctl`'s tabwriter lines up). */
export function renderTable(rows: readonly (readonly string[])[], withHeader = true): string {
  const body = withHeader ? rows : rows.slice(1);
  if (body.length === 0) return '';
  const widths: number[] = [];
  for (const row of rows) for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  return body
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3)))
        .join('')
        .trimEnd(),
    )
    .map((l) => `${l}\n`)
    .join('');
}
