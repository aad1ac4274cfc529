import { describe, expect, it } from 'vitest';
import { BuildOutput } from './build-output.js';

describe('BuildOutput', () => {
  it('docker classic: steps, intermediate ids, aux id', () => {
    const o = new BuildOutput();
    expect(o.line('Step 1/3 : FROM base')).toBe(true);
    o.line(' ---> 0123456789ab');
    o.line(' ---> Running in fedcba987654');
    o.line(' ---> Using cache');
    o.line('Step 2/3 : RUN x');
    o.message({ aux: { ID: 'sha256:' + 'a'.repeat(64) } });
    o.line('Successfully built aaaaaaaaaaaa');
    expect(o.step).toEqual({ done: 2, total: 3 });
    expect(o.imageId).toBe('sha256:' + 'a'.repeat(64));
    expect([...o.createdIds]).toEqual(['0123456789ab', 'aaaaaaaaaaaa']);
  });

  it('podman libpod: STEP lines, --> ids, final id line', () => {
    const o = new BuildOutput();
    o.line('STEP 1/2: FROM base');
    o.line('STEP 2/2: RUN x');
    o.line('--> 9f8e7d6c5b4');
    o.line('b'.repeat(64));
    expect(o.step).toEqual({ done: 2, total: 2 });
    expect(o.imageId).toBe('b'.repeat(64));
    expect(o.createdIds.has('9f8e7d6c5b4')).toBe(true);
  });

  it('BuildKit moby.image.id', () => {
    const o = new BuildOutput();
    o.message({ id: 'moby.image.id', aux: { ID: 'sha256:' + 'c'.repeat(64) } } as never);
    expect(o.imageId).toBe('sha256:' + 'c'.repeat(64));
  });
});
