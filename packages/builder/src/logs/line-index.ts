import { close, open, read } from 'node:fs';

/** Lines between two byte-offset marks of a `LineIndex`. */
export const MARK_EVERY = 1024;
const CHUNK = 64 * 1024;

/**
 * Where every 1024th line of a log file starts (a sparse index: 8 bytes per 1024 lines), so reading
 * lines `[from, to)` seeks close to `from` instead of scanning the file from its start — each read
 * costs O(1024 lines + what it returns), and paging through a whole log is linear.
 */
export class LineIndex {
  /** `marks[k]`: byte offset of line `k * MARK_EVERY`. */
  readonly marks: number[] = [0];
  /** Lines accounted for. */
  lines = 0;
  /** Bytes those lines take in the file (each with its `\n`). */
  bytes = 0;

  /** Accounts for one more line of `byteLength` bytes, newline included. */
  add(byteLength: number): void {
    this.lines++;
    this.bytes += byteLength;
    if (this.lines % MARK_EVERY === 0) this.marks.push(this.bytes);
  }

  /** The byte offset of the nearest mark at or before `line`, and how many lines past it `line` is. */
  seek(line: number): { offset: number; skip: number } {
    const k = Math.min(Math.floor(line / MARK_EVERY), this.marks.length - 1);
    return { offset: this.marks[k]!, skip: line - k * MARK_EVERY };
  }
}

/**
 * Indexes an existing log file (one pass, 64 KiB at a time). A last line without its `\n` (a
 * crash mid-write) is counted as a line and reported, so the writer can end it before appending.
 */
export async function indexFile(file: string): Promise<{ index: LineIndex; unterminated: boolean }> {
  const index = new LineIndex();
  const fd = await new Promise<number>((resolve, reject) =>
    open(file, 'r', (err, f) => (err ? reject(err) : resolve(f))),
  );
  const buf = Buffer.allocUnsafe(CHUNK);
  let lineStart = 0;
  let pos = 0;
  try {
    for (;;) {
      const n = await readAt(fd, buf, pos);
      if (n === 0) break;
      for (let i = buf.indexOf(10); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) {
        index.add(pos + i + 1 - lineStart);
        lineStart = pos + i + 1;
      }
      pos += n;
    }
  } finally {
    await new Promise<void>((resolve) => close(fd, () => resolve()));
  }
  const unterminated = pos > lineStart;
  // The writer puts the missing `\n` first, so the partial line takes its bytes plus one.
  if (unterminated) index.add(pos - lineStart + 1);
  return { index, unterminated };
}

/**
 * Lines `[from, to)` of a log file, streamed: one 64 KiB buffer and the current line in memory
 * whatever the range, the file read from the index mark nearest `from`. Lines end at `\n` only.
 */
export async function* readLineRange(
  file: string,
  index: LineIndex,
  from: number,
  to: number,
): AsyncGenerator<string, void, undefined> {
  if (to <= from) return;
  const { offset, skip } = index.seek(from);
  const fd = await new Promise<number>((resolve, reject) =>
    open(file, 'r', (err, f) => (err ? reject(err) : resolve(f))),
  );
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = offset;
  let line = from - skip;
  let carry: Buffer[] = [];
  try {
    while (line < to) {
      const n = await readAt(fd, buf, pos);
      if (n === 0) {
        // A last line without its newline (a crash mid-write) still counts as a line.
        if (carry.length > 0 && line >= from) yield Buffer.concat(carry).toString('utf8');
        return;
      }
      pos += n;
      let start = 0;
      for (let i = buf.indexOf(10); i >= 0 && i < n && line < to; i = buf.indexOf(10, start)) {
        if (line >= from) {
          const piece = buf.subarray(start, i);
          yield carry.length > 0 ? Buffer.concat([...carry, piece]).toString('utf8') : piece.toString('utf8');
        }
        carry = [];
        start = i + 1;
        line++;
      }
      // Copy the unfinished line out: the buffer is reused by the next read.
      if (line < to && start < n && line >= from) carry.push(Buffer.from(buf.subarray(start, n)));
    }
  } finally {
    await new Promise<void>((resolve) => close(fd, () => resolve()));
  }
}

function readAt(fd: number, buf: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buf, 0, buf.length, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}
