import { describe, expect, it } from 'vitest';
import { IllegalTransitionError } from '../errors/index.js';
import { IMAGE_BUILD_REASONS } from '../resources/image-build.js';
import { IMAGE_EXPORT_REASONS } from '../resources/image-export.js';
import {
  canCancel,
  canTransition,
  cancelTarget,
  isActive,
  isTerminal,
  transition,
  transitionTable,
  type LifecycleKind,
} from './transitions.js';

/** The expected legal moves, written out independently of the implementation's table. */
const LEGAL: Record<LifecycleKind, string[]> = {
  ImageBuild: [
    'Pending>Building',
    'Pending>Failed',
    'Pending>Canceled',
    'Building>Pushing',
    'Building>GeneratingSBOM',
    'Building>Completed',
    'Building>Failed',
    'Building>Canceling',
    'Pushing>GeneratingSBOM',
    'Pushing>Completed',
    'Pushing>Failed',
    'Pushing>Canceling',
    'GeneratingSBOM>Completed',
    'GeneratingSBOM>Failed',
    'GeneratingSBOM>Canceling',
    'Canceling>Canceled',
    'Canceling>Failed',
  ],
  ImageExport: [
    'Pending>Converting',
    'Pending>Failed',
    'Pending>Canceled',
    'Converting>Pushing',
    'Converting>Failed',
    'Converting>Canceling',
    'Pushing>Completed',
    'Pushing>Failed',
    'Pushing>Canceling',
    'Canceling>Canceled',
    'Canceling>Failed',
  ],
};
const REASONS: Record<LifecycleKind, readonly string[]> = {
  ImageBuild: IMAGE_BUILD_REASONS,
  ImageExport: IMAGE_EXPORT_REASONS,
};

describe.each(['ImageBuild', 'ImageExport'] as const)('%s lifecycle', (kind) => {
  const pairs = REASONS[kind].flatMap((from) => REASONS[kind].map((to) => [from, to] as const));
  it(`covers all ${REASONS[kind].length ** 2} (from, to) pairs`, () => {
    expect(pairs).toHaveLength(REASONS[kind].length ** 2);
  });
  it.each(pairs)('%s → %s', (from, to) => {
    const legal = LEGAL[kind].includes(`${from}>${to}`);
    expect(canTransition(kind, from, to)).toBe(legal);
    if (legal) expect(transition(kind, from as never, to as never)).toBe(to);
    else {
      let caught: unknown;
      try {
        transition(kind, from as never, to as never);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(IllegalTransitionError);
      expect(caught).toMatchObject({ code: 'ILLEGAL_TRANSITION', kind, from, to });
    }
  });
  it('the table lists exactly the legal moves', () => {
    const table = transitionTable(kind) as Record<string, readonly string[]>;
    expect(
      Object.entries(table)
        .flatMap(([f, tos]) => tos.map((t) => `${f}>${t}`))
        .sort(),
    ).toEqual([...LEGAL[kind]].sort());
  });
  it('treats a missing status as Pending and refuses unknown reasons', () => {
    expect(canTransition(kind, undefined, 'Canceled')).toBe(true);
    expect(canTransition(kind, 'Bogus', 'Failed')).toBe(false);
    expect(canTransition(kind, 'Pending', 'Bogus')).toBe(false);
  });
  it.each(REASONS[kind].map((r) => [r]))('cancel rules for %s', (reason) => {
    const terminal = ['Completed', 'Failed', 'Canceled'].includes(reason);
    expect(isTerminal(reason)).toBe(terminal);
    expect(canCancel(kind, reason)).toBe(!terminal && reason !== 'Canceling');
    if (canCancel(kind, reason)) {
      const target = cancelTarget(kind, reason);
      expect(target).toBe(reason === 'Pending' ? 'Canceled' : 'Canceling');
      expect(canTransition(kind, reason, target)).toBe(true);
    } else expect(() => cancelTarget(kind, reason)).toThrow(IllegalTransitionError);
  });
});

describe('isActive', () => {
  it('follows upstream: build Building/Pushing/GeneratingSBOM, export Converting/Pushing', () => {
    expect(IMAGE_BUILD_REASONS.filter((r) => isActive('ImageBuild', r))).toEqual([
      'Building',
      'Pushing',
      'GeneratingSBOM',
    ]);
    expect(IMAGE_EXPORT_REASONS.filter((r) => isActive('ImageExport', r))).toEqual(['Converting', 'Pushing']);
    expect(isActive('ImageBuild', undefined)).toBe(false);
    expect(canCancel('ImageBuild', undefined)).toBe(true);
    expect(cancelTarget('ImageExport', undefined)).toBe('Canceled');
  });
});
