/** Options every async call of the SDK takes. */
export interface CallOptions {
  /** Aborts the call; it then rejects with an `AbortError`. */
  signal?: AbortSignal | undefined;
}

/** Progress of a transfer (download or upload), the one shape used by every package. */
export interface TransferProgress {
  /** Bytes held so far, including a prefix reused from an earlier partial transfer. */
  bytesDone: number;
  /** Total bytes when known. */
  bytesTotal: number | undefined;
}
