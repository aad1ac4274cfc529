import { AbortError, silentLogger, type Logger, type Runner } from '@imagebuild/core';
import { RuntimeNotFoundError, type DiscoveryAttempt } from '@imagebuild/core/errors';
import type { PoolEntry } from '../options.js';
import { hostKey } from './job-owner.js';

const PING_OK_TTL_MS = 30_000;

/** One runner with its slot count and availability. */
export interface PoolSlot {
  readonly runner: Runner;
  readonly limit: number;
  /** Jobs on this runner's engine across every process of a shared store (undefined: no such limit). */
  readonly sharedLimit: number | undefined;
  /** The engine as every process names it (its endpoint; a unix socket with its host), once pinged. */
  engineKey: string | undefined;
  running: number;
  /** Availability known until this time (ms since epoch). */
  okUntil: number;
  /** After a failed ping, out of the pool until this time. */
  downUntil: number;
  lastError: string | undefined;
  /** The last failed ping's error (cleared by a successful one): the runner's discovery report. */
  lastFailure: unknown;
}

/** The runners of a builder, chosen by availability (a cached `ping`) and load. */
export class RunnerPool {
  readonly slots: PoolSlot[];

  constructor(
    runners: ReadonlyArray<Runner | PoolEntry>,
    perRunner: number,
    readonly pingRetryMs: number,
    readonly logger: Logger = silentLogger,
  ) {
    this.slots = runners.map((r) => {
      const entry: PoolEntry =
        'runner' in r && typeof (r as PoolEntry).runner === 'object' ? (r as PoolEntry) : { runner: r as Runner };
      return {
        runner: entry.runner,
        limit: entry.concurrency ?? perRunner,
        sharedLimit: entry.sharedConcurrency,
        engineKey: undefined,
        running: 0,
        okUntil: 0,
        downUntil: 0,
        lastError: undefined,
        lastFailure: undefined,
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

  /**
   * Earliest time a down runner may be retried (for a wake-up timer). A time already past counts:
   * under load the scheduling pass can outlast `pingRetryMs`, and dropping the runner then would
   * leave the queue with no timer at all.
   */
  nextRetryAt(): number | undefined {
    const times = this.slots.filter((s) => s.running < s.limit && s.downUntil > 0).map((s) => s.downUntil);
    return times.length ? Math.min(...times) : undefined;
  }

  /** Takes a slot on the least-loaded available runner (pinging it if its availability is stale). */
  async acquire(skip?: ReadonlySet<PoolSlot>): Promise<PoolSlot | undefined> {
    const now = Date.now();
    const candidates = this.slots
      .filter((s) => s.running < s.limit && s.downUntil <= now && !skip?.has(s))
      .sort((a, b) => a.running / a.limit - b.running / b.limit);
    for (const slot of candidates) {
      if (slot.okUntil < Date.now() && !(await this.#ping(slot))) continue;
      if (slot.running >= slot.limit) continue;
      slot.running++;
      this.logger.debug('job placed', { runner: slot.runner.name, running: slot.running, limit: slot.limit });
      return slot;
    }
    this.logger.debug('no runner has a free slot', { candidates: candidates.length });
    return undefined;
  }

  async #ping(slot: PoolSlot, signal?: AbortSignal): Promise<boolean> {
    try {
      const info = await slot.runner.ping(signal ? { signal } : {});
      slot.engineKey = info.endpoint.startsWith('unix:') ? `${hostKey()}:${info.endpoint}` : info.endpoint;
      slot.okUntil = Date.now() + PING_OK_TTL_MS;
      if (slot.lastFailure !== undefined) this.logger.info('runner up', { runner: slot.runner.name });
      slot.downUntil = 0;
      slot.lastError = undefined;
      slot.lastFailure = undefined;
      return true;
    } catch (err) {
      if (signal?.aborted) throw new AbortError('waiting for a runner was aborted', { cause: err });
      slot.downUntil = Date.now() + this.pingRetryMs;
      if (slot.lastFailure === undefined)
        this.logger.warn('runner down', { runner: slot.runner.name, error: err, retryInMs: this.pingRetryMs });
      slot.lastError = err instanceof Error ? err.message : String(err);
      slot.lastFailure = err;
      return false;
    }
  }

  /** True when every runner's last ping failed: no job can be placed until one comes back. */
  allDown(): boolean {
    return this.slots.every((s) => s.lastFailure !== undefined);
  }

  /** Every runner's discovery report, as one error (what `ready()` rejects with). */
  unreachable(): RuntimeNotFoundError {
    const attempts: DiscoveryAttempt[] = [];
    for (const s of this.slots) {
      const err = s.lastFailure;
      // by shape, not class: the runner may carry another copy of core (ESM next to CJS)
      const tried = (err as { attempts?: unknown } | undefined)?.attempts;
      if (Array.isArray(tried) && tried.length > 0) {
        for (const a of tried as DiscoveryAttempt[])
          attempts.push({ ...a, strategy: `${s.runner.name}: ${a.strategy}` });
      } else if (err !== undefined) {
        attempts.push({ strategy: s.runner.name, reason: s.lastError ?? String(err) });
      }
    }
    return new RuntimeNotFoundError(attempts, { cause: this.slots.find((s) => s.lastFailure)?.lastFailure });
  }

  /**
   * Pings every runner at once: resolves with the first that answers, rejects with
   * {@link unreachable} when none does.
   */
  async probe(signal?: AbortSignal): Promise<Runner> {
    const first = await new Promise<PoolSlot | undefined>((resolve, reject) => {
      let left = this.slots.length;
      for (const slot of this.slots) {
        this.#ping(slot, signal).then((ok) => {
          if (ok) resolve(slot);
          else if (--left === 0) resolve(undefined);
        }, reject);
      }
    });
    if (!first) throw this.unreachable();
    return first.runner;
  }

  release(slot: PoolSlot): void {
    slot.running = Math.max(0, slot.running - 1);
  }

  /** Marks a runner as needing a fresh ping (e.g. after an engine error). */
  suspect(slot: PoolSlot): void {
    slot.okUntil = 0;
  }
}
