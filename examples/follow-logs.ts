// Following logs: stream a running build's log, "disconnect" part-way, and resume with `from` —
// no duplicate and no missing line. The whole log stays on disk; memory holds only a bounded tail.
//   npx tsx --conditions=@imagebuild/source examples/follow-logs.ts
import { ImageBuilder } from '@imagebuild/builder';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { harness, harnessRepositories, runId } from './lib/harness.js';
import { runIfMain } from './lib/run-if-main.js';

export async function main(): Promise<{ followed: number; total: number; identical: boolean; phase: string }> {
  const h = harness();
  const builder = new ImageBuilder({
    runners: [new PodmanRunner({ engine: h.PODMAN_URL, name: 'podman' })],
    logTailLines: 20,
  });
  try {
    for (const r of harnessRepositories(h)) await builder.apply(r);
    const name = `logs-${runId()}`;
    await builder.create({
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageBuild',
      metadata: { name },
      spec: {
        source: { repository: 'src', imageName: 'fixtures/bootc-base', imageTag: 'latest' },
        destination: { repository: 'dst', imageName: 'examples/follow-logs', imageTag: name },
        binding: { type: 'late' },
      },
    });
    const seen: string[] = [];
    for await (const line of builder.logs('ImageBuild', name, { follow: true })) {
      seen.push(line);
      console.log(`${String(seen.length).padStart(4)} | ${line}`);
      if (seen.length === 5) break; // the client goes away…
    }
    console.log('   … reconnecting from line 5');
    for await (const line of builder.logs('ImageBuild', name, { follow: true, from: seen.length })) {
      seen.push(line);
      console.log(`${String(seen.length).padStart(4)} | ${line}`);
    }
    const whole: string[] = [];
    for await (const line of builder.logs('ImageBuild', name)) whole.push(line);
    const phase = (await builder.get('ImageBuild', name)).status?.conditions?.[0]?.reason ?? '?';
    const identical = whole.length === seen.length && whole.every((l, i) => l === seen[i]);
    console.log(`${name} ${phase}: followed ${seen.length} lines, log has ${whole.length}, identical: ${identical}`);
    return { followed: seen.length, total: whole.length, identical, phase };
  } finally {
    await builder.close();
  }
}

runIfMain(import.meta.url, main);
