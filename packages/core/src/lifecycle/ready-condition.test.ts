import { describe, expect, it } from 'vitest';
import { IMAGE_BUILD_REASONS } from '../resources/image-build.js';
import { getReadyCondition, getReadyReason, setReadyCondition } from './ready-condition.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:05:00.000Z';

describe('setReadyCondition', () => {
  it.each(IMAGE_BUILD_REASONS.map((r) => [r]))('status is True only for Completed (%s)', (reason) => {
    const [c] = setReadyCondition(undefined, reason, 'm', T0);
    expect(c).toEqual({
      type: 'Ready',
      status: reason === 'Completed' ? 'True' : 'False',
      reason,
      message: 'm',
      lastTransitionTime: T0,
    });
  });

  it('keeps lastTransitionTime while the status value stays the same', () => {
    const a = setReadyCondition(undefined, 'Pending', 'waiting', T0);
    const b = setReadyCondition(a, 'Building', 'building', T1);
    expect(b[0]).toMatchObject({ reason: 'Building', message: 'building', status: 'False', lastTransitionTime: T0 });
    const c = setReadyCondition(b, 'Completed', 'done', new Date(T1));
    expect(c[0]).toMatchObject({ status: 'True', lastTransitionTime: T1 });
    const d = setReadyCondition(c, 'Completed', 'done again', '2030-01-01T00:00:00Z');
    expect(d[0]?.lastTransitionTime).toBe(T1);
    expect(a[0]?.reason).toBe('Pending'); // inputs are not mutated
  });

  it('leaves other conditions alone and keeps observedGeneration', () => {
    const other = { type: 'Other', status: 'True' as const, reason: 'x', message: '', lastTransitionTime: T0 };
    const ready = {
      type: 'Ready',
      status: 'False' as const,
      reason: 'Pending',
      message: '',
      lastTransitionTime: T0,
      observedGeneration: 3,
    };
    const out = setReadyCondition([other, ready], 'Failed', 'boom', T1);
    expect(out).toEqual([
      other,
      {
        type: 'Ready',
        status: 'False',
        reason: 'Failed',
        message: 'boom',
        lastTransitionTime: T0,
        observedGeneration: 3,
      },
    ]);
    expect(getReadyCondition(out)?.reason).toBe('Failed');
    expect(getReadyReason({ status: { conditions: out } })).toBe('Failed');
    expect(getReadyReason({})).toBeUndefined();
  });
});
