import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, NotFoundError, downloadExtension, getReadyCondition, type ExportFormat } from '@imagebuild/core';
import { RegistryClient, downloadArtifact, optionsFromRepository, type DownloadProgress, type DownloadResult } from '@imagebuild/oci';
import type { BuilderContext } from './context.js';

/** Options of `download()`. */
export interface DownloadOptions {
  /** Called as bytes arrive (`bytesDone`, `bytesTotal`). */
  onProgress?: ((progress: DownloadProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Downloads a Completed export's disk file from the build's destination registry (the artifact
 * `status.manifestDigest` names) through @imagebuild/oci: streamed to `<file>.partial`, resumed with
 * Range after an interruption, verified against the layer digest, then renamed. When `path` is a
 * directory the file is named as upstream names it: `<ImageBuild name><extension>`.
 */
export async function downloadExport(ctx: BuilderContext, exportName: string, path: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const rec = await ctx.store.get('ImageExport', exportName);
  if (!rec) throw new NotFoundError(`ImageExport "${exportName}" not found`);
  const ready = getReadyCondition(rec.object.status?.conditions);
  if (ready?.status !== 'True') {
    throw new ConflictError(`ImageExport "${exportName}" is not ready (status: ${ready?.status ?? 'Unknown'}, reason: ${ready?.reason ?? 'none'})`);
  }
  const digest = rec.object.status?.manifestDigest;
  if (!digest) throw new ConflictError(`ImageExport "${exportName}" has no manifestDigest`);
  const buildName = rec.object.spec.source.imageBuildRef;
  const build = await ctx.store.get('ImageBuild', buildName);
  if (!build) throw new NotFoundError(`ImageBuild "${buildName}" (the source of ImageExport "${exportName}") not found`);
  const repoName = build.object.spec.destination.repository;
  const repoRec = await ctx.store.get('Repository', repoName);
  if (!repoRec) throw new NotFoundError(`Repository "${repoName}" (destination of ImageBuild "${buildName}") not found`);
  const { repo, ok } = ctx.sealer.unseal(repoRec.object);
  if (!ok) throw new ConflictError(`the credentials of Repository "${repoName}" are not available; re-apply the Repository`);
  let file = path;
  try {
    if (statSync(path).isDirectory()) file = join(path, `${buildName}${downloadExtension(rec.object.spec.format as ExportFormat)}`);
  } catch {
    // not there yet: a file path
  }
  const client = new RegistryClient(optionsFromRepository(repo));
  try {
    const op = downloadArtifact(client, {
      repository: build.object.spec.destination.imageName,
      digest,
      file,
      signal: options.signal,
    });
    if (options.onProgress) op.on('progress', options.onProgress);
    return await op.done();
  } finally {
    await client.close();
  }
}
