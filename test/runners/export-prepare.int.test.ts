// Through the ImageBuilder on both engines: an export created while its build runs has the
// converter image pulled during the build, so the export itself finds it up to date and pulls nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageBuilder, MemoryStore } from '@imagebuild/builder';
import { EngineConnection } from '@imagebuild/engine';
import { getReadyCondition } from '@imagebuild/core/lifecycle';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv, type HarnessEnv } from '@imagebuild/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const env: HarnessEnv = loadHarnessEnv();

describe.each(['podman', 'docker'] as const)('%s: export prepared while its build runs', (kind) => {
  const work = mkdtempSync(join(tmpdir(), 'ib-export-prepare-'));
  const id = `${kind}-${process.pid.toString(36)}${Date.now().toString(36)}`;
  const engine = `unix://${kind === 'podman' ? env.podmanSocket : env.dockerSocket}`;
  // a registry copy of the stand-in: the engine can drop it and pull it again
  const converter = env.bibImagePlain;
  let conn: EngineConnection;
  let runner: PodmanRunner | DockerRunner;
  let b: ImageBuilder;

  const present = async (): Promise<boolean> =>
    !!(
      await conn.json<{ Id?: string }>({
        method: 'GET',
        path: conn.compat(`/images/${encodeURIComponent(converter)}/json`),
        ok: [200, 404],
      })
    )?.Id;

  async function settle(k: 'ImageBuild' | 'ImageExport', name: string): Promise<string[]> {
    const lines: string[] = [];
    for await (const l of b.logs(k, name, { follow: true, signal: AbortSignal.timeout(300_000) })) lines.push(l);
    const ready = getReadyCondition((await b.get(k, name)).status?.conditions);
    expect(ready?.reason, ready?.message).toBe('Completed');
    return lines;
  }

  beforeAll(async () => {
    conn = await EngineConnection.open({ url: engine });
    const cache = join(work, 'cache');
    runner =
      kind === 'podman'
        ? new PodmanRunner({ engine, converterCache: cache })
        : new DockerRunner({ engine, converterCache: cache });
    b = new ImageBuilder({
      runners: [runner],
      store: new MemoryStore(),
      logDir: join(work, 'logs'),
      exportOptions: { converterImage: converter },
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
    await runner.clearConverterCache();
    await runner.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('the converter image is pulled during the build; the export pulls nothing', async () => {
    // only this reference goes: the stand-in's other tags (and so its layers) stay
    await conn.json({
      method: 'DELETE',
      path: conn.compat(`/images/${encodeURIComponent(converter)}`),
      ok: [200, 404],
    });
    expect(await present()).toBe(false);
    await b.create({
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageBuild',
      metadata: { name: id },
      spec: {
        source: { repository: 'src', imageName: 'fixtures/bootc-base', imageTag: 'latest' },
        destination: { repository: 'dst', imageName: 'tests/export-prepare', imageTag: id },
        binding: { type: 'late' },
      },
    });
    await b.create({
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageExport',
      metadata: { name: `${id}-e` },
      spec: { source: { type: 'imageBuild', imageBuildRef: id }, format: 'qcow2' },
    });
    await settle('ImageBuild', id);
    const lines = await settle('ImageExport', `${id}-e`);
    expect(lines).toContainEqual(expect.stringMatching(/^converter image \S+ is up to date \(sha256:/));
    expect(lines.filter((l) => /pulling converter image|refreshing converter image/.test(l))).toEqual([]);
    expect(await present()).toBe(true);
  });
});
