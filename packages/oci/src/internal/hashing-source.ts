import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';

/**
 * The sha256 of a file computed while its bytes are uploaded: each byte is
 * hashed once, the first time it is sent, even when a resumed upload sends a
 * range again. `read(start, end)` streams `[start, end)` of the file.
 */
export class HashingFileSource {
  readonly #path: string;
  readonly #onPosition: ((position: number) => void) | undefined;
  #hash: Hash = createHash('sha256');
  /** Bytes [0, hashedUpTo) are in the hash. */
  #hashedUpTo = 0;

  constructor(path: string, onPosition?: (position: number) => void) {
    this.#path = path;
    this.#onPosition = onPosition;
  }

  get hashedUpTo(): number {
    return this.#hashedUpTo;
  }

  /** Starts over (a new upload session from byte 0). */
  reset(): void {
    this.#hash = createHash('sha256');
    this.#hashedUpTo = 0;
  }

  /** Called with each chunk (at file offset `pos`) as it is sent: hashes the bytes not hashed yet. */
  observe(chunk: Buffer, pos: number): void {
    const chunkEnd = pos + chunk.length;
    if (chunkEnd > this.#hashedUpTo && pos <= this.#hashedUpTo) {
      this.#hash.update(chunk.subarray(this.#hashedUpTo - pos));
      this.#hashedUpTo = chunkEnd;
    }
    this.#onPosition?.(chunkEnd);
  }

  /** The file's path. */
  get path(): string {
    return this.#path;
  }

  read(start: number, end: number): Readable {
    let pos = start;
    const tap = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        this.observe(chunk, pos);
        pos += chunk.length;
        cb(null, chunk);
      },
    });
    const file = createReadStream(this.#path, { start, end: end - 1, highWaterMark: 1024 * 1024 });
    file.on('error', (err) => tap.destroy(err));
    tap.on('close', () => file.destroy());
    return file.pipe(tap);
  }

  /** The digest, once every byte was hashed. */
  digest(): string {
    return `sha256:${this.#hash.copy().digest('hex')}`;
  }
}
