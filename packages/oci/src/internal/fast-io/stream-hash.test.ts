import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { alignedSharedSlabs } from './slab-pool.js';
import { inlineHash, workerHash } from './stream-hash.js';

const sha = (...parts: Buffer[]): string => `sha256:${createHash('sha256').update(Buffer.concat(parts)).digest('hex')}`;

describe('stream hashes', () => {
  it('the worker hash reads shared slabs in place, copies other bytes, and keeps call order', async () => {
    const h = workerHash();
    const [slab] = alignedSharedSlabs(1, 64 * 1024) as [Buffer];
    const a = randomBytes(64 * 1024);
    const b = randomBytes(300);
    const c = randomBytes(1000);
    a.copy(slab);
    const first = h.update(slab);
    const bAsCalled = Buffer.from(b);
    const second = h.update(b); // copied: reusable at once
    b.fill(0);
    expect(first).toBeInstanceOf(Promise);
    await first;
    c.copy(slab); // the slab may be reused once its update settled
    await Promise.all([second, h.update(slab.subarray(0, 1000))]);
    expect(await h.digest()).toBe(sha(a, bAsCalled, c));
  });

  it('streams on the one worker do not mix; reset starts over after what was queued before it', async () => {
    const x = workerHash();
    const y = workerHash();
    const parts = Array.from({ length: 20 }, () => randomBytes(5000));
    await Promise.all(parts.map((p, i) => (i % 2 === 0 ? x : y).update(p)));
    void y.update(Buffer.from('discarded'));
    y.reset();
    void y.update(Buffer.from('kept'));
    expect(await x.digest()).toBe(sha(...parts.filter((_, i) => i % 2 === 0)));
    expect(await y.digest()).toBe(sha(Buffer.from('kept')));
    const z = workerHash();
    void z.update(Buffer.from('dropped'));
    z.discard();
    const w = workerHash();
    expect(await w.digest()).toBe(sha());
  });

  it('the inline hash gives the same digests synchronously', async () => {
    const h = inlineHash();
    const a = randomBytes(10_000);
    expect(h.update(a)).toBeUndefined();
    h.reset();
    h.update(a);
    expect(await h.digest()).toBe(sha(a));
  });

  it('aligned shared slabs: page-aligned views of one shared memory, sizes checked', () => {
    const slabs = alignedSharedSlabs(3, 128 * 1024);
    expect(slabs.map((s) => [s.length, s.byteOffset % 4096, s.buffer instanceof SharedArrayBuffer])).toEqual([
      [131072, 0, true],
      [131072, 0, true],
      [131072, 0, true],
    ]);
    expect(() => alignedSharedSlabs(1, 5000)).toThrow(/multiple of 65536/);
  });

  it('without WebAssembly (node --jitless) the slabs are ordinary buffers, and the worker hash still digests them', async () => {
    vi.stubGlobal('WebAssembly', undefined);
    let slabs: Buffer[];
    try {
      slabs = alignedSharedSlabs(2, 64 * 1024);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(slabs.map((s) => [s.length, s.buffer instanceof SharedArrayBuffer])).toEqual([
      [65536, false],
      [65536, false],
    ]);
    const bytes = randomBytes(65536);
    bytes.copy(slabs[0] as Buffer);
    const h = workerHash();
    await h.update(slabs[0] as Buffer);
    expect(await h.digest()).toBe(sha(bytes));
  });
});

describe('hash worker source', () => {
  it('is hashWorkerMain, self-contained: it hashes in a worker started from it alone', async () => {
    const { Worker } = await import('node:worker_threads');
    const { HASH_WORKER_SOURCE } = await import('./hash-worker.js');
    const w = new Worker(HASH_WORKER_SOURCE, { eval: true });
    try {
      const answers: (number | string)[] = [];
      const got = new Promise<void>((resolve, reject) => {
        w.on('error', reject);
        w.on('message', (v: number | string) => {
          answers.push(v);
          if (answers.length === 3) resolve();
        });
      });
      w.postMessage({ op: 'u', id: 7, b: Buffer.from('ab') });
      w.postMessage({ op: 'u', id: 7, b: Buffer.from('c') });
      w.postMessage({ op: 'd', id: 7 });
      await got;
      expect(answers).toEqual([0, 0, createHash('sha256').update('abc').digest('hex')]);
    } finally {
      await w.terminate();
    }
  });
});
