import type { ServerResponse } from 'node:http';

const FLUSH_AT = 16 * 1024;

/** Resolves when `res` can take more, or is closed. Both listeners are removed either way. */
export function drained(res: ServerResponse): Promise<void> {
  if (res.destroyed || res.writableEnded || !res.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes many small pieces (log lines, SSE events) as few chunks: pieces collect until 16 KiB or
 * until the event loop turns (so a live line is not held back), and a writer whose client is
 * slow waits for `drain` — one pair of listeners at a time — before taking more.
 */
export class BatchWriter {
  #buf = '';
  #timer: NodeJS.Immediate | undefined;
  #blocked = false;

  constructor(private readonly res: ServerResponse) {}

  /** Queues `text`; resolves at once unless the client is behind. */
  async write(text: string): Promise<void> {
    this.#buf += text;
    if (this.#buf.length >= FLUSH_AT) this.#flush();
    else this.#timer ??= setImmediate(() => this.#flush());
    if (this.#blocked) {
      await drained(this.res);
      this.#blocked = false;
    }
  }

  #flush(): void {
    if (this.#timer) clearImmediate(this.#timer);
    this.#timer = undefined;
    if (this.#buf === '' || this.res.destroyed || this.res.writableEnded) return;
    if (!this.res.write(this.#buf)) this.#blocked = true;
    this.#buf = '';
  }

  /** Whether the client is keeping up (nothing waiting for `drain`). */
  get idle(): boolean {
    return !this.res.writableNeedDrain;
  }

  /** Writes what is queued, then `last`, and ends the response. */
  end(last = ''): void {
    if (this.#timer) clearImmediate(this.#timer);
    this.#timer = undefined;
    const text = this.#buf + last;
    this.#buf = '';
    if (!this.res.destroyed && !this.res.writableEnded) this.res.end(text);
  }

  /** Drops what is queued (the response is being cut off). */
  discard(): void {
    if (this.#timer) clearImmediate(this.#timer);
    this.#timer = undefined;
    this.#buf = '';
  }
}
