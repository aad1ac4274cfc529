/**
 * SDK build + push versus each engine's own CLI (podman --remote build + push; docker build + push)
 * on the same Containerfile, context and base image, in one run, no cache on either side.
 * Run: npx tsx --conditions=@imagebuild/source bench/runners/build-push.bench.ts  (harness up: npm run engines:up)
 * Writes bench/results/runners.md. KINDS=docker (or podman) runs one engine only.
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
  const phaseRows: (string | number)[][] = [];
  for (const kind of (process.env['KINDS'] ?? 'podman,docker').split(',') as ('podman' | 'docker')[]) {
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
            const t0 = performance.now();
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
            const t1 = performance.now();
            await runTool('podman', ['--remote', '--url', url, 'push', '--tls-verify=false', ref]);
            const t2 = performance.now();
            await runTool('podman', ['--remote', '--url', url, 'rmi', ref]);
            return [t1 - t0, t2 - t1, performance.now() - t2];
          }
        : async () => {
            const host = `unix://${socket}`;
            const e = { ...process.env, DOCKER_BUILDKIT: '0' };
            const t0 = performance.now();
            await runTool(
              'docker',
              ['-H', host, 'build', '--no-cache', '-f', join(dir, 'Containerfile'), ...args, '-t', ref, dir],
              { env: e },
            );
            const t1 = performance.now();
            await runTool('docker', ['-H', host, 'push', ref], { env: e });
            const t2 = performance.now();
            await runTool('docker', ['-H', host, 'rmi', ref], { env: e });
            return [t1 - t0, t2 - t1, performance.now() - t2];
          };
    const runner =
      kind === 'podman'
        ? new PodmanRunner({ engine: `unix://${socket}` })
        : new DockerRunner({ engine: `unix://${socket}` });
    await runner.ping();
    // SDK phases from the operation's events: prepare (until Building), build (until Pushing),
    // push + digest read-back + cleanup (until done).
    // `sbom: false` is the CLI's work (build, push, rmi); the default SBOM is timed apart.
    const sdk = async (sbom = false, builder?: 'classic'): Promise<number[]> => {
      const t0 = performance.now();
      const at: Record<string, number> = {};
      const op = runner.build(build('sdk'), all, { noCache: true, builder, ...(sbom ? {} : { sbom: false }) });
      op.on('phase', (p: string) => {
        at[p] = performance.now();
      });
      await op.done();
      const end = performance.now();
      const b = at['Building'] ?? t0;
      const p = at['Pushing'] ?? end;
      return [b - t0, p - b, end - p];
    };
    // After one CLI warm-up (FROM image, page cache), ROUNDS alternating pairs; medians compared
    // (the machine is shared, so single runs are noisy).
    const cliRuns: number[] = [];
    const sdkRuns: number[] = [];
    const sbomRuns: number[] = [];
    const classicRuns: number[] = [];
    // The harness engine is shared: another client's cleanup can remove a CLI build's working
    // container mid-build ("identifier is not a container"). Such a round is run again, untimed part dropped.
    const cliOnce = cli;
    const retried = async (): Promise<number[]> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await cliOnce();
        } catch (err) {
          if (attempt >= 3 || !/not a container|container not known|no such container/i.test(String(err))) throw err;
          console.error(`CLI round interfered with (${String(err).slice(0, 120)}); again`);
        }
      }
    };
    await retried();
    const cliPhases: number[][] = [];
    const sdkPhases: number[][] = [];
    const time = async (fn: () => Promise<number[]>, into: number[]): Promise<void> => {
      const t = performance.now();
      const phases = await fn();
      // The CLI's time is its last attempt's (its phases follow each other with no gap).
      into.push(into === cliRuns ? phases.reduce((a, b) => a + b, 0) : performance.now() - t);
      (into === cliRuns ? cliPhases : sdkPhases).push(phases);
    };
    for (let i = 0; i < ROUNDS; i++) {
      if (i % 2 === 0) {
        await time(retried, cliRuns);
        await time(sdk, sdkRuns);
      } else {
        await time(sdk, sdkRuns);
        await time(retried, cliRuns);
      }
      const t = performance.now();
      await sdk(true);
      sbomRuns.push(performance.now() - t);
      // dockerd's classic builder, which the SDK picks where BuildKit cannot pull the source
      if (kind === 'docker') {
        const c = performance.now();
        await sdk(false, 'classic');
        classicRuns.push(performance.now() - c);
      }
    }
    const cliMs = median(cliRuns);
    const sdkMs = median(sdkRuns);
    rmSync(dir, { recursive: true, force: true });
    const ph = (xs: number[][], i: number): number => Math.round(median(xs.map((x) => x[i] ?? 0)));
    phaseRows.push([
      kind,
      `${ph(cliPhases, 0)} / ${ph(cliPhases, 1)} / ${ph(cliPhases, 2)}`,
      `${ph(sdkPhases, 0)} / ${ph(sdkPhases, 1)} / ${ph(sdkPhases, 2)}`,
    ]);
    rows.push([
      kind,
      Math.round(cliMs),
      Math.round(sdkMs),
      (sdkMs / cliMs).toFixed(3),
      sdkMs / cliMs <= 0.9 ? 'yes' : 'no',
      Math.round(median(sbomRuns)),
      classicRuns.length ? `${Math.round(median(classicRuns))} (${(median(classicRuns) / cliMs).toFixed(3)}×)` : '—',
    ]);
    await runner.close();
  }
  const table = markdownTable(
    [
      'engine',
      'CLI build+push+rmi, median (ms)',
      'SDK build+push, median (ms)',
      'SDK / CLI',
      '≤ 0.90×',
      'SDK build+push+SBOM (its default), median (ms)',
      "SDK with dockerd's classic builder, median (ms)",
    ],
    rows,
  );
  const phaseTable = markdownTable(
    [
      'engine',
      'CLI build / push / rmi, medians (ms)',
      'SDK prepare / build / push + read-back + cleanup, medians (ms)',
    ],
    phaseRows,
  );
  console.log(`${table}\n\n${phaseTable}`);
  const out = join(dirname(new URL(import.meta.url).pathname), '..', 'results', 'runners.md');
  writeFileSync(
    out,
    `# Runners: SDK build + push vs the engine CLI\n\nSame Containerfile/context (late binding + user, bootc-like base), no cache, registry A (plain), median of ${ROUNDS} alternating SDK/CLI rounds after one CLI warm-up, on the harness engines: podman 4.3.1 (libpod build, chroot isolation) and dockerd 20.10. On dockerd the SDK builds with BuildKit by default (\`/build?version=2\`, no buildx needed); the docker CLI here (28.2, no buildx plugin) can only use the classic builder, so that is what a user types. The SDK with the classic builder is timed in its own column. The SDK removes its local image after the push, so the CLI run includes \`rmi\` too. The compared SDK run is the CLI's work (\`sbom: false\`); the SDK's default, which also generates and pushes an SBOM, is timed in its own column.\n\nReproduce: \`npm run engines:up && npx tsx --conditions=@imagebuild/source bench/runners/build-push.bench.ts\`\n\n${table}\n\nPhases (the SDK's from its phase events):\n\n${phaseTable}\n\nWhere the time goes, and what was removed: \`bench/results/build-push-breakdown.md\`.\n\n_${new Date().toISOString()}_\n`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
