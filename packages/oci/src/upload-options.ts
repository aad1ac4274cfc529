import type { Readable } from 'node:stream';
import type { TransferProgress } from '@imagebuild/core/operation';

/** What to upload: a file path, a buffer, or a stream (a stream cannot be resumed or retried). */
export type BlobSource = { file: string } | { stream: Readable | AsyncIterable<Uint8Array> } | Buffer;

/**
 * Bytes of an upload sent so far.
 * @deprecated Use `TransferProgress` of `@imagebuild/core/operation` (the same shape).
 */
export type UploadProgress = TransferProgress;

/** How an upload session ended, as reported to `onSession`. */
export interface UploadSessionEnd {
  /** The session's upload URL path (`/v2/<name>/blobs/uploads/<uuid>`). */
  session: string;
  /**
   * `committed`: the blob was written; `deleted`: the client cancelled it;
   * `invalidated`: the registry refused to resume or cancel it (registry 2.8
   * after a body was cut mid-way) and the client started a new one.
   */
  outcome: 'committed' | 'deleted' | 'invalidated';
}

/** How `RegistryClient.uploadBlob` uploads one blob. */
export interface UploadOptions {
  /** Known digest: enables the skip-if-present check, mounting and a monolithic upload. */
  digest?: string | undefined;
  /** Size in bytes (required for streams with a known size; checked for files). */
  size?: number | undefined;
  /** Media type of the returned descriptor (default `application/octet-stream`). */
  mediaType?: string | undefined;
  /** Repository (same registry) to mount the blob from; needs `digest`. */
  mountFrom?: string | undefined;
  /** Use the resumable `PATCH` upload (sha256 computed while uploading) even when the digest is known. */
  chunked?: boolean | undefined;
  /** Bytes per `PATCH` (default: the client's `chunkSize`, by default the whole file in one request). */
  chunkSize?: number | undefined;
  /** Called with the bytes uploaded so far. */
  onProgress?: ((p: TransferProgress) => void) | undefined;
  /** Called when an upload session ends (committed, deleted, or invalidated by the registry). */
  onSession?: ((e: UploadSessionEnd) => void) | undefined;
  /** Aborts the upload; an open session is cancelled. */
  signal?: AbortSignal | undefined;
}
