/**
 * Receives full slabs of body bytes, in order. The next slab goes to the sink
 * once the promise settles; this slab is reused then, or, when the sink
 * returns `released`, once that settles (the sink still uses the slab in the
 * background: a direct disk write, a hash on another thread). The request
 * settles only after every slab was released.
 */
export type SlabSink = (bytes: Buffer) => Promise<void | { released: Promise<void> }>;

/**
 * A response body on its way to a `SlabSink`: the socket reads into the current slab (`space()`),
 * full slabs go to the sink in order, and a slab returns to the free list once the sink released it.
 * Memory is the pool's slabs, whatever the body's size. See README.md (slab ownership, release).
 */
export class SlabStream {
  readonly #free: Buffer[];
  readonly #sink: SlabSink;
  readonly #onFailure: (err: Error) => void;
  readonly #onFreed: () => void;
  #current: Buffer;
  #fill = 0;
  #unreleased = 0;
  #allReleased: (() => void) | undefined;
  /** The sink's calls, in order; rejects with the sink's first error. */
  #chain: Promise<void> = Promise.resolve();
  /** Bytes handed to the sink so far. */
  streamed = 0;

  /**
   * `slabs`: the pool (at least one slab, each at least `minSlab` bytes); `onFailure`: the sink
   * failed; `onFreed`: a slab went back to the free list (reading may resume).
   */
  constructor(slabs: Buffer[], sink: SlabSink, onFailure: (err: Error) => void, onFreed: () => void) {
    this.#free = [...slabs]; // a copy: the caller's pool is reused by its next request, whole
    this.#sink = sink;
    this.#onFailure = onFailure;
    this.#onFreed = onFreed;
    this.#current = this.#free.pop() as Buffer;
  }

  /** Where the socket reads next: the free part of the current slab. */
  space(): Buffer {
    return this.#current.subarray(this.#fill);
  }

  /**
   * `n` bytes were read into `space()`. False when the slab being filled is the last free one:
   * reading pauses until the sink releases one (`onFreed`).
   */
  received(n: number): boolean {
    this.#fill += n;
    if (this.#fill < this.#current.length) return true;
    this.flush();
    return this.#free.length > 0;
  }

  /** Hands the filled part of the current slab to the sink; `align`: on a failure, only a multiple of it. */
  flush(align = 1): void {
    const n = this.#fill - (this.#fill % align);
    if (n === 0) return;
    const slab = this.#current;
    const bytes = slab.subarray(0, n);
    this.streamed += n;
    this.#unreleased++;
    const release = (): void => {
      this.#free.push(slab);
      if (--this.#unreleased === 0) this.#allReleased?.();
      this.#onFreed();
    };
    this.#chain = this.#chain
      .then(() => this.#sink(bytes))
      .then(
        (r) => {
          if (!r) return release();
          r.released.then(release, (err: unknown) => {
            this.#onFailure(err as Error);
            release();
          });
        },
        (err: unknown) => {
          release();
          throw err;
        },
      );
    this.#chain.catch((err: unknown) => this.#onFailure(err as Error));
    // Never empty while reading: reading pauses while the last free slab is the current one.
    this.#current = this.#free.pop() as Buffer;
    this.#fill = 0;
  }

  /** Settles once every slab handed to the sink was released; rejects with the sink's error, if any. */
  async drained(): Promise<void> {
    let sinkError: unknown;
    await this.#chain.catch((err: unknown) => {
      sinkError = err;
    });
    if (this.#unreleased > 0) await new Promise<void>((r) => (this.#allReleased = r));
    if (sinkError !== undefined) throw sinkError;
  }
}
