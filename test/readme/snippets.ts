// The README's code snippets, kept compiling by `npm run typecheck` (root tsconfig includes test/).
// Functions only: nothing here runs; the behaviour behind each call is tested elsewhere.
import { readFile } from 'node:fs/promises';
import { ImageBuilder, SqliteStore } from '@imagebuild/builder';
import { PodmanRunner } from '@imagebuild/runner-podman';
import { DockerRunner } from '@imagebuild/runner-docker';
import { createBuildContext, parseDocuments, parseEnrollmentConfig, parseRepository } from '@imagebuild/core';
import type { ImageBuild, ImageExport, Repository } from '@imagebuild/core';
import { ImageBuilderClient } from '@imagebuild/client';

export async function embedding(
  repositoryDoc: Repository,
  imageBuildDoc: ImageBuild,
  imageExportDoc: ImageExport,
): Promise<void> {
  const builder = new ImageBuilder({
    runners: [new PodmanRunner({}), new DockerRunner({})],
    store: new SqliteStore({ path: 'imagebuild.db' }),
    enrollmentConfig: parseEnrollmentConfig(await readFile('agent-config.yaml', 'utf8')),
  });
  await builder.apply(repositoryDoc);
  await builder.create(imageBuildDoc);
  for await (const line of builder.logs('ImageBuild', 'my-build', { follow: true })) console.log(line);
  await builder.create(imageExportDoc);
  await builder.download('my-export', './out', { onProgress: (p) => console.log(p.bytesDone) });
}

export function validate(yamlText: string, srcRepo: unknown, dstRepo: unknown): void {
  const [doc] = parseDocuments(yamlText);
  if (!doc) return;
  if (!doc.ok) {
    for (const i of doc.error.issues) console.log(`${i.path}: ${i.message}`);
  } else if (doc.resource.kind === 'ImageBuild') {
    const ctx = createBuildContext(doc.resource, [parseRepository(srcRepo), parseRepository(dstRepo)]);
    console.log(ctx.containerfile, ctx.buildArgs);
  }
}

export async function remote(token: string, orgId: string, imageBuild: ImageBuild): Promise<void> {
  const client = new ImageBuilderClient({ baseUrl: 'https://imagebuilder-api.example.com', token, orgId });
  await client.imageBuilds.create(imageBuild);
  for await (const line of client.imageBuilds.followLogs('my-build')) console.log(line);
  await client.imageExports.downloadToFile('my-export', './disk.qcow2', { onProgress: console.log });
}
