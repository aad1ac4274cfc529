/**
 * Build a bootc image and export it as a disk image through an image-builder API — a Flight Control
 * deployment or `@imagebuild/http` in front of a local builder — with `@imagebuild/client`.
 *
 *   IMAGEBUILDER_URL=https://imagebuilder-api.example.com IMAGEBUILDER_TOKEN=… ORG_ID=… \
 *   SOURCE_REPOSITORY=quay SOURCE_IMAGE=centos-bootc/centos-bootc SOURCE_TAG=stream9 \
 *   DESTINATION_REPOSITORY=my-registry DESTINATION_IMAGE=me/edge DESTINATION_TAG=v1 \
 *   EXPORT_FORMAT=qcow2 OUTPUT_DIR=. npx tsx --conditions=@imagebuild/source examples/client-build.ts
 *
 * Optional: IMAGEBUILDER_CA (PEM file to trust), BUILD_NAME.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { downloadExtension } from '@imagebuild/core/resources';
import { ImageBuilderClient, isFinished, readyReason, type ExportFormat } from '@imagebuild/client';

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`set ${name}`);
  return v;
}

async function main(): Promise<void> {
  const ca = process.env.IMAGEBUILDER_CA;
  const client = new ImageBuilderClient({
    baseUrl: need('IMAGEBUILDER_URL'),
    token: process.env.IMAGEBUILDER_TOKEN,
    ...(process.env.ORG_ID ? { orgId: process.env.ORG_ID } : {}),
    ...(ca ? { tls: { ca: readFileSync(ca, 'utf8') } } : {}),
  });
  const name = process.env.BUILD_NAME ?? `example-${Date.now().toString(36)}`;
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  try {
    await client.imageBuilds.create({
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageBuild',
      metadata: { name },
      spec: {
        source: {
          repository: need('SOURCE_REPOSITORY'),
          imageName: need('SOURCE_IMAGE'),
          imageTag: process.env.SOURCE_TAG ?? 'latest',
        },
        destination: {
          repository: need('DESTINATION_REPOSITORY'),
          imageName: need('DESTINATION_IMAGE'),
          imageTag: process.env.DESTINATION_TAG ?? 'latest',
        },
        binding: { type: 'late' },
      },
    });
    console.log(`ImageBuild ${name} created; following its log`);
    for await (const line of client.imageBuilds.followLogs(name, { signal: ac.signal })) console.log(`  | ${line}`);
    const build = await client.waitFor('ImageBuild', name, isFinished, { signal: ac.signal, intervalMs: 1000 });
    if (readyReason(build) !== 'Completed')
      throw new Error(`build ended ${readyReason(build)}: ${build.status?.conditions?.[0]?.message ?? ''}`);
    console.log(`built ${build.status?.imageReference ?? ''}`);

    const format = (process.env.EXPORT_FORMAT ?? 'qcow2') as ExportFormat;
    const exportName = `${name}-${format}`;
    await client.imageExports.create({
      apiVersion: 'flightctl.io/v1alpha1',
      kind: 'ImageExport',
      metadata: { name: exportName },
      spec: { source: { type: 'imageBuild', imageBuildRef: name }, format },
    });
    for await (const line of client.imageExports.followLogs(exportName, { signal: ac.signal }))
      console.log(`  | ${line}`);
    const exported = await client.waitFor('ImageExport', exportName, isFinished, {
      signal: ac.signal,
      intervalMs: 1000,
    });
    if (readyReason(exported) !== 'Completed') throw new Error(`export ended ${readyReason(exported)}`);

    const file = join(process.env.OUTPUT_DIR ?? '.', `${name}${downloadExtension(format)}`);
    const result = await client.imageExports.downloadToFile(exportName, file, {
      signal: ac.signal,
      onProgress: (p) => process.stdout.write(`\r  ${p.bytesDone}${p.bytesTotal ? `/${p.bytesTotal}` : ''} bytes`),
    });
    console.log(`\ndownloaded ${result.path} (${result.bytes} bytes, ${result.digest})`);
  } finally {
    await client.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
