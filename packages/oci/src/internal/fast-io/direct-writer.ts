import { constants, write, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** Alignment of offsets, lengths and memory for O_DIRECT writes (the largest logical block size in use). */
export const DIRECT_ALIGN = 4096;

/**
 * Writes a download's slabs at given positions of its partial file. Whole,
 * aligned slabs go out with O_DIRECT on the thread pool: the disk takes them
 * from our memory (no copy into the page cache, whose cost on a VM is high and
 * erratic: 0.3–1.6 s of kernel time per GiB measured here), and the next slabs
 * are received meanwhile. Anything else (the last, short slab; a file system
 * without O_DIRECT, such as older tmpfs) is written through the page cache with
 * a synchronous `pwrite`. A direct write refused with EINVAL turns direct
 * writes off for the rest of the download and is redone through the page cache.
 */
export class SlabWriter {
  #direct: FileHandle | undefined;

  private constructor(
    readonly fd: number,
    direct: FileHandle | undefined,
  ) {
    this.#direct = direct;
  }

  /** `fd`: the partial file, open for writing. `useDirect: false` writes everything through the page cache. */
  static async open(path: string, fd: number, useDirect: boolean): Promise<SlabWriter> {
    let direct: FileHandle | undefined;
    const flag = (constants as { O_DIRECT?: number }).O_DIRECT;
    if (useDirect && flag !== undefined) direct = await open(path, constants.O_WRONLY | flag).catch(noDirect);
    return new SlabWriter(fd, direct);
  }

  get direct(): boolean {
    return this.#direct !== undefined;
  }

  /**
   * Writes all of `bytes` at `position`. Returns a promise when the write runs
   * in the background (`bytes` must stay untouched until it settles), or
   * undefined once the bytes are written.
   */
  write(bytes: Buffer, position: number): Promise<void> | undefined {
    const d = this.#direct;
    if (
      d &&
      position % DIRECT_ALIGN === 0 &&
      bytes.length % DIRECT_ALIGN === 0 &&
      bytes.byteOffset % DIRECT_ALIGN === 0
    ) {
      return new Promise<void>((resolve, reject) => {
        const next = (done: number): void => {
          write(d.fd, bytes, done, bytes.length - done, position + done, (err, n) => {
            if (err?.code === 'EINVAL' && this.#direct) {
              this.#stopDirect();
              try {
                this.#writeSync(bytes.subarray(done), position + done);
                resolve();
              } catch (e) {
                reject(e as Error);
              }
            } else if (err) reject(err);
            else if (done + n < bytes.length) next(done + n);
            else resolve();
          });
        };
        next(0);
      });
    }
    this.#writeSync(bytes, position);
    return undefined;
  }

  #writeSync(bytes: Buffer, position: number): void {
    for (let done = 0; done < bytes.length; )
      done += writeSync(this.fd, bytes, done, bytes.length - done, position + done);
  }

  #stopDirect(): void {
    const d = this.#direct;
    this.#direct = undefined;
    void d?.close().catch(noDirect); // the page-cache descriptor carries on; this one only held O_DIRECT
  }

  async close(): Promise<void> {
    const d = this.#direct;
    this.#direct = undefined;
    await d?.close();
  }
}

/** A file system that refuses O_DIRECT (tmpfs, some overlays) is normal: writes go through the page cache. */
const noDirect = (): undefined => undefined;
