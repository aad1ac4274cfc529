import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DIRECT_ALIGN, SlabWriter } from './direct-writer.js';
import { alignedSharedSlabs } from './slab-pool.js';

const dir = mkdtempSync(join(tmpdir(), 'ib-direct-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function writeAll(
  useDirect: boolean,
  name: string,
  pieces: { bytes: Buffer; at: number }[],
): Promise<{ file: string; direct: boolean; background: number }> {
  const file = join(dir, name);
  const fd = openSync(file, 'w');
  const w = await SlabWriter.open(file, fd, useDirect);
  const direct = w.direct;
  let background = 0;
  try {
    await Promise.all(
      pieces.map(({ bytes, at }) => {
        const p = w.write(bytes, at);
        if (p) background++;
        return p;
      }),
    );
  } finally {
    await w.close();
    closeSync(fd);
  }
  return { file, direct, background };
}

describe('SlabWriter', () => {
  const data = randomBytes(3 * 256 * 1024 + 1234);
  const slabs = alignedSharedSlabs(4, 256 * 1024);
  const pieces = [0, 1, 2, 3].map((i) => {
    const part = data.subarray(i * 256 * 1024, Math.min(data.length, (i + 1) * 256 * 1024));
    const slab = slabs[i] as Buffer;
    part.copy(slab);
    return { bytes: slab.subarray(0, part.length), at: i * 256 * 1024 };
  });

  it('writes aligned slabs in the background with O_DIRECT (on this file system) and the short tail through the page cache', async () => {
    const r = await writeAll(true, 'direct.bin', pieces);
    expect(r.direct).toBe(true); // ext4 here takes O_DIRECT
    expect(r.background).toBe(3); // three whole slabs; the 1234-byte tail is written at once
    expect(readFileSync(r.file).equals(data)).toBe(true);
  });

  it('writes everything through the page cache when direct I/O is off', async () => {
    const r = await writeAll(false, 'buffered.bin', pieces);
    expect(r.direct).toBe(false);
    expect(r.background).toBe(0);
    expect(readFileSync(r.file).equals(data)).toBe(true);
  });

  it('an unaligned file position is written at once through the page cache, direct writes staying on', async () => {
    const file = join(dir, 'unaligned.bin');
    const fd = openSync(file, 'w');
    const w = await SlabWriter.open(file, fd, true);
    const bytes = slabs[1]!.subarray(0, DIRECT_ALIGN * 2);
    try {
      expect(w.write(bytes, 100)).toBeUndefined(); // synchronous: not a background direct write
      expect(w.direct).toBe(true);
    } finally {
      await w.close();
      closeSync(fd);
    }
    expect(readFileSync(file).subarray(100).equals(bytes)).toBe(true);
  });

  it('ordinary (malloc) memory is written correctly: O_DIRECT refuses it unless page-aligned, and the write is redone through the page cache', async () => {
    const heap = Buffer.from(data.subarray(0, 256 * 1024));
    const r = await writeAll(true, 'heap.bin', [{ bytes: heap, at: 0 }, pieces[1]!]);
    const got = readFileSync(r.file);
    expect(got.subarray(0, 256 * 1024).equals(heap)).toBe(true);
    expect(got.subarray(256 * 1024).equals(pieces[1]!.bytes)).toBe(true);
  });
});
