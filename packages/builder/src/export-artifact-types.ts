// The types of ImageBuilder.openExport(): an export's artifact, read as a stream.
import type { Readable } from 'node:stream';
/** Options of `openExport()`. */
export interface OpenExportOptions {
  /** Aborts the lookup and the registry requests. */
  signal?: AbortSignal | undefined;
}

/** Which bytes `ExportArtifact.open()` streams. */
export interface ArtifactReadOptions {
  /** First byte (default 0). */
  offset?: number | undefined;
  /** Number of bytes (default: to the end). */
  length?: number | undefined;
  /** Aborts the registry request (the stream then ends with an error). */
  signal?: AbortSignal | undefined;
}

/** A Completed export's file in its registry, ready to be streamed (see `ImageBuilder.openExport`). */
export interface ExportArtifact {
  /** `<ImageBuild name><extension>`, the name upstream gives the download. */
  readonly filename: string;
  /** Size of the whole file in bytes (the artifact layer's descriptor). */
  readonly size: number;
  /** Digest of the file (the artifact layer's). */
  readonly digest: string;
  /** Media type of the artifact layer. */
  readonly mediaType: string;
  /** Digest of the artifact manifest (`status.manifestDigest`). */
  readonly manifestDigest: string;
  /**
   * Streams bytes straight from the registry with backpressure (from `offset` with a `Range`
   * request). A whole-file read is verified as it goes: size and digest are checked before the
   * last chunk is released, and a mismatch ends the stream with an error instead. Destroying the
   * stream aborts the registry request.
   */
  open(options?: ArtifactReadOptions): Promise<Readable>;
  /** Releases the registry connections (an open stream is aborted). */
  close(): Promise<void>;
}
