import { close, open, write } from 'node:fs';
import { SdkError } from '@imagebuild/core';
import { IoLane } from './io-lane.js';
import { LineIndex } from './line-index.js';

/**
 * Longest line kept whole, in UTF-16 units; longer output is cut into lines of this size. Bounds
 * memory for output that never ends a line, and stays under the 1 MiB line limit of upstream's
 * `flightctl logs` reader (64 Ki units are at most 192 KiB of UTF-8).
 */
export const MAX_LINE_LENGTH = 64 * 1024;

/** How a job log's file is started. */
export interface JobLogFile {
  /** A new job: the file is started empty (whatever a deleted namesake left is dropped). Default false: append. */
  fresh?: boolean | undefined;
  /** The existing file's line index (appending after a restart). Default: an empty file. */
  index?: LineIndex | undefined;
  /** The existing file ends without a newline: one is written before the first appended line. */
  unterminated?: boolean | undefined;
  /** Earlier work on the same path (a previous log's close, a delete) to finish first. */
  after?: Promise<void> | undefined;
  /** The lane the file operations run in (shared by a LogBook's logs). Default: a lane of its own. */
  lane?: IoLane | undefined;
}

/**
 * The log of one job: complete lines go to a ring buffer of the most recent lines (bounded memory)
 * at once, and to a file (the whole log) asynchronously — batched, one write at a time, so a job's
 * output never blocks the event loop on disk I/O. Readers wait on `changed()`; lines that fell out
 * of the ring are read from the file once `flushed` covers them.
 */
export class JobLog {
  /** Complete lines written so far. */
  total = 0;
  /** Lines of `total` that are in the file. */
  flushed = 0;
  ended = false;
  /** Set when the file could not be written; lines past `flushed` then exist only in the ring. */
  error: SdkError | undefined;
  /** The most recent lines, grown on demand up to `#ringSize` and then reused circularly; dropped at end. */
  #ring: string[] = [];
  readonly #ringSize: number;
  /** Line number of the ring's slot 0 (the log's line count when this process opened it). */
  readonly #base: number;
  #partial = '';
  #pending: string[] = [];
  /** Where lines start in the file (for lines already counted in `total`, whether flushed or not). */
  readonly index: LineIndex;
  #unterminated: boolean;
  #fd: number | undefined;
  readonly #ready: Promise<void>;
  readonly #lane: IoLane;
  #flags: 'w' | 'a';
  #draining = false;
  #closed: Promise<void> | undefined;
  #closeDone: (() => void) | undefined;
  readonly #waiters = new Set<() => void>();

  constructor(
    readonly file: string,
    ringSize: number,
    start: JobLogFile = {},
  ) {
    this.#ringSize = Math.max(1, ringSize);
    this.index = start.index ?? new LineIndex();
    this.#unterminated = start.unterminated === true;
    this.total = this.flushed = this.#base = this.index.lines;
    this.#ready = start.after ?? Promise.resolve();
    this.#lane = start.lane ?? new IoLane();
    this.#flags = start.fresh ? 'w' : 'a';
  }

