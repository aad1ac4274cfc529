import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Batcher, type Outcome, rowsByItem } from './batcher.js';

/** A statement that answers when `release` is called, recording the batches it was sent. */
function controlled() {
  const batches: number[][] = [];
  const waiting: (() => void)[] = [];
  const run = (items: readonly number[]): Promise<Outcome<number>[]> => {
    batches.push([...items]);
    return new Promise((resolve) =>
      waiting.push(() =>
        resolve(items.map((n) => (n < 0 ? { ok: false, error: new Error(`bad ${n}`) } : { ok: true, value: n * 10 }))),
      ),
    );
  };
  const release = async (): Promise<void> => {
    waiting.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { batches, run, release };
}

describe('Batcher', () => {
  it('sends a lone call at once, and the calls made meanwhile together when it comes back', async () => {
    const s = controlled();
    const b = new Batcher(s.run, { maxItems: 10, maxInFlight: 1 });
    const first = b.submit(1, 'a');
    await Promise.resolve();
    expect(s.batches).toEqual([[1]]);
    const later = [b.submit(2, 'b'), b.submit(3, 'c'), b.submit(4, 'd')];
    await Promise.resolve();
    expect(s.batches).toEqual([[1]]); // one statement on its way at most
    await s.release();
    expect(await first).toBe(10);
    expect(s.batches).toEqual([[1], [2, 3, 4]]);
    await s.release();
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
  });

  it('gives each call its own outcome, and a failed statement fails only its own calls', async () => {
    const b = new Batcher<number, number>(
      async (items) => {
        if (items.includes(99)) throw new Error('connection lost');
        return items.map((n) => (n < 0 ? { ok: false, error: new Error(`bad ${n}`) } : { ok: true, value: n }));
      },
      { maxItems: 10, maxInFlight: 1 },
    );
    const [ok, bad] = [b.submit(5, 'a'), b.submit(-1, 'b')];
    expect(await ok).toBe(5);
    await expect(bad).rejects.toThrow('bad -1');
    await expect(b.submit(99, 'c')).rejects.toThrow('connection lost');
    expect(await b.submit(6, 'd')).toBe(6);
  });

  it('never puts two calls with one key in a statement, and bounds a statement by maxItems', async () => {
    const s = controlled();
    const b = new Batcher(s.run, { maxItems: 2, maxInFlight: 1 });
    const all = [b.submit(1, 'x'), b.submit(2, 'x'), b.submit(3, 'y'), b.submit(4, 'z')];
    await Promise.resolve();
    expect(s.batches).toEqual([[1, 3]]);
    await s.release();
    expect(s.batches).toEqual([
      [1, 3],
      [2, 4],
    ]);
    await s.release();
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40]);
  });

  it('keeps up to maxInFlight statements on their way', async () => {
    const s = controlled();
    const b = new Batcher(s.run, { maxItems: 10, maxInFlight: 2 });
    const first = b.submit(1, 'a');
    await Promise.resolve();
    const second = b.submit(2, 'b');
    await Promise.resolve();
    const third = b.submit(3, 'c');
    await Promise.resolve();
    expect(s.batches).toEqual([[1], [2]]);
    await s.release();
    await s.release();
    await s.release();
    expect(await Promise.all([first, second, third])).toEqual([10, 20, 30]);
    expect(s.batches).toEqual([[1], [2], [3]]);
  });

  it('runs the calls of a statement the server refused again alone; a lost connection fails them all', async () => {
    const sent: number[][] = [];
    const b = new Batcher<number, number>(
      async (items) => {
        sent.push([...items]);
        if (items.includes(13)) throw new pg.DatabaseError('invalid input', 0, 'error');
        if (items.includes(99)) throw new Error('Connection terminated unexpectedly');
        return items.map((n) => ({ ok: true, value: n }));
      },
      { maxItems: 10, maxInFlight: 1 },
    );
    const refused = await Promise.allSettled([b.submit(1, 'a'), b.submit(13, 'b'), b.submit(2, 'c')]);
    expect(refused.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(sent).toEqual([[1, 13, 2], [1], [13], [2]]);
    const lost = await Promise.allSettled([b.submit(3, 'a'), b.submit(99, 'b')]);
    expect(lost.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(sent.length).toBe(5); // not run again: it may have committed
  });

  it("puts a statement's rows in the order of its items, by ordinality", () => {
    const rows = [
      { ord: '3', v: 'c' },
      { ord: '1', v: 'a' },
    ];
    expect(rowsByItem(4, rows)).toEqual([rows[1], undefined, rows[0], undefined]);
  });
});
