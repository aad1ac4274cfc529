import type { Condition } from '../resources/meta.js';

/** Type of the condition whose reason is a resource's lifecycle state. */
export const READY = 'Ready';

/** The Ready condition of a resource status, if any. */
export function getReadyCondition(conditions: readonly Condition[] | undefined): Condition | undefined {
  return conditions?.find((c) => c.type === READY);
}

/** The Ready condition's reason (the lifecycle state), if any. */
export function getReadyReason(resource: {
  status?: { conditions?: readonly Condition[] | undefined } | undefined;
}): string | undefined {
  return getReadyCondition(resource.status?.conditions)?.reason;
}

/**
 * Returns a new conditions list with Ready set to `reason`/`message`. Status is `True` only for
 * Completed. `lastTransitionTime` changes only when the status value changes (upstream's rule).
 */
export function setReadyCondition(
  conditions: readonly Condition[] | undefined,
  reason: string,
  message: string,
  now: Date | string = new Date(),
): Condition[] {
  const list = conditions ? [...conditions] : [];
  const status = reason === 'Completed' ? 'True' : 'False';
  const idx = list.findIndex((c) => c.type === READY);
  const prev = idx >= 0 ? list[idx] : undefined;
  const time = typeof now === 'string' ? now : now.toISOString();
  const next: Condition = {
    type: READY,
    status,
    reason,
    message,
    lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : time,
    ...(prev?.observedGeneration !== undefined ? { observedGeneration: prev.observedGeneration } : {}),
  };
  if (idx >= 0) list[idx] = next;
  else list.push(next);
  return list;
}
