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
    o.message({ aux: { ID: `sha256:${'a'.repeat(64)}` } });
    o.line('Successfully built aaaaaaaaaaaa');
    expect(o.step).toEqual({ done: 2, total: 3 });
    expect(o.imageId).toBe(`sha256:${'a'.repeat(64)}`);
    // The id after `FROM base` is the base image: printed, never the build's own.
    expect([...o.createdIds]).toEqual(['aaaaaaaaaaaa']);
    expect([...o.reusedIds]).toEqual(['0123456789ab']);
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

  it('ids of the FROM image and of cached layers are not counted as created (docker classic)', () => {
    // Output as dockerd 20.10 prints it for a second build of the same context.
    const o = new BuildOutput();
    for (const l of [
      'Step 1/3 : FROM localhost/bootc-base:latest',
      ' ---> 86a454c0f51e',
      'Step 2/3 : RUN echo hi > /x',
      ' ---> Using cache',
      ' ---> 23083e4fb432',
      'Step 3/3 : RUN echo ho > /y',
      ' ---> Running in 71779b28b83c',
      'Removing intermediate container 71779b28b83c',
      ' ---> 7e2558b8c2af',
      'Successfully built 7e2558b8c2af',
    ])
      o.line(l);
    expect([...o.createdIds]).toEqual(['7e2558b8c2af']);
    expect([...o.reusedIds].sort()).toEqual(['23083e4fb432', '86a454c0f51e']);
  });

  it('podman: a `--> Using cache <id>` layer is reused, not created', () => {
    const o = new BuildOutput();
    for (const l of [
      'STEP 1/3: FROM base',
      'STEP 2/3: RUN x',
      `--> Using cache ${'e'.repeat(64)}`,
      '--> eeeeeeeeeee',
      'STEP 3/3: RUN y',
      '--> 123456789ab',
    ])
      o.line(l);
    expect([...o.createdIds]).toEqual(['123456789ab']);
    expect(o.reusedIds.has('eeeeeeeeeee')).toBe(true);
  });

  it('BuildKit moby.image.id', () => {
    const o = new BuildOutput();
    o.message({ id: 'moby.image.id', aux: { ID: `sha256:${'c'.repeat(64)}` } } as never);
    expect(o.imageId).toBe(`sha256:${'c'.repeat(64)}`);
  });
});
