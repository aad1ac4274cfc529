import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * The log of one job: complete lines are appended to a file (the whole log) and to a ring buffer
 * of the most recent lines (bounded memory). Readers wait on `changed()`.
 */
export class JobLog {
  /** Complete lines written so far (the file has exactly these). */
  total = 0;
  ended = false;
  readonly #ring: (string | undefined)[];
  #fd: number | undefined;
  #partial = '';
  #waiters = new Set<() => void>();

  constructor(
    readonly file: string,
    ringSize: number,
    initialTotal = 0,
  ) {
    this.#ring = new Array<string | undefined>(Math.max(1, ringSize));
    this.total = initialTotal;
  }

  /** Appends text; every `\n`-terminated piece is a line, a trailing piece waits for the rest. */
  append(text: string): void {
    if (this.ended) return;
    const parts = (this.#partial + text).split(/\r?\n/);
    this.#partial = parts.pop() ?? '';
    if (parts.length > 0) this.#write(parts);
  }

  /** Appends one whole line. */
  line(text: string): void {
    if (this.ended) return;
    this.append(`${text}\n`);
  }

  #write(lines: string[]): void {
    this.#fd ??= openSync(this.file, 'a', 0o600);
    writeSync(this.#fd, `${lines.join('\n')}\n`);
    for (const l of lines) this.#ring[this.total++ % this.#ring.length] = l;
    this.#notify();
  }

  /** The job is over: flushes a trailing partial line, closes the file, wakes followers. */
  end(): void {
    if (this.ended) return;
    if (this.#partial !== '') {
      const p = this.#partial;
      this.#partial = '';
      this.#write([p]);
    }
    this.ended = true;
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    this.#ring.fill(undefined);
    this.#notify();
  }

  /** Lines `[from, total)` if they are all still in the ring buffer; otherwise undefined (read the file). */
  fromRing(from: number): string[] | undefined {
    if (this.ended) return undefined;
    const size = this.#ring.length;
    if (from < this.total - size) return undefined;
    const out: string[] = [];
    for (let i = from; i < this.total; i++) out.push(this.#ring[i % size]!);
    return out;
  }

  /** Resolves at the next append or end, or when the signal aborts. */
  changed(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.#waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }
}
