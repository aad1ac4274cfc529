import type { Readable } from 'node:stream';
import type { TransferProgress } from '@imagebuild/core/operation';

/** An OCI platform (`os`/`architecture`/`variant`). */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
  data?: string;
}

/** An OCI image manifest (or Docker v2s2 manifest, which has the same shape). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** An OCI image index (or Docker manifest list). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** A manifest as fetched: the exact bytes, their descriptor, and the parsed JSON. */
export interface FetchedManifest {
  descriptor: Descriptor;
  bytes: Buffer;
  manifest: ImageManifest | ImageIndex;
  /** The `ETag` response header, when the registry sent one. */
  etag?: string;
}

/** What one blob download is asked to do. */
export interface BlobFileDownload {
  repository: string;
  digest: string;
  /** Expected size, when known (from a descriptor). */
  size?: number | undefined;
  file: string;
  signal: AbortSignal;
  onProgress: (p: TransferProgress) => void;
  /** Write whole slabs with O_DIRECT when the file system takes it (default true). */
  directIo?: boolean | undefined;
}

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
