import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from '@imagebuild/core';
import { canTransition, getReadyCondition } from '@imagebuild/core/lifecycle';
import { ImageBuilder, MemoryStore, type WatchEvent } from '@imagebuild/builder';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv, TempDirs, type HarnessEnv } from '@imagebuild/testkit';

const env: HarnessEnv = loadHarnessEnv();
const dirs = new TempDirs();
afterAll(() => dirs.removeAll());
const reason = (o: {
  status?:
    | {
        conditions?:
          | ReadonlyArray<{ type: string; reason: string; message: string; status: string; lastTransitionTime: string }>
          | undefined;
      }
    | undefined;
}) => getReadyCondition(o.status?.conditions as never);

async function settle<K extends 'ImageBuild' | 'ImageExport'>(b: ImageBuilder, kind: K, name: string, ms = 180_000) {
  for await (const _ of b.logs(kind, name, { follow: true, signal: AbortSignal.timeout(ms) })) {
    /* drain */
  }
  return b.get(kind, name);
}

const engines: Array<[string, () => Runner]> = [
  ['podman', () => new PodmanRunner({ engine: `unix://${env.podmanSocket}`, name: 'podman' })],
  ['docker', () => new DockerRunner({ engine: `unix://${env.dockerSocket}`, name: 'docker' })],
];

