import { describe, expect, it } from 'vitest';
import { ValidationError } from '@imagebuild/core';
import { compileFieldSelector, compileLabelSelector } from '../src/index.js';
import { decodeContinue, encodeContinue, paginate } from '../src/selectors/paging.js';

describe('label selectors (k8s syntax)', () => {
  const labels = { app: 'web', tier: 'front', n: '5' };
  const cases: Array<[string, boolean]> = [
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (web, api)', true],
    ['app notin (web)', false],
    ['missing notin (a)', true],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['app=web,tier=back', false],
    ['app=web, tier in (front,back)', true],
    ['n>3', true],
    ['n<3', false],
    ['', true],
  ];
  it.each(cases)('%s → %s', (sel, expected) => {
    expect(compileLabelSelector(sel)(labels)).toBe(expected);
  });
  it('rejects malformed selectors naming labelSelector', () => {
    for (const bad of ['app=web,,tier', 'app in (a', 'a b c', 'x in (a,,b)', 'n>abc']) {
      const err = (() => {
        try {
          compileLabelSelector(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues[0]!.path).toBe('labelSelector');
    }
  });
});

describe('field selectors (upstream fields)', () => {
  const exp = {
    metadata: { name: 'e1', owner: 'ImageBuild/b1', creationTimestamp: '2026-01-02T00:00:00Z' },
    spec: { source: { type: 'imageBuild', imageBuildRef: 'b1' }, format: 'qcow2' },
    status: { conditions: [{ type: 'Ready', reason: 'Failed' }] },
  };
  const cases: Array<[string, boolean]> = [
    ['metadata.name=e1', true],
    ['metadata.owner=ImageBuild/b1', true],
    ['spec.source.imageBuildRef=b1,spec.format=qcow2', true],
    ['spec.format in (iso, vmdk)', false],
    ['status.conditions.ready.reason notin (Completed, Failed, Canceled)', false],
    ['status.conditions.ready.reason!=Completed', true],
    ['metadata.creationTimestamp>2026-01-01T00:00:00Z', true],
    ['metadata.creationTimestamp<2026-01-01T00:00:00Z', false],
    ['metadata.creationTimestamp>=2026-01-02T00:00:00Z', true],
    ['metadata.name contains e', true],
    ['status.lastSeen', false],
    ['!status.lastSeen', true],
  ];
  it.each(cases)('%s → %s', (sel, expected) => {
    expect(compileFieldSelector('ImageExport', sel)(exp)).toBe(expected);
  });
  it('names unsupported fields and misfit operators', () => {
    expect(() => compileFieldSelector('ImageBuild', 'spec.format=qcow2')).toThrow(
      /spec.format.*not supported for ImageBuild/,
    );
    expect(() => compileFieldSelector('ImageBuild', 'metadata.name>a')).toThrow(/needs a timestamp field/);
    expect(() => compileFieldSelector('ImageBuild', 'metadata.creationTimestamp>yesterday')).toThrow(
      /not an RFC 3339 timestamp/,
    );
  });
});

describe('paging', () => {
  const items = Array.from({ length: 7 }, (_, i) => ({ seq: 100 - i }));
  it('pages newest first with remainingItemCount and an opaque token', () => {
    const p1 = paginate(items, 3, undefined);
    expect(p1.page.map((i) => i.seq)).toEqual([100, 99, 98]);
    expect(p1.remainingItemCount).toBe(4);
    const p2 = paginate(items, 3, p1.continue);
    expect(p2.page.map((i) => i.seq)).toEqual([97, 96, 95]);
    const p3 = paginate(items, 3, p2.continue);
    expect(p3.page.map((i) => i.seq)).toEqual([94]);
    expect(p3.continue).toBeUndefined();
    expect(p3.remainingItemCount).toBeUndefined();
  });
  it('validates limit and continue', () => {
    expect(() => paginate(items, 1001, undefined)).toThrow(/cannot exceed 1000/);
    expect(() => paginate(items, -1, undefined)).toThrow(/limit/);
    expect(() => decodeContinue('garbage!')).toThrow(/continue/);
    expect(decodeContinue(encodeContinue(42))).toBe(42);
    expect(paginate(items, 0, undefined).page).toHaveLength(7);
  });
});
