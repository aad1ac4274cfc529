import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ImageBuilder } from '@imagebuild/builder';
import type { Runner } from '@imagebuild/core';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { leftovers, volumeNames } from './engine-leftovers.js';

const env = loadHarnessEnv();
const engines = [
  { engine: 'podman', socket: env.podmanSocket },
  { engine: 'docker', socket: env.dockerSocket },
] as const;

const runnerFor = (engine: 'podman' | 'docker', socket: string): Runner =>
  engine === 'docker'
    ? new DockerRunner({ engine: `unix://${socket}`, name: 'docker' })
    : new PodmanRunner({ engine: `unix://${socket}`, name: 'podman' });

describe.each(engines)('canceling on $engine leaves nothing behind', ({ engine, socket }) => {
  for (const kind of ['ImageBuild', 'ImageExport'] as const) {
    it(`a ${kind} canceled at a random point`, async () => {
      const tag = `cancel-${engine}-${kind.toLowerCase()}-${Date.now().toString(36)}`;
      const volumesBefore = await volumeNames(socket);
      const b = new ImageBuilder({
        runners: [runnerFor(engine, socket)],
        handleSignals: false,
        exportOptions: { converterImage: env.bibImage },
      });
      const spec = { type: 'oci' as const, registry: env.registryPlain, scheme: 'http' as const };
      await b.create({
        apiVersion: 'flightctl.io/v1beta1',
        kind: 'Repository',
        metadata: { name: 'src' },
        spec: { ...spec, accessMode: 'Read' },
      });
      await b.create({
        apiVersion: 'flightctl.io/v1beta1',
        kind: 'Repository',
        metadata: { name: 'dst' },
        spec: { ...spec, accessMode: 'ReadWrite' },
      });
      await b.create({
        apiVersion: 'flightctl.io/v1alpha1',
        kind: 'ImageBuild',
        metadata: { name: 'c' },
        spec: {
          source: { repository: 'src', imageName: 'fixtures/bootc-base', imageTag: 'latest' },
          destination: { repository: 'dst', imageName: 'tests/leftovers', imageTag: tag },
          binding: { type: 'late' },
        },
      });
      await b.create({
        apiVersion: 'flightctl.io/v1alpha1',
        kind: 'ImageExport',
        metadata: { name: 'c-disk' },
        spec: { source: { type: 'imageBuild', imageBuildRef: 'c' }, format: 'qcow2' },
      });
      const name = kind === 'ImageBuild' ? 'c' : 'c-disk';
      const delayMs = Math.floor(Math.random() * (kind === 'ImageBuild' ? 4000 : 2000));
      let canceled = false;
      for await (const ev of b.watch({ kind, name, signal: AbortSignal.timeout(240_000) })) {
        if (ev.type !== 'phase') continue;
        if (ev.phase === 'Building' || ev.phase === 'Converting') {
          await new Promise((r) => setTimeout(r, delayMs));
          canceled = await b.cancel(kind, name).then(
            () => true,
            () => false, // it ended first
          );
        }
        if (['Canceled', 'Completed', 'Failed'].includes(ev.phase)) break;
      }
      await b.close();
      const where = `${kind} canceled ${delayMs} ms after it started (canceled: ${canceled})`;
      expect(await leftovers(socket, process.pid, tag, volumesBefore, threadId), where).toEqual([]);
    });
  }
});
