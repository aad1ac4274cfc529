import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError, type Repository } from '@imagebuild/core';
import { REDACTED } from '@imagebuild/core/errors';
import { ImageBuilder, NEW_VERSION_ANNOTATION, type WatchEvent } from '../src/index.js';
import { InstantRunner } from './instant-runner.js';
import { build, exp, fakeEnrollment, reasonOf, repo } from './fixtures.js';
import { waitForReason } from './helpers.js';

let b: ImageBuilder;
afterEach(async () => b?.close());

async function setup(opts: Partial<ConstructorParameters<typeof ImageBuilder>[0]> = {}): Promise<InstantRunner> {
  const runner = new InstantRunner();
  b = new ImageBuilder({ runners: [runner], ...opts });
  await b.create(repo('src', { accessMode: 'Read' }));
  await b.create(repo('dst', { ociAuth: { authType: 'docker', username: 'u', password: 'hunter2-secret' } }));
  return runner;
}

describe('repositories', () => {
  it('keeps credentials out of get, list and events, but gives them to the runner', async () => {
    const runner = new InstantRunner();
    b = new ImageBuilder({ runners: [runner] });
    const events: WatchEvent[] = [];
    const w = b.watch({ kind: 'Repository' });
    const created = (await b.create(
      repo('dst', { ociAuth: { authType: 'docker', username: 'u', password: 'hunter2-secret' } }),
    )) as Repository;
    await b.create(repo('src'));
    expect(created.spec.ociAuth?.password).toBe(REDACTED);
    expect((await b.get('Repository', 'dst')).spec.ociAuth?.password).toBe(REDACTED);
    expect(JSON.stringify(await b.list('Repository'))).not.toContain('hunter2');
    events.push((await w.next()).value!);
    expect(JSON.stringify(events)).not.toContain('hunter2');
    await b.create(build('b1'));
    await waitForReason(b, 'ImageBuild', 'b1', ['Completed']);
    expect(runner.calls[0]!.repositories.find((r) => r.metadata.name === 'dst')!.spec.ociAuth!.password).toBe(
      'hunter2-secret',
    );
    await expect(b.create(repo('dst'))).rejects.toBeInstanceOf(ConflictError);
    expect(await b.delete('Repository', 'dst')).toBe(true);
    expect(await b.delete('Repository', 'dst')).toBe(false);
    await expect(b.get('Repository', 'dst')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('apply replaces a repository (password rotation) and bumps resourceVersion', async () => {
    await setup();
    const r = await b.apply(repo('dst', { ociAuth: { authType: 'docker', username: 'u', password: 'rotated-pass' } }));
    expect(r.metadata.resourceVersion).toBe('2');
    const same = await b.apply(
      repo('dst', { ociAuth: { authType: 'docker', username: 'u', password: 'rotated-pass' } }),
    );
    expect(same.metadata.resourceVersion).toBe('2');
  });
});

describe('ImageBuild and ImageExport resources', () => {
  it('create sets server-managed metadata and Pending status; duplicate → ConflictError', async () => {
    await setup();
    const input = build('b1', { labels: { env: 'dev' } });
    (input.metadata as Record<string, unknown>)['annotations'] = { sneaky: 'x' };
    const created = await b.create(input);
    expect(created.metadata).toMatchObject({
      name: 'b1',
      generation: 1,
      resourceVersion: '1',
      labels: { env: 'dev' },
      annotations: {},
    });
    expect(Date.parse(created.metadata.creationTimestamp!)).not.toBeNaN();
    expect(reasonOf(created)).toBe('Pending');
    await expect(b.create(build('b1'))).rejects.toThrow(ConflictError);
    await waitForReason(b, 'ImageBuild', 'b1', ['Completed']);
    const done = await b.get('ImageBuild', 'b1');
    expect(Number(done.metadata.resourceVersion)).toBeGreaterThan(2);
    expect(done.status?.imageReference).toBe('localhost:5000/out/image:v1');
    expect(done.status?.manifestDigest).toMatch(/^sha256:/);
    expect(done.status?.conditions?.[0]).toMatchObject({
      status: 'True',
      reason: 'Completed',
      message: 'Build completed successfully',
    });
  });

  it('validates with core, cross-checks repositories, and names the field', async () => {
    await setup();
    const bad = build('Bad_Name');
    await expect(b.create(bad)).rejects.toThrow(/metadata.name/);
    const noRepo = build('b2');
    noRepo.spec.source.repository = 'nope';
    const err = await b.create(noRepo).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues).toEqual([
      { path: 'spec.source.repository', message: 'Repository "nope" not found' },
    ]);
    const ro = build('b3');
    ro.spec.destination.repository = 'src';
    await expect(b.create(ro)).rejects.toThrow(/ReadWrite/);
    await expect(b.create(build('b4', { binding: 'early' }))).rejects.toThrow(
      /spec.binding.type: early binding needs an enrollment configuration/,
    );
    await expect(b.create(exp('e1', 'missing'))).rejects.toThrow(
      /spec.source.imageBuildRef: ImageBuild "missing" not found/,
    );
  });

  it('early binding works with an enrollmentConfig', async () => {
    await setup({ enrollmentConfig: fakeEnrollment });
    await b.create(build('eb', { binding: 'early' }));
    expect(await waitForReason(b, 'ImageBuild', 'eb', ['Completed', 'Failed'])).toBe('Completed');
  });

  it('export owner, withExports, list selectors and paging', async () => {
    await setup();
    for (let i = 0; i < 5; i++)
      await b.create(build(`b${i}`, { labels: { idx: String(i), parity: i % 2 ? 'odd' : 'even' } }));
    await b.create(exp('e1', 'b1'));
    await b.create(exp('e2', 'b1', 'iso'));
    const e = await b.get('ImageExport', 'e1');
    expect(e.metadata.owner).toBe('ImageBuild/b1');
    const withEx = await b.get('ImageBuild', 'b1', { withExports: true });
    expect(withEx.imageexports?.map((x) => x.metadata.name).sort()).toEqual(['e1', 'e2']);
    expect((await b.get('ImageBuild', 'b2', { withExports: true })).imageexports).toBeUndefined();
    const odd = await b.list('ImageBuild', { labelSelector: 'parity=odd' });
    expect(odd.items.map((i) => i.metadata.name)).toEqual(['b3', 'b1']);
    const p1 = await b.list('ImageBuild', { limit: 2 });
    expect(p1.items.map((i) => i.metadata.name)).toEqual(['b4', 'b3']);
    expect(p1.metadata.remainingItemCount).toBe(3);
    const p2 = await b.list('ImageBuild', { limit: 2, continue: p1.metadata.continue });
    expect(p2.items.map((i) => i.metadata.name)).toEqual(['b2', 'b1']);
    const iso = await b.list('ImageExport', { fieldSelector: 'spec.format=iso,spec.source.imageBuildRef=b1' });
    expect(iso.items.map((i) => i.metadata.name)).toEqual(['e2']);
    await waitForReason(b, 'ImageExport', 'e2', ['Completed']);
    const done = await b.list('ImageExport', {
      fieldSelector: 'status.conditions.ready.reason=Completed,metadata.owner=ImageBuild/b1',
    });
    expect(done.items.length).toBeGreaterThanOrEqual(1);
    await expect(b.list('ImageBuild', { fieldSelector: 'spec.format=iso' })).rejects.toThrow(ValidationError);
  });

  it('apply is idempotent for the same spec, updates labels, and refuses spec changes', async () => {
    await setup();
    await b.apply(build('b1'));
    const again = await b.apply(build('b1'));
    expect(again.metadata.name).toBe('b1');
    const relabeled = await b.apply(build('b1', { labels: { a: 'b' } }));
    expect(relabeled.metadata.labels).toEqual({ a: 'b' });
    await expect(b.apply(build('b1', { tag: 'other' }))).rejects.toThrow(/different spec.*newVersion/);
  });

  it('newVersion copies the spec, overrides tags, annotates, drops labels', async () => {
    await setup();
    await b.create(build('parent', { labels: { keep: 'no' } }));
    const nv = await b.newVersion('parent', { newName: 'child', destinationImageTag: 'v2' });
    expect(nv.spec.destination.imageTag).toBe('v2');
    expect(nv.spec.source.imageTag).toBe('latest');
    expect(nv.metadata.annotations).toEqual({ [NEW_VERSION_ANNOTATION]: 'parent' });
    expect(nv.metadata.labels).toEqual({});
    await expect(b.newVersion('ghost', { newName: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(b.newVersion('parent', { newName: 'child' })).rejects.toBeInstanceOf(ConflictError);
    await expect(b.newVersion('parent', { newName: 'c3', sourceImageTag: 'bad tag' })).rejects.toThrow(
      /sourceImageTag/,
    );
  });
});
