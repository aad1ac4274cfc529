import type { CallOptions } from '@imagebuild/core/operation';
import type { BlobResponse, Descriptor, FetchedManifest, ImageIndex, ImageManifest } from '../types.js';

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
