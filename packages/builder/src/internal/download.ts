import { downloadExtension } from '@imagebuild/core/resources';
import {
  RegistryClient,
  downloadArtifact,
  optionsFromRepository,
  type DownloadResult,
  type ImageManifest,
} from '@imagebuild/oci';
import type { DownloadOptions } from '../download-options.js';
import type { BuilderContext } from './context.js';
import { downloadTarget, fileMatches } from './download-target.js';
import { resolveExportSource } from './export-source.js';

/**
 * Downloads a Completed export's disk file from the build's destination registry (the artifact
 * `status.manifestDigest` names) through @imagebuild/oci: streamed to `<file>.partial`, resumed with
 * Range after an interruption, verified against the layer digest, then renamed. Where the file goes
 * is `downloadTarget`'s rule (a folder — created when missing — gets `<ImageBuild name><extension>`).
 * A target that already holds the artifact's bytes (same size and digest) is kept: `reused` is true.
 */
export async function downloadExport(
  ctx: BuilderContext,
  exportName: string,
  path: string,
  options: DownloadOptions = {},
): Promise<DownloadResult & { reused: boolean }> {
  const src = await resolveExportSource(ctx, exportName);
  const file = await downloadTarget(path, `${src.buildName}${downloadExtension(src.format)}`);
  const client = new RegistryClient(optionsFromRepository(src.repo));
  try {
    const { manifest } = await client.getManifest(src.imageName, src.manifestDigest, { signal: options.signal });
    const layer = (manifest as ImageManifest).layers?.[0];
    if (layer && (await fileMatches(file, layer.size, layer.digest, options.signal))) {
      options.onProgress?.({ bytesDone: layer.size, bytesTotal: layer.size });
      return {
        file,
        digest: layer.digest,
        size: layer.size,
        manifestDigest: src.manifestDigest,
        ...((manifest as ImageManifest).artifactType ? { artifactType: (manifest as ImageManifest).artifactType } : {}),
        ...(layer.annotations?.['org.opencontainers.image.title']
          ? { title: layer.annotations['org.opencontainers.image.title'] }
          : {}),
        reused: true,
      };
    }
    const op = downloadArtifact(client, {
      repository: src.imageName,
      digest: src.manifestDigest,
      file,
      signal: options.signal,
    });
    if (options.onProgress) op.on('progress', options.onProgress);
    return { ...(await op.done()), reused: false };
  } finally {
    await client.close();
  }
}
