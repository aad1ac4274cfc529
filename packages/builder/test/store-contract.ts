import { expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '@imagebuild/core';
import type { Store } from '../src/index.js';
import { build } from './fixtures.js';

/**
 * The store contract every store meets (memory, SQLite, and PostgreSQL in @imagebuild/store-postgres):
 * call inside a describe block with a factory of fresh, empty stores.
 */
export function storeContract(make: () => Store | Promise<Store>): void {
  it('inserts with increasing seq, lists newest first, rejects duplicates', async () => {
    const s = await make();
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
    const s = await make();
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
}
