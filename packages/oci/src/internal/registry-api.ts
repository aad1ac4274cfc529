import type { CallOptions } from '@imagebuild/core/operation';
import type { Descriptor, FetchedManifest, ImageIndex, ImageManifest } from '../types.js';
import type { Readable } from 'node:stream';

/** A blob body being downloaded. */
export interface BlobResponse {
  body: Readable;
  /** Bytes in this response. */
  length: number | undefined;
  /** Offset of the first byte in `body` (non-zero only when a range was honoured). */
  offset: number;
  /** Size of the whole blob, when known. */
  totalSize: number | undefined;
}

/**
 * The registry calls internal modules need from the client, by shape: they take this (and the
 * transport), never the public client itself, so no module imports the client back.
 */
export interface RegistryApi {
  readonly registry: string;
  readonly maxManifestBytes: number;
  getManifest(repository: string, reference: string, options?: CallOptions): Promise<FetchedManifest>;
  putManifest(
    repository: string,
    reference: string,
    manifest: Buffer | ImageManifest | ImageIndex,
    options?: CallOptions & { mediaType?: string; ifMatch?: string },
  ): Promise<{ descriptor: Descriptor; subjectProcessed: boolean }>;
  headBlob(repository: string, digest: string, options?: CallOptions): Promise<number | undefined>;
  getBlob(repository: string, digest: string, options?: CallOptions & { offset?: number }): Promise<BlobResponse>;
}
