import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setReadyCondition } from '@imagebuild/core/lifecycle';
import type { StoredRecord } from '@imagebuild/builder';
import { build } from '../../builder/test/fixtures.js';
import { type Change, type Lease, LeaseLostError, PostgresStore } from '../src/index.js';
import { createTestDatabase } from './test-database.js';

let db: { url: string; drop: () => Promise<void> };
let store: PostgresStore;
beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresStore({ connectionString: db.url, maxConnections: 8 });
  await store.ready();
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

const HOLDERS = ['p0', 'p1', 'p2'] as const;
const JOBS = 4;

/** One step of a process: claim, renew, let its leases lapse (a pause), or write a transition. */
const step = fc.oneof(
  fc.record({ op: fc.constant('claim' as const), p: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ op: fc.constant('renew' as const), p: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ op: fc.constant('expire' as const), p: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ op: fc.constant('write' as const), p: fc.integer({ min: 0, max: 2 }), last: fc.boolean() }),
);

let round = 0;

describe('leases, randomised against the real PostgreSQL', () => {
  it('no transition is lost or doubled, and only the live holder writes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(step, { minLength: 1, maxLength: 4 }), { minLength: 5, maxLength: 25 }),
        async (rounds) => {
          const prefix = `r${round++}-`;
          const names = Array.from({ length: JOBS }, (_, i) => `${prefix}${i}`);
          const feed = store.changes({ pollMs: 200 });
          await feed.ready();
          const seen: Change[] = [];
          feed.on((c) => {
            if (c.name.startsWith(prefix)) seen.push(c);
          });
          for (const n of names) {
            await store.insert({
              kind: 'ImageBuild',
              name: n,
              resourceVersion: 1,
              object: build(n) as never,
              job: { uid: n },
            });
          }
          // Each process's view: its leases and the version it last wrote per job.
          const held = HOLDERS.map(() => new Map<string, Lease>());
          const accepted = new Map<string, number[]>(names.map((n) => [n, [1]]));
          for (const steps of rounds) {
            // The steps of one round run concurrently, as the processes would.
            await Promise.all(
              steps.map(async (s) => {
                const mine = held[s.p]!;
                const holder = HOLDERS[s.p]!;
                if (s.op === 'claim') {
                  for (const c of await store.leases.claim(holder, {
                    kinds: ['ImageBuild'],
                    limit: 2,
                    ttlMs: 60_000,
                  })) {
                    if (c.lease.name.startsWith(prefix)) mine.set(c.lease.name, c.lease);
                  }
                } else if (s.op === 'renew') {
                  for (const [n, l] of mine) {
                    const r = await store.leases.renew(l, 60_000);
                    if (r) mine.set(n, r.lease);
                    else mine.delete(n);
                  }
                } else if (s.op === 'expire') {
                  // The process stalls past its lease time: shorten the leases so they lapse (the process
                  // keeps its stale leases and will try to write with them).
                  for (const l of mine.values()) await store.leases.renew(l, 1);
                  await new Promise((r) => setTimeout(r, 5));
                } else {
                  for (const [n, l] of mine) {
                    const rec = (await store.get('ImageBuild', n)) as StoredRecord<'ImageBuild'>;
                    if (!rec) continue;
                    const next = { ...rec, resourceVersion: rec.resourceVersion + 1 };
                    if (s.last) {
                      next.object.status = {
                        conditions: setReadyCondition(undefined, 'Completed', 'done', new Date().toISOString()),
                      };
                    }
                    try {
                      await store.leases.update(l, next, rec.resourceVersion);
                      accepted.get(n)!.push(next.resourceVersion);
                      // The writer still held a live lease at the moment of the write: nobody else may have one.
                      for (let q = 0; q < HOLDERS.length; q++) {
                        const other = held[q]!.get(n);
                        if (q !== s.p && other && other.epoch > l.epoch) throw new Error('a newer epoch existed');
                      }
                      if (s.last) mine.delete(n);
                    } catch (err) {
                      if (err instanceof LeaseLostError) mine.delete(n);
                      else if (!(err as { code?: string }).code) throw err;
                    }
                  }
                }
              }),
            );
          }
          // Every accepted write is in the store's final version and in the feed, once, in order.
          const until = Date.now() + 5000;
          const total = [...accepted.values()].reduce((a, v) => a + v.length, 0);
          while (seen.length < total && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
          await feed.close();
          for (const n of names) {
            const rec = await store.get('ImageBuild', n);
            // in commit order: two writes of one process can see their answers in the other order (the
            // second read the first's row and committed, its reply came back first)
            const versions = [...accepted.get(n)!].sort((a, b) => a - b);
            expect(rec!.resourceVersion).toBe(versions.at(-1));
            expect(versions).toEqual(versions.map((_, i) => i + 1)); // no gap, no double
            expect(seen.filter((c) => c.name === n).map((c) => c.resourceVersion)).toEqual(versions);
            await store.delete('ImageBuild', n);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
