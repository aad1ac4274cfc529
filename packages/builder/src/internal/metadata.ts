import type { ObjectMeta } from '@imagebuild/core/resources';

/**
 * Server-managed metadata as upstream writes it on create: generation 1, resourceVersion "1",
 * creationTimestamp now, labels/annotations always present, client-set annotations/owner dropped.
 */
export function managedMetadata(
  meta: ObjectMeta,
  extra: { owner?: string; annotations?: Record<string, string> } = {},
): ObjectMeta {
  const out: ObjectMeta = {
    name: meta.name,
    labels: { ...(meta.labels ?? {}) },
    annotations: { ...(extra.annotations ?? {}) },
    generation: 1,
    resourceVersion: '1',
    creationTimestamp: new Date().toISOString(),
  };
  if (extra.owner !== undefined) out.owner = extra.owner;
  return out;
}

/** Stable JSON for comparing specs (key order independent). */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
