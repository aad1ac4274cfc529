/** Options every async call of the SDK takes. */
export interface CallOptions {
  /** Aborts the call; it then rejects with an `AbortError`. */
  signal?: AbortSignal | undefined;
}

/** Filters and paging of a `list()` call (the builder's; the client's also takes selectors as maps). */
export interface ListOptions extends CallOptions {
  /** Kubernetes label selector, e.g. `env=prod,tier in (a,b),!legacy`. */
  labelSelector?: string | undefined;
  /** Flight Control field selector, e.g. `status.conditions.ready.reason=Failed`. */
  fieldSelector?: string | undefined;
  /** Page size, 1..1000 (0 or omitted: 1000). */
  limit?: number | undefined;
  /** The `metadata.continue` of the previous page. */
  continue?: string | undefined;
}

/** Progress of a transfer (download or upload), the one shape used by every package. */
export interface TransferProgress {
  /** Bytes held so far, including a prefix reused from an earlier partial transfer. */
  bytesDone: number;
  /** Total bytes when known. */
  bytesTotal: number | undefined;
}
