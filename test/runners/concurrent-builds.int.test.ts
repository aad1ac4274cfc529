// Builds of the same Containerfile running at once on one engine: none may take a layer from another
// (dockerd's cache would hand one build's fresh layer to the next, and the first build's cleanup then
// pulled it from under the second: "unknown parent image ID", "layer does not exist"), every build
// completes, and nothing any of them made is left.
import { ImageBuilder, MemoryStore } from '@imagebuild/builder';
import type { Runner } from '@imagebuild/core';
import { getReadyCondition } from '@imagebuild/core/lifecycle';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allImageIds, engineSettled } from '../leftovers/engine-leftovers.js';
import { harnessRepositories, imageBuild } from './fixtures.js';

const env = loadHarnessEnv();
const run = `cc${process.pid.toString(36)}${Date.now().toString(36)}`;
const BUILDS = 8;

const engines: Array<[string, string, () => Runner]> = [
  ['podman', env.podmanSocket, () => new PodmanRunner({ engine: `unix://${env.podmanSocket}`, name: 'podman' })],
  ['docker', env.dockerSocket, () => new DockerRunner({ engine: `unix://${env.dockerSocket}`, name: 'docker' })],
];

describe.each(engines)('%s: builds of one Containerfile at once', (engine, socket, makeRunner) => {
  let runner: Runner;
  let b: ImageBuilder;
  beforeAll(async () => {
    runner = makeRunner();
    b = new ImageBuilder({ runners: [runner], store: new MemoryStore(), concurrency: 4, handleSignals: false });
    await b.create(harnessRepositories(env).plain);
  });
  afterAll(async () => {
    await b.close();
    await runner.close();
  });

  it('share no layer, all complete, and leave no layer behind', async () => {
    await engineSettled(socket, process.pid);
    const before = await allImageIds(socket);
    const names = Array.from({ length: BUILDS }, (_, i) => `${run}-${engine}-${i}`);
    // one destination each: nothing is reused from a registry, every build runs
    for (const name of names)
      await b.create(
        imageBuild({ name, binding: 'late', destination: 'plain', imageName: `tests/concurrent/${name}`, tag: run }),
      );
    const results = await Promise.all(
      names.map(async (name) => {
        const log: string[] = [];
        for await (const l of b.logs('ImageBuild', name, { follow: true, signal: AbortSignal.timeout(240_000) }))
          log.push(l);
        const ready = getReadyCondition((await b.get('ImageBuild', name)).status?.conditions);
        return { name, log, ready };
      }),
    );
    for (const r of results) {
      expect(r.ready?.reason, `${r.name}: ${r.ready?.message}`).toBe('Completed');
      // a layer from the cache would be another job's (or a CLI build's): none is taken
      expect(
        r.log.filter((l) => /Using cache/.test(l)),
        r.name,
      ).toEqual([]);
    }
    const after = await allImageIds(socket);
    expect([...after].filter((id) => !before.has(id))).toEqual([]);
  });
});
