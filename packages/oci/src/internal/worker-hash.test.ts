import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WorkerHash } from './worker-hash.js';

const sha = (...parts: Buffer[]): string => `sha256:${createHash('sha256').update(Buffer.concat(parts)).digest('hex')}`;

describe('WorkerHash', () => {
  it('hashes shared and copied bytes in call order, and a reused shared slab only after its update resolved', async () => {
    const h = new WorkerHash();
    try {
      const slab = Buffer.from(new SharedArrayBuffer(1024));
      const a = randomBytes(1024);
      const b = randomBytes(300);
      const c = randomBytes(1024);
      a.copy(slab);
      const first = h.update(slab);
      const second = h.update(b); // copied
      await first;
      c.copy(slab); // reuse after the ack
      await Promise.all([second, h.update(slab.subarray(0, 500))]);
      expect(await h.digest()).toBe(sha(a, b, c.subarray(0, 500)));
    } finally {
      await h.close();
    }
  });

  it('reset starts over after the updates queued before it', async () => {
    const h = new WorkerHash();
    try {
      void h.update(Buffer.from('discarded'));
      h.reset();
      void h.update(Buffer.from('kept'));
      expect(await h.digest()).toBe(sha(Buffer.from('kept')));
    } finally {
      await h.close();
    }
  });

  it('refuses work once closed', async () => {
    const h = new WorkerHash();
    await h.close();
    await expect(h.update(Buffer.from('x'))).rejects.toThrow(/closed/);
    await expect(h.digest()).rejects.toThrow(/closed/);
  });
});
