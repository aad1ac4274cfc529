import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TempDirs } from '@imagebuild/testkit';
import { ConflictError, NotFoundError } from '@imagebuild/core';
import { MemoryStore, SqliteStore, type Store } from '../src/index.js';
import { build } from './fixtures.js';

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

const stores: Array<[string, () => Store]> = [
  ['MemoryStore', () => new MemoryStore()],
  ['SqliteStore', () => new SqliteStore({ path: join(dirs.make('ib-store-'), 'db.sqlite') })],
];

describe.each(stores)('%s', (_name, make) => {
  it('inserts with increasing seq, lists newest first, rejects duplicates', async () => {
    const s = make();
    const a = await s.insert({
      kind: 'ImageBuild',
      name: 'a',
      resourceVersion: 1,
      object: build('a') as never,
      job: { uid: 'u1' },
    });
    const b = await s.insert({ kind: 'ImageBuild', name: 'b', resourceVersion: 1, object: build('b') as never });
    expect(b.seq).toBeGreaterThan(a.seq);
    expect((await s.list('ImageBuild')).map((r) => r.name)).toEqual(['b', 'a']);
    expect(await s.list('ImageExport')).toEqual([]);
    await expect(
      s.insert({ kind: 'ImageBuild', name: 'a', resourceVersion: 1, object: build('a') as never }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect((await s.get('ImageBuild', 'a'))?.job).toEqual({ uid: 'u1' });
    await s.close();
  });

  it('update is a compare-and-swap on resourceVersion; returned records are copies', async () => {
    const s = make();
    await s.insert({ kind: 'ImageBuild', name: 'a', resourceVersion: 1, object: build('a') as never });
    const r = (await s.get('ImageBuild', 'a'))!;
    r.object.metadata.labels = { x: 'y' };
    expect((await s.get('ImageBuild', 'a'))!.object.metadata.labels).toBeUndefined();
    r.resourceVersion = 2;
    await s.update(r, 1);
    await expect(s.update({ ...r, resourceVersion: 3 }, 1)).rejects.toBeInstanceOf(ConflictError);
    await expect(s.update({ ...r, name: 'zz' }, 1)).rejects.toBeInstanceOf(NotFoundError);
    const after = (await s.get('ImageBuild', 'a'))!;
    expect(after.resourceVersion).toBe(2);
    expect(after.object.metadata.labels).toEqual({ x: 'y' });
    expect(await s.delete('ImageBuild', 'a')).toBe(true);
    expect(await s.delete('ImageBuild', 'a')).toBe(false);
    const again = await s.insert({ kind: 'ImageBuild', name: 'a', resourceVersion: 1, object: build('a') as never });
    expect(again.seq).toBeGreaterThan(r.seq);
    await s.close();
  });
});

describe('SqliteStore durability', () => {
  it('a reopened file has every record and continues the sequence', async () => {
    const path = join(dirs.make('ib-store-'), 'db.sqlite');
    const s1 = new SqliteStore({ path });
    for (let i = 0; i < 5; i++)
      await s1.insert({ kind: 'ImageBuild', name: `b${i}`, resourceVersion: 1, object: build(`b${i}`) as never });
    await s1.close();
    const s2 = new SqliteStore({ path });
    const all = await s2.list('ImageBuild');
    expect(all.map((r) => r.name)).toEqual(['b4', 'b3', 'b2', 'b1', 'b0']);
    const next = await s2.insert({ kind: 'ImageBuild', name: 'b5', resourceVersion: 1, object: build('b5') as never });
    expect(next.seq).toBeGreaterThan(all[0]!.seq);
    await s2.close();
  });
});

describe('SqliteStore checkpoints', () => {
  it('copies the WAL into the database file from a worker thread while the store is open (no inline checkpoint)', async () => {
    const path = join(dirs.make('ib-store-'), 'db.sqlite');
    const s = new SqliteStore({ path });
    const big = {
      ...build('x'),
      metadata: { name: 'x', labels: { pad: 'p'.repeat(60) } },
      spec: { ...build('x').spec, pad: 'q'.repeat(2000) },
    };
    for (let i = 0; i < 120; i++)
      await s.insert({ kind: 'ImageBuild', name: `b${i}`, resourceVersion: 1, object: big as never });
    const walBefore = statSync(`${path}-wal`).size;
    expect(walBefore).toBeGreaterThan(250_000); // the records are in the WAL...
    const until = Date.now() + 10_000;
    while (statSync(path).size < 250_000 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(statSync(path).size).toBeGreaterThan(250_000); // ...and reach the database file without a write on this thread
    expect((await s.list('ImageBuild')).length).toBe(120);
    await s.close();
  });

  it('inline mode leaves checkpoints to SQLite (none below its 1000-page threshold)', async () => {
    const path = join(dirs.make('ib-store-'), 'db.sqlite');
    const s = new SqliteStore({ path, checkpoints: 'inline' });
    const big = { ...build('x'), spec: { ...build('x').spec, pad: 'q'.repeat(2000) } };
    for (let i = 0; i < 120; i++)
      await s.insert({ kind: 'ImageBuild', name: `b${i}`, resourceVersion: 1, object: big as never });
    await new Promise((r) => setTimeout(r, 1500));
    expect(statSync(path).size).toBeLessThan(100_000);
    await s.close();
  });
});
