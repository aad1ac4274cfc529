import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExportFormat, TransferProgress } from '@imagebuild/core';
import { artifactTitle, artifactType } from '@imagebuild/core/resources';
import type { ManifestRef, RegistryAccess } from '../registry/registry-access.js';
import { jobTag } from './job-tag.js';
import type { OutputStream } from './output-archive.js';

export interface PushOutputRequest {
  registry: RegistryAccess;
  repository: string;
  format: ExportFormat;
  output: OutputStream;
  subject: ManifestRef;
  platform: string;
  jobId: string;
  annotations: Record<string, string> | undefined;
  /** Called once the whole output was read out of the engine (before the push is committed). */
  onOutputRead: () => void;
  onProgress: (p: TransferProgress) => void;
}

/** Calls `done` when `source` was read to its end. */
async function* notifyEnd(source: AsyncIterable<Uint8Array>, done: () => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) yield chunk;
  done();
}

/**
 * Pushes the converter's output as the export's artifact while it is read out of the engine: the
 * blob is hashed while it is uploaded, no copy is written on the builder's disk. The containerdisk
 * (qcow2-disk-container) packs the disk into a tar layer whose digest must be known first, so that
 * one format alone goes through a private temporary file.
 */
export async function pushOutput(
  r: PushOutputRequest,
  signal: AbortSignal,
): Promise<ManifestRef & { artifactType: string; layerDigest: string; layerSize: number }> {
  const total = r.output.size;
  const onProgress = (p: { bytesDone: number; bytesTotal: number | undefined }): void =>
    r.onProgress({ bytesDone: p.bytesDone, bytesTotal: p.bytesTotal ?? total ?? p.bytesDone });
  r.onProgress({ bytesDone: 0, bytesTotal: total ?? 0 });
  if (r.format !== 'qcow2-disk-container') {
    return r.registry.pushArtifact(
      {
        repository: r.repository,
        stream: notifyEnd(r.output.stream, r.onOutputRead),
        subject: r.subject,
        artifactType: artifactType(r.format),
        title: artifactTitle(r.format),
        annotations: r.annotations,
        onProgress,
      },
      signal,
    );
  }
  const work = await mkdtemp(join(tmpdir(), `imagebuild-export-${jobTag(r.jobId)}`));
  try {
    const file = join(work, 'disk.qcow2');
    await pipeline(Readable.from(r.output.stream), createWriteStream(file, { mode: 0o600 }), { signal });
    r.onOutputRead();
    return await r.registry.pushContainerDisk(
      { repository: r.repository, file, subject: r.subject, platform: r.platform, onProgress },
      signal,
    );
  } finally {
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
  }
}