  /**
   * Appends text; every `\n`-terminated piece is a line (a `\r` before the `\n` dropped), a trailing
   * piece waits for the rest. Only the new text is scanned, so output dripped a byte at a time costs
   * linear time; a piece longer than `MAX_LINE_LENGTH` is cut into lines of that length.
   */
  append(text: string): void {
    if (this.ended) return;
    const parts = text.split('\n');
    const rest = parts.pop() ?? '';
    const lines: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      let l = parts[i]!;
      if (i === 0 && this.#partial !== '') {
        l = this.#partial + l;
        this.#partial = '';
      }
      cut(l.endsWith('\r') ? l.slice(0, -1) : l, lines);
    }
    let partial = this.#partial + rest;
    // Keep a trailing `\r` with the partial: its `\n` may come in the next piece.
    while (partial.length > MAX_LINE_LENGTH) {
      const at = cutAt(partial, MAX_LINE_LENGTH);
      lines.push(partial.slice(0, at));
      partial = partial.slice(at);
    }
    this.#partial = partial;
    if (lines.length > 0) this.#add(lines);
  }

  /** Appends one whole line. */
  line(text: string): void {
    if (this.ended) return;
    if (this.#partial === '' && text.length <= MAX_LINE_LENGTH && !text.includes('\n') && !text.includes('\r'))
      this.#add([text]);
    else this.append(`${text}\n`);
  }

  #add(lines: string[]): void {
    const ring = this.#ring;
    for (const l of lines) {
      this.index.add(Buffer.byteLength(l) + 1);
      if (ring.length < this.#ringSize) ring.push(l);
      else ring[(this.total - this.#base) % this.#ringSize] = l;
      this.total++;
      this.#pending.push(l);
    }
    this.#drain();
    this.#notify();
  }

  /** Writes pending lines to the file, one batch at a time, until none are left. */
  #drain(): void {
    if (this.#draining || this.error) return;
    this.#draining = true;
    void (async () => {
      try {
        await this.#ready;
        while (this.#pending.length > 0) {
          const batch = this.#pending;
          this.#pending = [];
          if (this.#fd === undefined) {
            const flags = this.#flags;
            this.#fd = await this.#lane.run(() => openFile(this.file, flags));
            this.#flags = 'a';
          }
          const fd = this.#fd;
          const lead = this.#unterminated ? '\n' : '';
          this.#unterminated = false;
          await this.#lane.run(() => writeAll(fd, Buffer.from(`${lead}${batch.join('\n')}\n`)));
          this.flushed += batch.length;
          this.#notify();
        }
      } catch (err) {
        this.error = new SdkError(
          'INTERNAL',
          `could not write the job log ${this.file}: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
        this.#pending = [];
        this.#notify();
      } finally {
        this.#draining = false;
      }
      if (this.ended) await this.#finishClose();
    })();
  }

  async #finishClose(): Promise<void> {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) await this.#lane.run(() => new Promise<void>((resolve) => close(fd, () => resolve())));
    this.#closeDone?.();
  }

  /** The job is over: flushes a trailing partial line, closes the file once written, wakes followers. */
  end(): void {
    if (this.ended) return;
    if (this.#partial !== '') {
      const p = this.#partial;
      this.#partial = '';
      this.#add([p.endsWith('\r') ? p.slice(0, -1) : p]);
    }
    this.ended = true;
    this.#closed = new Promise<void>((resolve) => (this.#closeDone = resolve));
    this.#ring = [];
    if (!this.#draining) void this.#ready.then(() => (this.#draining ? undefined : this.#finishClose()));
    this.#notify();
  }

  /** Resolves when the log has ended and its file is written and closed (at once if it has not ended). */
  settled(): Promise<void> {
    return this.#closed ?? Promise.resolve();
  }

  /** Lines `[from, total)` if they are all still in the ring buffer; otherwise undefined (read the file). */
  fromRing(from: number): string[] | undefined {
    if (this.ended) return undefined;
    const held = this.#ring.length;
    const first = this.total - held;
    if (from < first) return undefined;
    const out: string[] = [];
    for (let i = from; i < this.total; i++) out.push(this.#ring[(i - this.#base) % this.#ringSize]!);
    return out;
  }

  /** Resolves at the next line, flush or end, or when the signal aborts. */
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

/** Pushes `line`, cut into pieces of at most `MAX_LINE_LENGTH`. */
function cut(line: string, out: string[]): void {
  let l = line;
  while (l.length > MAX_LINE_LENGTH) {
    const at = cutAt(l, MAX_LINE_LENGTH);
    out.push(l.slice(0, at));
    l = l.slice(at);
  }
  out.push(l);
}

/** `max`, or one less so a surrogate pair is not split. */
function cutAt(s: string, max: number): number {
  const c = s.charCodeAt(max - 1);
  return c >= 0xd800 && c <= 0xdbff ? max - 1 : max;
}

// Plain callback fs (lighter than fs/promises' FileHandle for many small writes).
function openFile(file: string, flags: 'w' | 'a'): Promise<number> {
  return new Promise((resolve, reject) => open(file, flags, 0o600, (err, fd) => (err ? reject(err) : resolve(fd))));
}

async function writeAll(fd: number, buf: Buffer): Promise<void> {
  for (let off = 0; off < buf.length; ) {
    off += await new Promise<number>((resolve, reject) =>
      write(fd, buf, off, buf.length - off, null, (err, n) => (err ? reject(err) : resolve(n))),
    );
  }
}
