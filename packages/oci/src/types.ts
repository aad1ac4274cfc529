import type { Readable } from 'node:stream';
import type { TransferProgress } from '@imagebuild/core/operation';

/** An OCI platform (`os`/`architecture`/`variant`). */
export interface Platform {
  /** Operating system, e.g. `linux`. */
  os: string;
  /** CPU architecture in GOARCH terms, e.g. `amd64`, `arm64`. */
  architecture: string;
  /** CPU variant, e.g. `v8` of `arm64`. */
  variant?: string;
  /** Operating system version (Windows builds). */
  'os.version'?: string;
  /** Required operating system features. */
  'os.features'?: string[];
}

/** An OCI content descriptor. */
export interface Descriptor {
  /** Media type of the referenced content. */
  mediaType: string;
  /** `sha256:<hex>` of the content's bytes. */
  digest: string;
  /** Size of the content in bytes. */
  size: number;
  /** Type of an artifact manifest this descriptor points to (in referrer lists). */
  artifactType?: string;
  /** Arbitrary metadata, e.g. `org.opencontainers.image.title`. */
  annotations?: Record<string, string>;
  /** Platform of the referenced manifest (in an image index). */
  platform?: Platform;
  /** Other locations the content can be fetched from. */
  urls?: string[];
  /** The content itself, base64-encoded (small blobs, e.g. the empty config `e30=`). */
  data?: string;
}

/** An OCI image manifest (or Docker v2s2 manifest, which has the same shape). */
export interface ImageManifest {
  /** Always 2. */
  schemaVersion: 2;
  /** The manifest's own media type (OCI manifest or Docker v2s2). */
  mediaType?: string;
  /** Type of an artifact manifest (otherwise the config's media type says it). */
  artifactType?: string;
  /** The image config blob (for an artifact, often the empty descriptor). */
  config: Descriptor;
  /** The layer blobs, in order. */
  layers: Descriptor[];
  /** The manifest this one refers to (it is then a referrer of that subject). */
  subject?: Descriptor;
  /** Arbitrary metadata, e.g. `org.opencontainers.image.created`. */
  annotations?: Record<string, string>;
}

/** An OCI image index (or Docker manifest list). */
export interface ImageIndex {
  /** Always 2. */
  schemaVersion: 2;
  /** The index's own media type (OCI index or Docker manifest list). */
  mediaType?: string;
  /** Type of an artifact index. */
  artifactType?: string;
  /** The manifests it lists (per platform, or the referrers of a subject). */
  manifests: Descriptor[];
  /** The manifest this index refers to. */
  subject?: Descriptor;
  /** Arbitrary metadata. */
  annotations?: Record<string, string>;
}

/** A manifest as fetched: the exact bytes, their descriptor, and the parsed JSON. */
export interface FetchedManifest {
  /** Media type, digest and size of `bytes`. */
  descriptor: Descriptor;
  /** The manifest's bytes exactly as the registry sent them (the digest covers these). */
  bytes: Buffer;
  /** `bytes`, parsed. */
  manifest: ImageManifest | ImageIndex;
  /** The `ETag` response header, when the registry sent one. */
  etag?: string;
}

/** What one blob download is asked to do. */
export interface BlobFileDownload {
  /** Repository in the client's registry. */
  repository: string;
  /** The blob's digest; the file is verified against it. */
  digest: string;
  /** Expected size, when known (from a descriptor). */
  size?: number | undefined;
  /** Destination path; `<file>.partial` holds the bytes until they are verified. */
  file: string;
  /** Aborts the download; `<file>.partial` is kept for a later resume. */
  signal: AbortSignal;
  /** Called with the bytes on disk so far. */
  onProgress: (p: TransferProgress) => void;
  /** Write whole slabs with O_DIRECT when the file system takes it (default true). */
  directIo?: boolean | undefined;
}

/** A blob body being downloaded. */
export interface BlobResponse {
  /** The blob's bytes from `offset` on; the caller must consume or destroy it. */
  body: Readable;
  /** Bytes in this response. */
  length: number | undefined;
  /** Offset of the first byte in `body` (non-zero only when a range was honoured). */
  offset: number;
  /** Size of the whole blob, when known. */
  totalSize: number | undefined;
}
