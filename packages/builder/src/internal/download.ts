import { statSync } from 'node:fs';
import { join } from 'node:path';
import { downloadExtension } from '@imagebuild/core';
import {
  RegistryClient,
  downloadArtifact,
  optionsFromRepository,
  type DownloadProgress,
  type DownloadResult,
} from '@imagebuild/oci';
import type { BuilderContext } from './context.js';
import { resolveExportSource } from './export-source.js';

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
export async function downloadExport(
  ctx: BuilderContext,
  exportName: string,
  path: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const src = await resolveExportSource(ctx, exportName);
  let file = path;
  try {
    if (statSync(path).isDirectory()) file = join(path, `${src.buildName}${downloadExtension(src.format)}`);
  } catch {
    // not there yet: a file path
  }
  const client = new RegistryClient(optionsFromRepository(src.repo));
  try {
    const op = downloadArtifact(client, {
      repository: src.imageName,
      digest: src.manifestDigest,
      file,
      signal: options.signal,
    });
    if (options.onProgress) op.on('progress', options.onProgress);
    return await op.done();
  } finally {
    await client.close();
  }
}
