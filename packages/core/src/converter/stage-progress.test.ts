import { describe, expect, it } from 'vitest';
import { ConverterStageTracker, countStages } from './stage-progress.js';

const id = (c: string) => c.repeat(64);
const manifest = {
  version: '2',
  pipelines: [
    { name: 'build', stages: [{ type: 'org.osbuild.rpm' }, { type: 'org.osbuild.selinux' }] },
    { name: 'image', build: 'name:build', stages: [{ type: 'org.osbuild.ostree.config' }] },
    {
      name: 'qcow2',
      build: 'name:build',
      stages: [{ type: 'org.osbuild.qemu', inputs: { image: { references: ['name:image'] } } }],
    },
    { name: 'vmdk', build: 'name:build', stages: [{ type: 'org.osbuild.qemu' }] },
  ],
};

describe('converter stage progress (osbuild LogMonitor lines)', () => {
  it('counts the stages of the exported pipelines and of those they reference', () => {
    expect(countStages(manifest, ['qcow2'])).toBe(4);
    expect(countStages(manifest, ['image'])).toBe(3);
    expect(countStages(manifest, ['nope'])).toBeUndefined();
    expect(countStages({}, ['qcow2'])).toBeUndefined();
  });

  it('turns stage lines into stage k of n, in order, with their pipeline', () => {
    const t = new ConverterStageTracker();
    t.useManifest(manifest, ['qcow2']);
    const lines = [
      'Manifest generation step',
      `Pipeline build: ${id('a')}`,
      'Build',
      '  root: <host>',
      `org.osbuild.rpm: ${id('b')} {`,
      '  "gpgkeys": []',
      '}',
      '⏱  Duration: 3s',
      `\x1b[1morg.osbuild.selinux: ${id('c')}\x1b[0m {}`,
      `Pipeline image: ${id('d')}`,
      `org.osbuild.ostree.config: ${id('e')} {`,
      `Pipeline qcow2: ${id('f')}`,
      `org.osbuild.qemu: ${id('0')} {`,
      'org.osbuild.qemu: not-an-id {',
      'Build complete!',
    ];
    const stages = lines.map((l) => t.line(l)).filter((s) => s !== undefined);
    expect(stages).toEqual([
      { index: 1, count: 4, name: 'org.osbuild.rpm', pipeline: 'build' },
      { index: 2, count: 4, name: 'org.osbuild.selinux', pipeline: 'build' },
      { index: 3, count: 4, name: 'org.osbuild.ostree.config', pipeline: 'image' },
      { index: 4, count: 4, name: 'org.osbuild.qemu', pipeline: 'qcow2' },
    ]);
  });

  it('without a manifest the count is unknown; a count below the index is dropped', () => {
    const t = new ConverterStageTracker();
    expect(t.line(`org.osbuild.rpm: ${id('1')} {}`)).toEqual({
      index: 1,
      count: undefined,
      name: 'org.osbuild.rpm',
      pipeline: undefined,
    });
    t.useManifest({ pipelines: [{ name: 'x', stages: [{}] }] }, ['x']);
    expect(t.line(`org.osbuild.qemu: ${id('2')} {}`)?.count).toBeUndefined();
  });
});
