// Issue 11: a repeated identical build + export + download completes from reuse — one builder, two
// ImageBuilds with the same inputs, their exports, both downloaded into the same folder.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Runner } from '@imagebuild/core';
import { getReadyCondition } from '@imagebuild/core/lifecycle';
import { ImageBuilder } from '@imagebuild/builder';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv, TempDirs } from '@imagebuild/testkit';

const env = loadHarnessEnv();
const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

async function logOf(b: ImageBuilder, kind: 'ImageBuild' | 'ImageExport', name: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const l of b.logs(kind, name, { follow: true, signal: AbortSignal.timeout(240_000) })) lines.push(l);
  return lines;
}

const engines: Array<[string, () => Runner]> = [
  ['podman', () => new PodmanRunner({ engine: `unix://${env.podmanSocket}`, name: 'podman' })],
  ['docker', () => new DockerRunner({ engine: `unix://${env.dockerSocket}`, name: 'docker' })],
];

describe.each(engines)('a repeated build + export + download on %s', (engine, makeRunner) => {
  it('the second round reuses the image, the artifact and the downloaded file', async () => {
    const out = dirs.make('ib-repeat-');
    const run = `${engine}-${Date.now().toString(36)}`;
    const b = new ImageBuilder({ runners: [makeRunner()], exportOptions: { converterImage: env.bibImage } });
    try {
      const registry = { type: 'oci' as const, registry: env.registryPlain, scheme: 'http' as const };
      await b.create({
        apiVersion: 'flightctl.io/v1beta1',
        kind: 'Repository',
        metadata: { name: 'src' },
        spec: { ...registry, accessMode: 'Read' },
      });
      await b.create({
        apiVersion: 'flightctl.io/v1beta1',
        kind: 'Repository',
        metadata: { name: 'dst' },
        spec: { ...registry, accessMode: 'ReadWrite' },
      });
      const round = async (n: number) => {
        const build = `repeat-${n}`;
        await b.create({
          apiVersion: 'flightctl.io/v1alpha1',
          kind: 'ImageBuild',
          metadata: { name: build },
          spec: {
            source: { repository: 'src', imageName: 'fixtures/bootc-base', imageTag: 'latest' },
            destination: { repository: 'dst', imageName: 'tests/repeat', imageTag: run },
            binding: { type: 'late' },
          },
        });
        await b.create({
          apiVersion: 'flightctl.io/v1alpha1',
          kind: 'ImageExport',
          metadata: { name: `${build}-disk` },
          spec: { source: { type: 'imageBuild', imageBuildRef: build }, format: 'qcow2' },
        });
        const buildLog = await logOf(b, 'ImageBuild', build);
        const exportLog = await logOf(b, 'ImageExport', `${build}-disk`);
        const built = await b.get('ImageBuild', build);
        const exported = await b.get('ImageExport', `${build}-disk`);
        for (const o of [built, exported])
          expect(getReadyCondition(o.status?.conditions)?.reason, [...buildLog, ...exportLog].join('\n')).toBe(
            'Completed',
          );
        // one file for both rounds, as a script that repeats itself writes
        // `reused` is set at run time (the typed result does not declare it)
        const file = (await b.download(`${build}-disk`, join(out, 'disk.qcow2'))) as {
          file: string;
          digest: string;
          reused?: boolean;
        };
        return { built, exported, buildLog, exportLog, file, inode: statSync(file.file).ino };
      };
      const first = await round(1);
      const second = await round(2);
      expect(first.buildLog.some((l) => l.includes('[imagebuild] building:'))).toBe(true);
      expect(second.buildLog.some((l) => l.includes('[imagebuild] reusing:'))).toBe(true);
      expect(second.built.status?.manifestDigest).toBe(first.built.status?.manifestDigest);
      expect(
        second.exportLog.some((l) => /reused application\/vnd.qcow2 artifact .*nothing converted/.test(l)),
        second.exportLog.slice(0, 12).join('\n'),
      ).toBe(true);
      expect(second.exported.status?.manifestDigest).toBe(first.exported.status?.manifestDigest);
      expect(first.file.reused).toBe(false);
      expect(second.file).toMatchObject({ file: first.file.file, digest: first.file.digest, reused: true });
      expect(second.inode).toBe(first.inode);
    } finally {
      await b.close();
    }
  });
});
