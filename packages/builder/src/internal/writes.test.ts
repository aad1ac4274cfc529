import { setReadyCondition } from '@imagebuild/core/lifecycle';
import { describe, expect, it } from 'vitest';
import { build } from '../../test/fixtures.js';
import { MemoryStore } from '../store/memory-store.js';
import type { Lease, SharedStore } from '../store/shared-store.js';
import type { StoredRecord } from '../store/store.js';
import type { JobKind } from '../watch/events.js';
import type { BuilderContext, SharedRuntime } from './context.js';
import { setPhase } from './writes.js';

/**
 * A context on a shared store whose lease writes go to a MemoryStore (the fencing itself is tested
 * against PostgreSQL in store-postgres); enough for what writes.ts reads and writes.
 */
function sharedContext(store: MemoryStore): { ctx: BuilderContext; shared: SharedRuntime; updates: number[] } {
  const updates: number[] = [];
  const leases = {
    update: async (_lease: Lease, rec: StoredRecord<JobKind>, expected: number) => {
      updates.push(expected);
      await store.update(rec, expected);
    },
  } as unknown as SharedStore['leases'];
  const shared = {
    store: { leases } as unknown as SharedStore,
    holder: 'h',
    leases: new Map<string, Lease>(),
    records: new Map<string, StoredRecord<JobKind>>(),
    leaseMs: 3000,
    logs: {} as SharedRuntime['logs'],
  } satisfies SharedRuntime;
  const ctx = {
    store,
    shared,
    reasons: new Map(),
    reasonVersions: new Map(),
    settled: new Map(),
  } as unknown as BuilderContext;
  return { ctx, shared, updates };
}

async function pendingBuild(store: MemoryStore, name: string): Promise<StoredRecord<'ImageBuild'>> {
  const object = build(name) as unknown as StoredRecord<'ImageBuild'>['object'];
  object.status = { conditions: setReadyCondition(undefined, 'Pending', 'created') };
  object.metadata.resourceVersion = '1';
  return store.insert({ kind: 'ImageBuild', name, resourceVersion: 1, object, job: { uid: 'u1' } });
}

const leaseOf = (name: string): Lease => ({
  kind: 'ImageBuild',
  name,
  holder: 'h',
  epoch: 1,
  expiresAt: 0,
  previousHolder: undefined,
});

describe('setPhase on a shared store', () => {
  it('writes from the record this process holds, with no read', async () => {
    const store = new MemoryStore();
    const { ctx, shared, updates } = sharedContext(store);
    const claimed = await pendingBuild(store, 'a');
    shared.leases.set('ImageBuild/a', leaseOf('a'));
    shared.records.set('ImageBuild/a', claimed);
    let reads = 0;
    const get = store.get.bind(store);
    store.get = (async (...args: Parameters<MemoryStore['get']>) => {
      reads++;
      return get(...args);
    }) as MemoryStore['get'];
    await setPhase(ctx, 'ImageBuild', 'a', 'Building', 'building', { from: ['Pending'] });
    await setPhase(ctx, 'ImageBuild', 'a', 'Pushing', 'pushing', { from: ['Building'] });
    expect(reads).toBe(0);
    expect(updates).toEqual([1, 2]);
    expect((await get('ImageBuild', 'a'))?.object.status?.conditions?.[0]?.reason).toBe('Pushing');
  });

  it('reads the store again when the held record is behind, instead of giving up or failing', async () => {
    const store = new MemoryStore();
    const { ctx, shared } = sharedContext(store);
    const claimed = await pendingBuild(store, 'b');
    shared.leases.set('ImageBuild/b', leaseOf('b'));
    // the Building write landed, but its answer came after a renewal: the held record is the claimed one
    await setPhase(ctx, 'ImageBuild', 'b', 'Building', 'building', { from: ['Pending'] });
    shared.records.set('ImageBuild/b', claimed);
    const moved = await setPhase(ctx, 'ImageBuild', 'b', 'Pushing', 'pushing', { from: ['Building'] });
    expect(moved?.resourceVersion).toBe(3);
    shared.records.set('ImageBuild/b', claimed);
    // no `from`: Pending → Completed is no transition, the store's Pushing → Completed is
    const done = await setPhase(ctx, 'ImageBuild', 'b', 'Completed', 'done');
    expect(done?.resourceVersion).toBe(4);
    expect(shared.leases.has('ImageBuild/b')).toBe(false);
    expect(shared.records.has('ImageBuild/b')).toBe(false);
  });
});
