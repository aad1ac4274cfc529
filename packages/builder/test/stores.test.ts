import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TempDirs } from '@imagebuild/testkit';
import { MemoryStore, SqliteStore, type Store } from '../src/index.js';
import { build } from './fixtures.js';
import { storeContract } from './store-contract.js';

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

const stores: Array<[string, () => Store]> = [
  ['MemoryStore', () => new MemoryStore()],
  ['SqliteStore', () => new SqliteStore({ path: join(dirs.make('ib-store-'), 'db.sqlite') })],
];

describe.each(stores)('%s', (_name, make) => {
  storeContract(make);
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
