/**
 * SDK build + push versus each engine's own CLI (podman --remote build + push; docker build + push)
 * on the same Containerfile, context and base image, in one run, no cache on either side.
 * Run: npx tsx --conditions=@imagebuild/source bench/runners/build-push.bench.ts  (harness up: npm run engines:up)
 * Writes bench/results/runners.md.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createBuildContext } from '@imagebuild/core/containerfile';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { markdownTable, runTool } from '../lib/index.js';
import { harnessRepositories, imageBuild } from '../../test/runners/fixtures.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const env = loadHarnessEnv();
  const repos = harnessRepositories(env);
  const all = [repos.plain, repos.tls];
  const stamp = Date.now().toString(36);
  const rows: (string | number)[][] = [];
  for (const kind of ['podman', 'docker'] as const) {
    const socket = kind === 'podman' ? env.podmanSocket : env.dockerSocket;
    const build = (who: string) =>
      imageBuild({
        name: 'bench',
        binding: 'late',
        destination: 'plain',
        imageName: `bench/${kind}-${who}`,
        tag: stamp,
        user: true,
      });
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
            await runTool('podman', [
              '--remote',
              '--url',
              url,
              'build',
              '--no-cache',
              '--isolation',
              'chroot',
              '-f',
              'Containerfile',
              ...args,
              '-t',
              ref,
              dir,
            ]);
            await runTool('podman', ['--remote', '--url', url, 'push', '--tls-verify=false', ref]);
            await runTool('podman', ['--remote', '--url', url, 'rmi', ref]);
          }
        : async () => {
            const host = `unix://${socket}`;
            const e = { ...process.env, DOCKER_BUILDKIT: '0' };
            await runTool(
              'docker',
              ['-H', host, 'build', '--no-cache', '-f', join(dir, 'Containerfile'), ...args, '-t', ref, dir],
              { env: e },
            );
            await runTool('docker', ['-H', host, 'push', ref], { env: e });
            await runTool('docker', ['-H', host, 'rmi', ref], { env: e });
          };
    const runner =
      kind === 'podman'
        ? new PodmanRunner({ engine: `unix://${socket}` })
        : new DockerRunner({ engine: `unix://${socket}` });
    await runner.ping();
    const sdk = async (): Promise<void> => {
      await runner.build(build('sdk'), all, { noCache: true }).done();
    };
    // After one CLI warm-up (FROM image, page cache), ROUNDS alternating pairs; medians compared
    // (the machine is shared, so single runs are noisy).
    await cli();
    const cliRuns: number[] = [];
    const sdkRuns: number[] = [];
    const time = async (fn: () => Promise<void>, into: number[]): Promise<void> => {
      const t = performance.now();
      await fn();
      into.push(performance.now() - t);
    };
    for (let i = 0; i < ROUNDS; i++) {
      if (i % 2 === 0) {
        await time(cli, cliRuns);
        await time(sdk, sdkRuns);
      } else {
        await time(sdk, sdkRuns);
        await time(cli, cliRuns);
      }
    }
    const cliMs = median(cliRuns);
    const sdkMs = median(sdkRuns);
    rmSync(dir, { recursive: true, force: true });
    rows.push([
      kind,
      Math.round(cliMs),
      Math.round(sdkMs),
      (sdkMs / cliMs).toFixed(3),
      sdkMs / cliMs <= 1.05 ? 'yes' : 'no',
    ]);
    await runner.close();
  }
  const table = markdownTable(
    ['engine', 'CLI build+push+rmi, median (ms)', 'SDK build+push, median (ms)', 'SDK / CLI', '≤ 1.05×'],
    rows,
  );
  console.log(table);
  const out = join(dirname(new URL(import.meta.url).pathname), '..', 'results', 'runners.md');
  writeFileSync(
    out,
    `# Runners: SDK build + push vs the engine CLI\n\nSame Containerfile/context (late binding + user, bootc-like base), no cache, registry A (plain), median of ${ROUNDS} alternating SDK/CLI rounds after one CLI warm-up, on the harness engines (podman 4.3.1 libpod build with chroot isolation; dockerd 20.10 classic builder). The SDK removes its local image after the push, so the CLI run includes \`rmi\` too.\n\nReproduce: \`npm run engines:up && npx tsx --conditions=@imagebuild/source bench/runners/build-push.bench.ts\`\n\n${table}\n\n_${new Date().toISOString()}_\n`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
