// Two engines in one pool: podman and dockerd behind one ImageBuilder. Jobs go to an available
// runner with a free slot, least loaded first; a runner whose ping fails is skipped until it answers.
//   npx tsx --conditions=@imagebuild/source examples/two-engines.ts
import { ImageBuilder } from '@imagebuild/builder';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { harness, harnessRepositories, runId } from './lib/harness.js';
import { runIfMain } from './lib/run-if-main.js';

export async function main(count = 4): Promise<Array<{ name: string; runner: string; phase: string }>> {
  const h = harness();
  const builder = new ImageBuilder({
    runners: [
      { runner: new PodmanRunner({ engine: h.PODMAN_URL, name: 'podman' }), concurrency: 1 },
      { runner: new DockerRunner({ engine: h.DOCKER_URL, name: 'docker' }), concurrency: 1 },
    ],
    concurrency: 2,
  });
  try {
    for (const r of harnessRepositories(h)) await builder.apply(r);
    const id = runId();
    const names = Array.from({ length: count }, (_, i) => `pool-${id}-${i}`);
    for (const name of names) {
      await builder.create({
        apiVersion: 'flightctl.io/v1alpha1',
        kind: 'ImageBuild',
        metadata: { name, labels: { example: 'two-engines' } },
        spec: {
          source: { repository: 'src', imageName: 'fixtures/bootc-base', imageTag: 'latest' },
          destination: { repository: 'dst', imageName: 'examples/two-engines', imageTag: name },
          binding: { type: 'late' },
        },
      });
    }
    const out: Array<{ name: string; runner: string; phase: string }> = [];
    for (const name of names) {
      let runner = '?';
      for await (const line of builder.logs('ImageBuild', name, { follow: true })) {
        const m = /started on runner (\S+)/.exec(line);
        if (m) runner = m[1]!;
      }
      const b = await builder.get('ImageBuild', name);
      const phase = b.status?.conditions?.[0]?.reason ?? '?';
      console.log(
        `${name}: ${phase} on ${runner}${phase === 'Completed' ? ` → ${b.status?.imageReference}` : `: ${b.status?.conditions?.[0]?.message}`}`,
      );
      out.push({ name, runner, phase });
    }
    return out;
  } finally {
    await builder.close();
  }
}

runIfMain(import.meta.url, main);
