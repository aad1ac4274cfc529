/**
 * SDK build + push versus each engine's own CLI (podman --remote build + push; docker build + push)
 * on the same Containerfile, context and base image, in one run, no cache on either side.
 * Run: npx tsx --conditions=@imagebuild/source bench/runners/build-push.bench.ts  (harness up: npm run engines:up)
 * Writes bench/results/runners.md.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createBuildContext } from '@imagebuild/core';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { markdownTable, runTool } from '../lib/index.js';
import { harnessRepositories, imageBuild } from '../../test/runners/fixtures.js';

async function main(): Promise<void> {
  const env = loadHarnessEnv();
  const repos = harnessRepositories(env);
  const all = [repos.plain, repos.tls];
  const stamp = Date.now().toString(36);
  const rows: (string | number)[][] = [];
  for (const kind of ['podman', 'docker'] as const) {
    const socket = kind === 'podman' ? env.podmanSocket : env.dockerSocket;
    const build = (who: string) =>
      imageBuild({ name: 'bench', binding: 'late', destination: 'plain', imageName: `bench/${kind}-${who}`, tag: stamp, user: true });
    // The same context, written to disk for the CLI.
    const ctx = createBuildContext(build('cli'), all);
    const dir = mkdtempSync(join(tmpdir(), 'ib-bench-'));
    for (const f of ctx.files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.content, { mode: f.mode });
    }
    const args = Object.entries(ctx.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
    const ref = ctx.destinationImage;
    const cli =
      kind === 'podman'
        ? async () => {
            const url = `unix://${socket}`;
            await runTool('podman', ['--remote', '--url', url, 'build', '--no-cache', '--isolation', 'chroot', '-f', 'Containerfile', ...args, '-t', ref, dir]);
            await runTool('podman', ['--remote', '--url', url, 'push', '--tls-verify=false', ref]);
            await runTool('podman', ['--remote', '--url', url, 'rmi', ref]);
          }
        : async () => {
            const host = `unix://${socket}`;
            const e = { ...process.env, DOCKER_BUILDKIT: '0' };
            await runTool('docker', ['-H', host, 'build', '--no-cache', '-f', join(dir, 'Containerfile'), ...args, '-t', ref, dir], { env: e });
            await runTool('docker', ['-H', host, 'push', ref], { env: e });
            await runTool('docker', ['-H', host, 'rmi', ref], { env: e });
          };
    const runner = kind === 'podman' ? new PodmanRunner({ engine: `unix://${socket}` }) : new DockerRunner({ engine: `unix://${socket}` });
    await runner.ping();
    const sdk = async (): Promise<void> => {
      await runner.build(build('sdk'), all, { noCache: true }).done();
    };
    // One run each, CLI first then SDK (both pull nothing: the base is already in the engine after the first).
    await cli(); // warm the FROM image and page cache for both sides
    const t0 = performance.now();
    await cli();
    const cliMs = performance.now() - t0;
    const t1 = performance.now();
    await sdk();
    const sdkMs = performance.now() - t1;
    rmSync(dir, { recursive: true, force: true });
    rows.push([kind, Math.round(cliMs), Math.round(sdkMs), (sdkMs / cliMs).toFixed(3), sdkMs / cliMs <= 1.05 ? 'yes' : 'no']);
    await runner.close();
  }
  const table = markdownTable(['engine', 'CLI build+push+rmi (ms)', 'SDK build+push (ms)', 'SDK / CLI', '≤ 1.05×'], rows);
  console.log(table);
  const out = join(dirname(new URL(import.meta.url).pathname), '..', 'results', 'runners.md');
  writeFileSync(
    out,
    `# Runners: SDK build + push vs the engine CLI\n\nSame Containerfile/context (late binding + user, bootc-like base), no cache, registry A (plain), one measured run each after one CLI warm-up, on the harness engines (podman 4.3.1 libpod build with chroot isolation; dockerd 20.10 classic builder). The SDK removes its local image after the push, so the CLI run includes \`rmi\` too.\n\nReproduce: \`npm run engines:up && npx tsx --conditions=@imagebuild/source bench/runners/build-push.bench.ts\`\n\n${table}\n\n_${new Date().toISOString()}_\n`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
