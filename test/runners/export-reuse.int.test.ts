// Through the ImageBuilder on both engines: a second identical export completes from the artifact
// already in the registry (no conversion), and a second download into the same folder keeps the
// verified file already there; a download folder that does not exist is created.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageBuilder, MemoryStore } from '@imagebuild/builder';
import { getReadyCondition } from '@imagebuild/core/lifecycle';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv, type HarnessEnv } from '@imagebuild/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIB_CONTRACT_IMAGE } from './export-helpers.js';

const env: HarnessEnv = loadHarnessEnv();

describe.each(['podman', 'docker'] as const)('%s: repeated export and download', (kind) => {
  const work = mkdtempSync(join(tmpdir(), 'ib-export-reuse-'));
  const id = `${kind}-${process.pid.toString(36)}${Date.now().toString(36)}`;
  let runner: PodmanRunner | DockerRunner;
  let b: ImageBuilder;

  async function settle(k: 'ImageBuild' | 'ImageExport', name: string): Promise<string[]> {
    const lines: string[] = [];
    for await (const l of b.logs(k, name, { follow: true, signal: AbortSignal.timeout(300_000) })) lines.push(l);
    const o = await b.get(k, name);
    const ready = getReadyCondition(o.status?.conditions);
    expect(ready?.reason, ready?.message).toBe('Completed');
    return lines;
  }
  const exportOf = (name: string, build: string) => ({
    apiVersion: 'flightctl.io/v1alpha1' as const,
    kind: 'ImageExport' as const,
    metadata: { name },
    spec: { source: { type: 'imageBuild' as const, imageBuildRef: build }, format: 'qcow2' as const },
  });

  beforeAll(async () => {
    const engine = `unix://${kind === 'podman' ? env.podmanSocket : env.dockerSocket}`;
    const cache = join(work, 'cache');
    runner =
      kind === 'podman'
        ? new PodmanRunner({ engine, converterCache: cache })
        : new DockerRunner({ engine, converterCache: cache });
    b = new ImageBuilder({
      runners: [runner],
      store: new MemoryStore(),
      logDir: join(work, 'logs'),
      exportOptions: { converterImage: BIB_CONTRACT_IMAGE },
    });
    const plain = { type: 'oci' as const, registry: env.registryPlain, scheme: 'http' as const };
    for (const [name, accessMode] of [
      ['src', 'Read'],
      ['dst', 'ReadWrite'],
    ] as const)
      await b.create({
        apiVersion: 'flightctl.io/v1beta1',
        kind: 'Repository',
        metadata: { name },
        spec: { ...plain, accessMode },
      });
  });
  afterAll(async () => {
    await b.close();
    // the converter's caches are engine volumes: removed explicitly
    await runner.clearConverterCache();
    await runner.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('the second export is reused and the second download keeps the file', async () => {
    await b.create({
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageBuild',
      metadata: { name: id },
      spec: {
        source: { repository: 'src', imageName: 'fixtures/bootc-base', imageTag: 'latest' },
        destination: { repository: 'dst', imageName: 'tests/export-reuse', imageTag: id },
        binding: { type: 'late' },
      },
    });
    await b.create(exportOf(`${id}-1`, id));
    await settle('ImageBuild', id);
    const first = await settle('ImageExport', `${id}-1`);
    expect(first.some((l) => l.startsWith('converting '))).toBe(true);
    const out = join(work, 'out'); // does not exist: created as a folder
    const d1 = await b.download(`${id}-1`, out);
    expect(d1.file).toBe(join(out, `${id}.qcow2`));
    const inode = statSync(d1.file).ino;

    await b.create(exportOf(`${id}-2`, id));
    const second = await settle('ImageExport', `${id}-2`);
    expect(second.some((l) => l.startsWith('reused application/vnd.qcow2 artifact'))).toBe(true);
    expect(second.some((l) => l.startsWith('converting '))).toBe(false);
    const e1 = await b.get('ImageExport', `${id}-1`);
    const e2 = await b.get('ImageExport', `${id}-2`);
    expect(e2.status?.manifestDigest).toBe(e1.status?.manifestDigest);

    const d2 = await b.download(`${id}-2`, out);
    expect(d2).toMatchObject({ file: d1.file, digest: d1.digest, size: d1.size, reused: true });
    expect(statSync(d1.file).ino).toBe(inode);
  });
});
