import { ValidationError } from '@imagebuild/core';
import { parseRequirements, type Requirement } from './requirements.js';

type Getter = (resource: FieldSource) => string | undefined;

/** The shape the field selector reads (any of the builder's resources). */
export interface FieldSource {
  metadata: { name: string; owner?: string | undefined; creationTimestamp?: string | undefined };
  spec?: unknown;
  status?:
    | { conditions?: ReadonlyArray<{ type: string; reason: string }> | undefined; lastSeen?: string | undefined }
    | undefined;
}

const readyReason: Getter = (r) => r.status?.conditions?.find((c) => c.type === 'Ready')?.reason;
const COMMON: Record<string, Getter> = {
  'metadata.name': (r) => r.metadata.name,
  'metadata.owner': (r) => r.metadata.owner,
  'metadata.creationTimestamp': (r) => r.metadata.creationTimestamp,
};
const JOB: Record<string, Getter> = {
  ...COMMON,
  'status.conditions.ready.reason': readyReason,
  'status.lastSeen': (r) => r.status?.lastSeen,
};

/** Field selectors supported per kind (upstream's set, facts §1.3). */
export const FIELD_SELECTORS: Readonly<
  Record<'Repository' | 'ImageBuild' | 'ImageExport', Readonly<Record<string, Getter>>>
> = {
  Repository: COMMON,
  ImageBuild: JOB,
  ImageExport: {
    ...JOB,
    'spec.source.imageBuildRef': (r) =>
      (r.spec as { source?: { imageBuildRef?: string } } | undefined)?.source?.imageBuildRef,
    'spec.format': (r) => (r.spec as { format?: string } | undefined)?.format,
  },
};

const TIMESTAMPS = new Set(['metadata.creationTimestamp', 'status.lastSeen']);
const ORDERED = new Set(['<', '>', '<=', '>=']);

function fail(message: string): ValidationError {
  return new ValidationError([{ path: 'fieldSelector', message }], { subject: 'fieldSelector' });
}

function compileOne(kind: keyof typeof FIELD_SELECTORS, req: Requirement): (r: FieldSource) => boolean {
  const get = FIELD_SELECTORS[kind][req.key];
  if (!get) {
    throw fail(
      `field ${JSON.stringify(req.key)} is not supported for ${kind}; supported: ${Object.keys(FIELD_SELECTORS[kind]).join(', ')}`,
    );
  }
  const isTime = TIMESTAMPS.has(req.key);
  if (ORDERED.has(req.op) && !isTime) {
    throw fail(`operator ${req.op} needs a timestamp field (${[...TIMESTAMPS].join(', ')}); ${req.key} is a string`);
  }
  const times =
    isTime && req.op !== 'exists' && req.op !== '!exists' && req.op !== 'contains' && req.op !== 'notcontains'
      ? req.values.map((v) => {
          const t = Date.parse(v);
          if (Number.isNaN(t)) throw fail(`${req.key}: ${JSON.stringify(v)} is not an RFC 3339 timestamp`);
          return t;
        })
      : [];
  const v0 = req.values[0] ?? '';
  return (r) => {
    const value = get(r);
    if (req.op === 'exists') return value !== undefined;
    if (req.op === '!exists') return value === undefined;
    if (req.op === 'contains') return value !== undefined && value.includes(v0);
    if (req.op === 'notcontains') return value === undefined || !value.includes(v0);
    if (isTime) {
      const t = value === undefined ? undefined : Date.parse(value);
      if (t === undefined || Number.isNaN(t)) return req.op === '!=' || req.op === 'notin';
      switch (req.op) {
        case '=':
          return t === times[0];
        case '!=':
          return t !== times[0];
        case 'in':
          return times.includes(t);
        case 'notin':
          return !times.includes(t);
        case '<':
          return t < times[0]!;
        case '>':
          return t > times[0]!;
        case '<=':
          return t <= times[0]!;
        case '>=':
          return t >= times[0]!;
      }
    }
    switch (req.op) {
      case '=':
        return value === v0;
      case '!=':
        return value !== v0;
      case 'in':
        return value !== undefined && req.values.includes(value);
      case 'notin':
        return value === undefined || !req.values.includes(value);
      default:
        return false;
    }
  };
}

/**
 * Compiles a Flight Control field selector for `kind`, e.g.
 * `status.conditions.ready.reason notin (Completed, Failed),metadata.creationTimestamp>2026-01-01T00:00:00Z`.
 * Unknown fields and operators that do not fit a field throw `ValidationError` naming `fieldSelector`.
 */
export function compileFieldSelector(
  kind: keyof typeof FIELD_SELECTORS,
  selector: string | undefined,
): (resource: FieldSource) => boolean {
  if (selector === undefined) return () => true;
  const preds = parseRequirements(selector, 'fieldSelector').map((r) => compileOne(kind, r));
  return (r) => preds.every((p) => p(r));
}
