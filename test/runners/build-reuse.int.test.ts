import { ImageBuilder, MemoryStore } from '@imagebuild/builder';
import type { Runner } from '@imagebuild/core';
import { getReadyCondition } from '@imagebuild/core/lifecycle';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlainRepositories } from './export-helpers.js';

const env = loadHarnessEnv();
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;

const engines: Array<[string, () => Runner]> = [
  ['podman', () => new PodmanRunner({ engine: `unix://${env.podmanSocket}`, name: 'podman' })],
  ['docker', () => new DockerRunner({ engine: `unix://${env.dockerSocket}`, name: 'docker' })],
];

describe.each(engines)('ImageBuilder reuses an unchanged build on %s', (engine, makeRunner) => {
  let runner: Runner;
  let b: ImageBuilder;
  const tag = `reuse-${engine}-${run}`;
  const ib = (name: string, onboarding = false) => ({
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageBuild' as const,
    metadata: { name },
    spec: {
      source: { repository: 'src', imageName: 'fixtures/bootc-base', imageTag: 'latest' },
      destination: { repository: 'dst', imageName: 'tests/build-reuse', imageTag: tag },
      binding: { type: 'late' as const },
      ...(onboarding ? { onboarding: true } : {}),
    },
  });
  // A build step's line: podman `STEP 2/5:`, classic `Step 2/5 :`, BuildKit `#7 [2/5] RUN …`.
  const ENGINE_STEP = /^STEP |^Step \d|^#\d+ \[\d+\/\d+\] /;
  async function settle(name: string) {
    for await (const _ of b.logs('ImageBuild', name, { follow: true, signal: AbortSignal.timeout(180_000) })) {
      /* drain */
    }
    const o = await b.get('ImageBuild', name);
    const log: string[] = [];
    for await (const l of b.logs('ImageBuild', name)) log.push(l);
    return { o, log, ready: getReadyCondition(o.status?.conditions as never) };
  }

  beforeAll(async () => {
    runner = makeRunner();
    b = new ImageBuilder({ runners: [runner], store: new MemoryStore(), concurrency: 1 });
    await createPlainRepositories(b, env.registryPlain);
  });
  afterAll(async () => {
    await b.close();
    await runner.close();
  });

  it('a second ImageBuild with the same inputs completes from the destination; a changed spec builds', async () => {
    await b.create(ib(`first-${run}`));
    const first = await settle(`first-${run}`);
    expect(first.ready?.reason, first.ready?.message).toBe('Completed');
    expect(first.log.some((l) => l.startsWith('[imagebuild] building: '))).toBe(true);
    expect(first.log.some((l) => ENGINE_STEP.test(l))).toBe(true);

    await b.create(ib(`second-${run}`));
    const second = await settle(`second-${run}`);
    expect(second.ready?.reason, second.ready?.message).toBe('Completed');
    expect(second.o.status?.manifestDigest).toBe(first.o.status?.manifestDigest);
    expect(second.o.status?.imageReference).toBe(`${env.registryPlain}/tests/build-reuse:${tag}`);
    const reused = second.log.find((l) => l.startsWith('[imagebuild] reusing: '));
    expect(reused).toMatch(/has the same build key sha256:[0-9a-f]{64} \(same spec, source sha256:[0-9a-f]{64}/);
    // Nothing was built: no engine step output between the decision and completion.
    expect(second.log.some((l) => ENGINE_STEP.test(l))).toBe(false);

    await b.create(ib(`third-${run}`, true));
    const third = await settle(`third-${run}`);
    expect(third.ready?.reason, third.ready?.message).toBe('Completed');
    expect(third.o.status?.manifestDigest).not.toBe(first.o.status?.manifestDigest);
    expect(third.log.some((l) => l.startsWith('[imagebuild] building: the build key differs'))).toBe(true);
  });
});
