/**
 * The whole pipeline, build → export (qcow2) → download, through the SDK runners against the same
 * steps typed by hand (manual-steps.ts), on both engines, alternating rounds, no cache on either
 * side, the converter stand-in. Target (issue 18): SDK ≤ 0.80× the manual sequence.
 * Run: npx tsx --conditions=@imagebuild/source bench/pipeline/pipeline.bench.ts  (harness up)
 * Writes bench/results/pipeline.md. BENCH_ROUNDS (default 3) rounds per engine.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createBuildContext } from '@imagebuild/core/containerfile';
import { RegistryClient, downloadArtifact } from '@imagebuild/oci';
import { DockerRunner } from '@imagebuild/runner-docker';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { loadHarnessEnv } from '@imagebuild/testkit';
import { markdownTable, median } from '../lib/index.js';
import { harnessRepositories, imageBuild, imageExport } from '../../test/runners/fixtures.js';
import { runManual, type ManualTimes } from './manual-steps.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);

interface SdkTimes {
  build: number;
  export: number;
  download: number;
  total: number;
}

async function main(): Promise<void> {
  const env = loadHarnessEnv();
  const repos = harnessRepositories(env);
  const all = [repos.plain, repos.tls];
  const stamp = Date.now().toString(36);
  const work = mkdtempSync(join(tmpdir(), 'ib-bench-pipeline-'));
  const rows: (string | number)[][] = [];
  const phases: (string | number)[][] = [];
  try {
    for (const kind of ['podman', 'docker'] as const) {
      const socket = kind === 'podman' ? env.podmanSocket : env.dockerSocket;
      const opts = { engine: `unix://${socket}`, converterCache: join(work, `cache-${kind}`) };
      const runner = kind === 'podman' ? new PodmanRunner(opts) : new DockerRunner(opts);
      await runner.ping();
      const spec = (who: string, i: number) =>
        imageBuild({
          name: 'bp',
          binding: 'late',
          destination: 'plain',
          imageName: `bench/${kind}-pipeline-${who}`,
          tag: `${stamp}-${i}`,
          user: true,
        });
      // The same context on disk for the CLI side.
      const ctx = createBuildContext(spec('manual', 0), all);
      const dir = mkdtempSync(join(work, 'ctx-'));
      for (const f of ctx.files) {
        mkdirSync(dirname(join(dir, f.path)), { recursive: true });
        writeFileSync(join(dir, f.path), f.content, { mode: f.mode });
      }
      const args = Object.entries(ctx.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
      const manual = (i: number): Promise<ManualTimes> =>
        runManual({
          kind,
          socket,
          contextDir: dir,
          buildArgs: args,
          ref: createBuildContext(spec('manual', i), all).destinationImage,
          converterImage: env.bibImagePlain,
          flags: [],
          workDir: work,
        });
      const sdk = async (i: number): Promise<SdkTimes> => {
        const t0 = performance.now();
        let build = spec('sdk', i);
        const built = await runner.build(build, all, { noCache: true, sbom: false }).done();
        build = { ...build, status: { manifestDigest: built.manifestDigest, imageReference: built.reference } };
        const t1 = performance.now();
        const r = await runner
          .export(imageExport('bp', 'bp', 'qcow2'), build, all, {
            converterImage: env.bibImagePlain,
            converterConfig: { kernelArgs: [`bench=${stamp}-${i}`] },
          })
          .done();
        const t2 = performance.now();
        const out = mkdtempSync(join(tmpdir(), 'ib-bench-dl-'));
        const client = RegistryClient.fromRepository(repos.plain);
        try {
          await downloadArtifact(client, {
            repository: `bench/${kind}-pipeline-sdk`,
            digest: r.manifestDigest,
            file: join(out, 'disk.qcow2'),
          }).done();
        } finally {
          await client.close();
          rmSync(out, { recursive: true, force: true });
        }
        const t3 = performance.now();
        return { build: t1 - t0, export: t2 - t1, download: t3 - t2, total: t3 - t0 };
      };
      // One unmeasured manual warm-up (converter image, page cache), then alternating rounds.
      await manual(ROUNDS);
      const m: ManualTimes[] = [];
      const s: SdkTimes[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        if (i % 2 === 0) {
          m.push(await manual(i));
          s.push(await sdk(i));
        } else {
          s.push(await sdk(i));
          m.push(await manual(i));
        }
      }
      await runner.close();
      rmSync(dir, { recursive: true, force: true });
      const med = <T>(xs: T[], k: keyof T): number => Math.round(median(xs.map((x) => x[k] as number)));
      const ratio = med(s, 'total') / med(m, 'total');
      rows.push([
        kind,
        med(m, 'total'),
        med(s, 'total'),
        ratio.toFixed(3),
        ratio <= 0.8 ? 'yes' : 'no',
        `${(Math.max(...m.map((x) => x.peakRss)) / 2 ** 20).toFixed(0)}`,
        `${(process.resourceUsage().maxRSS / 1024).toFixed(0)}`,
      ]);
      phases.push([
        kind,
        `${med(m, 'build')} + ${med(m, 'push')}`,
        med(s, 'build'),
        `${med(m, 'convert')} + ${med(m, 'artifactPush')}`,
        med(s, 'export'),
        med(m, 'download'),
        med(s, 'download'),
        med(m, 'cleanup'),
      ]);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const table = markdownTable(
    [
      'engine',
      'manual, median (ms)',
      'SDK, median (ms)',
      'SDK / manual',
      '≤ 0.80×',
      'manual peak RSS, largest tool (MiB)',
      'SDK process peak RSS (MiB)',
    ],
    rows,
  );
  const phaseTable = markdownTable(
    [
      'engine',
      'manual build + push',
      'SDK build (+ push, cleanup)',
      'manual convert + curl artifact push',
      'SDK export',
      'manual curl download',
      'SDK download',
      'manual rmi',
    ],
    phases,
  );
  console.log(`${table}\n\n${phaseTable}`);
  const file = join(dirname(new URL(import.meta.url).pathname), '..', 'results', 'pipeline.md');
  writeFileSync(
    file,
    `# Pipeline: build → export (qcow2) → download, SDK vs the same steps by hand

Manual: \`${'podman|docker'} build --no-cache\`, \`push\`, \`run --rm --privileged --network host --security-opt label=type:unconfined_t -v out:/output -v store:/var/lib/containers <converter> … build --type qcow2 …\` (the SDK's flags and mounts), the qcow2 pushed as an OCI artifact with \`curl\` (sha256sum, blob, empty config, manifest with subject), \`curl\` download, \`rmi\`. SDK: \`runner.build({noCache, sbom: false})\` (the manual sequence makes no SBOM), \`runner.export()\`, \`downloadArtifact()\`. On dockerd the SDK builds with BuildKit (its default there); the docker CLI here (28.2, no buildx plugin) can only use the classic builder. Same Containerfile/context, plain registry, converter stand-in, median of ${ROUNDS} alternating rounds after one manual warm-up. Phases in ms (medians per phase; they need not add up to the total median). RSS: manual = largest peak of one tool (GNU time); SDK = the whole bench process (node + tsx), measured in-process.

Reproduce: \`npx tsx --conditions=@imagebuild/source bench/pipeline/pipeline.bench.ts\` (harness up), or \`npm run bench\`.

${table}

${phaseTable}

_${new Date().toISOString()}_
`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
