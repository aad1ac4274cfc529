import { describe, expect, it } from 'vitest';
import type { SharedStore } from '../store/shared-store.js';
import { ClaimLoop } from './claim-loop.js';
import type { BuilderContext, SharedRuntime } from './context.js';
import type { RunnerPool } from './pool.js';

/** A claim loop on a store whose claims find nothing and are counted; engines always have room. */
function loop(globalConcurrency: number | undefined): { claims: ClaimLoop; count: () => number } {
  let n = 0;
  const leases = {
    claim: async () => {
      n++;
      return [];
    },
  } as unknown as SharedStore['leases'];
  const shared = { store: { leases }, holder: 'h', leases: new Map(), records: new Map(), leaseMs: 3000 };
  const ctx = { shared: shared as unknown as SharedRuntime } as BuilderContext;
  const pool = { hasCandidate: () => true, slots: [] } as unknown as RunnerPool;
  const claims = new ClaimLoop(ctx, pool, { concurrency: 4, globalConcurrency });
  return { claims, count: () => n };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('ClaimLoop: what another process’s job changes wake', () => {
  it('claims on new work and on the end of a build that Pending exports wait for, not on other ends', async () => {
    const { claims, count } = loop(undefined);
    claims.noteJob('ImageBuild', 'b1', 'Pending', undefined);
    await settle();
    expect(count()).toBe(1);
    claims.noteJob('ImageBuild', 'b1', 'Building', undefined);
    claims.noteJob('ImageBuild', 'b1', 'Completed', undefined);
    await settle();
    expect(count()).toBe(1); // nobody here waits for b1

    claims.noteJob('ImageExport', 'e1', 'Pending', 'b2');
    await settle();
    expect(count()).toBe(2);
    claims.noteJob('ImageBuild', 'b2', 'Completed', undefined);
    await settle();
    expect(count()).toBe(3); // e1 can run now

    // an export that left Pending, or was deleted, no longer makes its build's end wake the loop
    claims.noteJob('ImageExport', 'e2', 'Pending', 'b3');
    claims.noteJob('ImageExport', 'e3', 'Pending', 'b4');
    await settle();
    const before = count();
    claims.noteJob('ImageExport', 'e2', 'Failed', 'b3');
    claims.noteJob('ImageExport', 'e3', undefined, undefined);
    claims.noteJob('ImageBuild', 'b3', 'Failed', undefined);
    claims.noteJob('ImageBuild', 'b4', 'Canceled', undefined);
    await settle();
    expect(count()).toBe(before);
    claims.close();
  });

  it('claims at every end when a limit is shared across processes', async () => {
    const { claims, count } = loop(2);
    claims.noteJob('ImageBuild', 'b1', 'Completed', undefined);
    await settle();
    expect(count()).toBe(1);
    claims.noteJob('ImageExport', 'e1', 'Failed', 'b1');
    await settle();
    expect(count()).toBe(2);
    claims.close();
  });
});
