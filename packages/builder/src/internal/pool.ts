import type { Runner } from '@imagebuild/core';
import type { PoolEntry } from '../options.js';

const PING_OK_TTL_MS = 30_000;

/** One runner with its slot count and availability. */
export interface PoolSlot {
  readonly runner: Runner;
  readonly limit: number;
  running: number;
  /** Availability known until this time (ms since epoch). */
  okUntil: number;
  /** After a failed ping, out of the pool until this time. */
  downUntil: number;
  lastError: string | undefined;
}

/** The runners of a builder, chosen by availability (a cached `ping`) and load. */
export class RunnerPool {
  readonly slots: PoolSlot[];

  constructor(
    runners: ReadonlyArray<Runner | PoolEntry>,
    perRunner: number,
    readonly pingRetryMs: number,
  ) {
    this.slots = runners.map((r) => {
      const entry: PoolEntry =
        'runner' in r && typeof (r as PoolEntry).runner === 'object' ? (r as PoolEntry) : { runner: r as Runner };
      return {
        runner: entry.runner,
        limit: entry.concurrency ?? perRunner,
        running: 0,
        okUntil: 0,
        downUntil: 0,
        lastError: undefined,
      };
    });
    const names = new Set<string>();
    for (const s of this.slots) {
      if (names.has(s.runner.name))
        throw new TypeError(`runner names must be unique in a pool; "${s.runner.name}" is repeated`);
      names.add(s.runner.name);
    }
  }

  byName(name: string | undefined): Runner | undefined {
    return this.slots.find((s) => s.runner.name === name)?.runner;
  }

  /** True when some runner has a free slot and is not known to be down. */
  hasCandidate(now = Date.now()): boolean {
    return this.slots.some((s) => s.running < s.limit && s.downUntil <= now);
  }

  /** Earliest time a down runner may be retried (for a wake-up timer). */
  nextRetryAt(): number | undefined {
    const times = this.slots.filter((s) => s.running < s.limit && s.downUntil > Date.now()).map((s) => s.downUntil);
    return times.length ? Math.min(...times) : undefined;
  }

  /** Takes a slot on the least-loaded available runner (pinging it if its availability is stale). */
  async acquire(): Promise<PoolSlot | undefined> {
    const now = Date.now();
    const candidates = this.slots
      .filter((s) => s.running < s.limit && s.downUntil <= now)
      .sort((a, b) => a.running / a.limit - b.running / b.limit);
    for (const slot of candidates) {
      if (slot.okUntil < Date.now()) {
        try {
          await slot.runner.ping();
          slot.okUntil = Date.now() + PING_OK_TTL_MS;
          slot.lastError = undefined;
        } catch (err) {
          slot.downUntil = Date.now() + this.pingRetryMs;
          slot.lastError = err instanceof Error ? err.message : String(err);
          continue;
        }
      }
      if (slot.running >= slot.limit) continue;
      slot.running++;
      return slot;
    }
    return undefined;
  }

  release(slot: PoolSlot): void {
    slot.running = Math.max(0, slot.running - 1);
  }

  /** Marks a runner as needing a fresh ping (e.g. after an engine error). */
  suspect(slot: PoolSlot): void {
    slot.okUntil = 0;
  }
}
