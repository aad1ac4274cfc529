// The quick start: on the harness's podman engine and registry A, build an early-binding bootc
// image with the Flight Control agent, export it to qcow2, download it, and report timings.
// Run with `sh scripts/quickstart.sh` (installs and starts what it needs), or, with the harness up:
//   npx tsx --conditions=@imagebuild/source scripts/quickstart.ts
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ImageBuilder } from '@imagebuild/builder';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { parseEnrollmentConfig, type EnrollmentConfig } from '@imagebuild/core';
import { renderAgentConfig } from '@imagebuild/core/containerfile';
import { demoEnrollmentConfig, harness, harnessRepositories } from '../examples/lib/harness.js';
import { followLogs, progress } from '../examples/lib/progress.js';

const reasonOf = (o: {
  status?: { conditions?: ReadonlyArray<{ type: string; reason: string; message: string }> | undefined } | undefined;
}) => o.status?.conditions?.find((c) => c.type === 'Ready');

/**
 * The demo enrollment config, made once and kept (mode 0600) in the output directory: a second run
 * with nothing changed then has the same inputs, and its build and export are reused.
 */
function keptDemoEnrollment(outDir: string): EnrollmentConfig {
  const file = join(outDir, 'demo-enrollment.yaml');
  if (existsSync(file)) return parseEnrollmentConfig(readFileSync(file, 'utf8'));
  const config = demoEnrollmentConfig();
  writeFileSync(file, renderAgentConfig(config), { mode: 0o600 });
  return config;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const h = harness();
  const outDir = resolve(process.env['QUICKSTART_OUT'] ?? '.quickstart');
  mkdirSync(outDir, { recursive: true });
  // stable names: run again with nothing changed, and the build, the export and the download are reused
  const id = process.env['QUICKSTART_TAG'] ?? 'quickstart';
  console.log(`imagebuild quick start — podman at ${h.PODMAN_URL}, registry ${h.REGISTRY_PLAIN}`);
  console.log(
    'note: the enrollment certificate is a throwaway self-signed demo, not a real Flight Control enrollment.',
  );

  const builder = new ImageBuilder({
    runners: [new PodmanRunner({ engine: h.PODMAN_URL, name: 'podman' })],
    enrollmentConfig: keptDemoEnrollment(outDir),
    // The harness's stand-in for bootc-image-builder; the SDK default stays the real one.
    exportOptions: { converterImage: h.BIB_IMAGE },
    logDir: join(outDir, 'logs'),
  });
  const p = progress();
  const watcher = (async () => {
    for await (const ev of builder.watch())
      if (ev.type === 'phase' || (ev.type === 'created' && ev.kind !== 'Repository'))
        p.phase(ev.kind as 'ImageBuild', ev.name, ev.phase!);
  })().catch(() => undefined);

  for (const r of harnessRepositories(h)) await builder.apply(r);
  const buildName = id;
  await builder.create({
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageBuild',
    metadata: { name: buildName, labels: { app: 'quickstart' } },
    spec: {
      source: { repository: 'src', imageName: 'fixtures/bootc-base', imageTag: 'latest' },
      destination: { repository: 'dst', imageName: 'quickstart/bootc-agent', imageTag: id },
      binding: { type: 'early' },
    },
  });
  const exportName = `${buildName}-qcow2`;
  await builder.create({
    apiVersion: 'flightctl.io/v1alpha1',
    kind: 'ImageExport',
    metadata: { name: exportName },
    spec: { source: { type: 'imageBuild', imageBuildRef: buildName }, format: 'qcow2' },
  });
  await followLogs(builder, 'ImageBuild', buildName, p);
  await followLogs(builder, 'ImageExport', exportName, p);
  const build = await builder.get('ImageBuild', buildName);
  const exp = await builder.get('ImageExport', exportName);
  const failed = [build, exp].map((o) => reasonOf(o)).find((c) => c?.reason !== 'Completed');
  if (failed) {
    p.done();
    throw new Error(`${failed.reason}: ${failed.message} (logs in ${builder.logDir})`);
  }
  const td = Date.now();
  const result = await builder.download(exportName, outDir, {
    onProgress: (d) => p.line('ImageExport', exportName, `downloading ${d.bytesDone}/${d.bytesTotal ?? '?'} bytes`),
  });
  const downloadMs = Date.now() - td;
  p.done();
  await builder.close();
  await watcher;

  console.log(`\nimage:    ${build.status?.imageReference} (${build.status?.manifestDigest})`);
  console.log(`artifact: ${exp.status?.manifestDigest}`);
  console.log(`disk:     ${result.file} (${result.size} bytes, ${result.digest}, verified)`);
  console.log('\ntimings:');
  for (const [kind, phase, ms] of p.timings)
    console.log(`  ${kind.padEnd(12)} ${phase.padEnd(11)} ${(ms / 1000).toFixed(1).padStart(7)} s`);
  console.log(`  ${'download'.padEnd(24)} ${(downloadMs / 1000).toFixed(1).padStart(7)} s`);
  console.log(`  ${'total'.padEnd(24)} ${((Date.now() - t0) / 1000).toFixed(1).padStart(7)} s`);
  console.log(`\nlogs:     ${builder.logDir}`);
}

main().catch((err: unknown) => {
  console.error(`\nquick start failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
