// Cancel and delete: a running build goes Canceling → Canceled (the engine's work is stopped and its
// containers removed); deleting a build deletes its exports first, each canceled and awaited.
//   npx tsx --conditions=@imagebuild/source examples/cancel-and-delete.ts
import { ImageBuilder } from '@imagebuild/builder';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { harness, harnessRepositories, runId } from './lib/harness.js';
import { runIfMain } from './lib/run-if-main.js';

const spec = (tag: string) => ({
  source: { repository: 'src', imageName: 'fixtures/bootc-base', imageTag: 'latest' },
  destination: { repository: 'dst', imageName: 'examples/cancel-and-delete', imageTag: tag },
  binding: { type: 'late' as const },
});

export async function main(): Promise<{ canceledPhases: string[]; deleted: string[]; remaining: number }> {
  const h = harness();
  const builder = new ImageBuilder({ runners: [new PodmanRunner({ engine: h.PODMAN_URL, name: 'podman' })] });
  try {
    for (const r of harnessRepositories(h)) await builder.apply(r);
    const id = runId();
    const first = `cancel-${id}`;
    const phases: string[] = [];
    const w = builder.watch({ kind: 'ImageBuild', name: first });
    await builder.create({
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageBuild',
      metadata: { name: first },
      spec: spec(first),
    });
    for await (const ev of w) {
      if (ev.type !== 'phase') continue;
      phases.push(ev.phase);
      console.log(`${first}: ${ev.from} → ${ev.phase}`);
      if (ev.phase === 'Building') await builder.cancel('ImageBuild', first); // stop it mid-build
      if (ev.phase === 'Canceled' || ev.phase === 'Completed' || ev.phase === 'Failed') break;
    }

    const second = `delete-${id}`;
    await builder.create({
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageBuild',
      metadata: { name: second },
      spec: spec(second),
    });
    await builder.create({
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageExport',
      metadata: { name: `${second}-qcow2` },
      spec: { source: { type: 'imageBuild', imageBuildRef: second }, format: 'qcow2' },
    });
    const deleted: string[] = [];
    const dw = builder.watch();
    const watching = (async () => {
      for await (const ev of dw)
        if (ev.type === 'deleted') {
          deleted.push(`${ev.kind}/${ev.name}`);
          console.log(`deleted ${ev.kind}/${ev.name}`);
        }
    })();
    await builder.delete('ImageBuild', second); // export first (canceled while it waits), then the build
    const remaining = (await builder.list('ImageExport', { fieldSelector: `spec.source.imageBuildRef=${second}` }))
      .items.length;
    await builder.close();
    await watching;
    return { canceledPhases: phases, deleted, remaining };
  } finally {
    await builder.close();
  }
}

runIfMain(import.meta.url, main);