describe.each(engines)('ImageBuilder end to end on %s', (engine, makeRunner) => {
  let runner: Runner;
  let store: MemoryStore;
  let b: ImageBuilder;
  const events: WatchEvent[] = [];
  const id = `${engine}-${Date.now().toString(36)}`;
  const password = env.registryPassword;
  const ib = (name: string, o: { dst?: string; srcTag?: string } = {}) => ({
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageBuild' as const,
    metadata: { name },
    spec: {
      source: { repository: 'src', imageName: 'fixtures/bootc-base', imageTag: o.srcTag ?? 'latest' },
      destination: { repository: o.dst ?? 'dst', imageName: 'tests/builder-e2e', imageTag: name },
      binding: { type: 'late' as const },
    },
  });
  const ie = (name: string, ref: string) => ({
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageExport' as const,
    metadata: { name },
    spec: { source: { type: 'imageBuild' as const, imageBuildRef: ref }, format: 'qcow2' as const },
  });

  beforeAll(async () => {
    runner = makeRunner();
    store = new MemoryStore();
    b = new ImageBuilder({ runners: [runner], store, concurrency: 2, exportOptions: { converterImage: env.bibImage } });
    const w = b.watch();
    void (async () => {
      for await (const ev of w) events.push(ev);
    })().catch(() => undefined);
    const plain = { type: 'oci' as const, registry: env.registryPlain, scheme: 'http' as const };
    await b.create({
      apiVersion: 'flightctl.io/v1beta1',
      kind: 'Repository',
      metadata: { name: 'src' },
      spec: { ...plain, accessMode: 'Read' },
    });
    await b.create({
      apiVersion: 'flightctl.io/v1beta1',
      kind: 'Repository',
      metadata: { name: 'dst' },
      spec: { ...plain, accessMode: 'ReadWrite' },
    });
    await b.create({
      apiVersion: 'flightctl.io/v1beta1',
      kind: 'Repository',
      metadata: { name: 'secure' },
      spec: {
        type: 'oci',
        registry: env.registryTls,
        scheme: 'https',
        accessMode: 'ReadWrite',
        'ca.crt': readFileSync(env.registryCa).toString('base64'),
        ociAuth: { authType: 'docker', username: env.registryUser, password },
      },
    });
  });
  afterAll(async () => {
    await b.close();
    await runner.close();
  });

  it('builds, exports to qcow2 and downloads a verified file; logs and events are consistent', async () => {
    const name = `e2e-${id}`;
    await b.create(ib(name));
    await b.create(ie(`${name}-qcow2`, name));
    const built = await settle(b, 'ImageBuild', name);
    expect(reason(built), reason(built)?.message).toMatchObject({ reason: 'Completed', status: 'True' });
    expect(built.status?.imageReference).toBe(`${env.registryPlain}/tests/builder-e2e:${name}`);
    const exported = await settle(b, 'ImageExport', `${name}-qcow2`);
    expect(reason(exported), reason(exported)?.message).toMatchObject({ reason: 'Completed' });
    const dir = dirs.make('ib-dl-');
    const res = await b.download(`${name}-qcow2`, dir);
    expect(res.file).toBe(join(dir, `${name}.qcow2`));
    expect(`sha256:${createHash('sha256').update(readFileSync(res.file)).digest('hex')}`).toBe(res.digest);
    expect(readdirSync(dir)).toEqual([`${name}.qcow2`]);
    const log: string[] = [];
    for await (const l of b.logs('ImageBuild', name)) log.push(l);
    expect(log.length).toBeGreaterThan(3);
    const mine = events.filter((e) => e.name === name && e.type === 'phase');
    expect(mine.map((e) => (e.type === 'phase' ? e.phase : '')).at(-1)).toBe('Completed');
    for (const e of events) if (e.type === 'phase') expect(canTransition(e.kind, e.from, e.phase)).toBe(true);
  });

  it('pushes to the TLS + htpasswd registry without the password reaching events, lists, logs or log files', async () => {
    const name = `sec-${id}`;
    await b.create(ib(name, { dst: 'secure' }));
    const built = await settle(b, 'ImageBuild', name);
    expect(reason(built), reason(built)?.message).toMatchObject({ reason: 'Completed' });
    const everything = [
      JSON.stringify(events),
      JSON.stringify(await b.list('Repository')),
      JSON.stringify(await b.get('Repository', 'secure')),
      JSON.stringify(await store.list('Repository')),
      ...readdirSync(b.logDir).map((f) => readFileSync(join(b.logDir, f), 'utf8')),
    ].join('\n');
    expect(everything).not.toContain(password);
  });

  it('cancels a running build: Canceling → Canceled, engine leftovers removed; its export ends at once', async () => {
    const name = `cxl-${id}`;
    const w = b.watch({ name, kind: 'ImageBuild', signal: AbortSignal.timeout(60_000) });
    await b.create(ib(name));
    await b.create(ie(`${name}-qcow2`, name));
    for await (const ev of w) if (ev.type === 'phase' && ev.phase === 'Building') break;
    // Let the engine get into the work (its first output line) before canceling.
    for await (const line of b.logs('ImageBuild', name, { follow: true, signal: AbortSignal.timeout(60_000) }))
      if (!line.startsWith('[builder]')) break;
    const c = await b.cancel('ImageBuild', name);
    expect(reason(c)?.reason).toBe('Canceling');
    const after = await settle(b, 'ImageBuild', name);
    expect(reason(after)?.reason).toBe('Canceled');
    expect(reason(await b.get('ImageExport', `${name}-qcow2`))?.reason).toBe('Canceled');
    const uid = (await store.get('ImageBuild', name))!.job!.uid;
    expect(await runner.listResources({ jobId: uid })).toEqual([]);
  });

  it('a build that fails fails its export promptly with a clear message', async () => {
    const name = `bad-${id}`;
    await b.create(ib(name, { srcTag: 'does-not-exist' }));
    await b.create(ie(`${name}-qcow2`, name));
    const built = await settle(b, 'ImageBuild', name);
    expect(reason(built)?.reason).toBe('Failed');
    expect(reason(built)?.message.length).toBeGreaterThan(10);
    const e = await settle(b, 'ImageExport', `${name}-qcow2`, 10_000);
    expect(reason(e)).toMatchObject({
      reason: 'Failed',
      message: `source ImageBuild "${name}" failed; this export cannot run (create a new build, or use newVersion)`,
    });
    const uid = (await store.get('ImageBuild', name))!.job!.uid;
    expect(await runner.listResources({ jobId: uid })).toEqual([]);
  });
});
