import type { SlabWriter } from './direct-writer.js';
import type { StreamHash } from './stream-hash.js';

export interface SinkState {
  /** Bytes received and handed to the writer and the hash (all written once an attempt has settled). */
  position: number;
  hash: StreamHash;
  writer: SlabWriter;
  /** The slabs raw attempts read into (allocated once per download). */
  slabs: Buffer[];
  /** The write in progress: settled before a resume reads `position`. */
  inflight: Promise<void>;
}

/** A failed write to the partial file: not a network error, never retried. */
export class DiskWriteError extends Error {
  /** `position`: where the failed write started; the partial file is cut there. */
  constructor(
    cause: unknown,
    readonly position: number,
  ) {
    super(`cannot write the partial file: ${(cause as Error).message}`, { cause });
  }
}
