import { getReadyReason, isTerminal } from '@imagebuild/core/lifecycle';
import type { ImageExport } from '@imagebuild/core';
import type { Claim, Lease } from '../store/shared-store.js';
import type { JobKind } from '../watch/events.js';
import { dropLease, jobKey, type BuilderContext, type SharedRuntime } from './context.js';
import { SerialPump } from './serial-pump.js';
import { buildState, failExport } from './dependencies.js';
import { allEnded, type ActiveJob, type JobExecutor, type JobQueue, type QueueItem } from './job-queue.js';
import type { PoolSlot, RunnerPool } from './pool.js';
import { setPhase } from './writes.js';

/** Abandoned jobs one poll takes over at most (the next poll takes more). */
const ABANDONED_PER_POLL = 16;

/** Ready message of a running job whose process stopped renewing its lease (it was killed or cut off). */
export const LOST_MESSAGE = 'builder process lost';

export interface ClaimLimits {
  /** Jobs this process runs at once. */
  concurrency: number;
  /** Jobs running at once across every process sharing the store (undefined: no such limit). */
  globalConcurrency: number | undefined;
}

/**
 * The queue of a shared store: the database. Whenever this process has a free slot and a reachable
 * runner, it claims the oldest open jobs nobody holds (a lease each, renewed every second, which is
 * also when it hears of cancel requests). A claimed job that was already running elsewhere is a
 * takeover: its holder is gone, so it ends Failed ("builder process lost") and its engine leftovers
 * are removed through this process's runners; such jobs are looked for every second even when no slot
 * here is free. An export is only claimable once its build has ended.
 */
export class ClaimLoop implements JobQueue {
  readonly running = new Map<string, ActiveJob>();
  readonly queued = 0;
  executor: JobExecutor | undefined;
  /** Called when a job running here was asked to cancel by another process. */
  onCancelRequested: ((kind: JobKind, name: string) => void) | undefined;
  readonly #shared: SharedRuntime;
  readonly #takeovers = new Set<Promise<void>>();
  readonly #cancelAsked = new Set<string>();
  /** Pending exports as the change feed shows them: the build each waits for. */
  readonly #waitingFor = new Map<string, string>();
  /** How many Pending exports wait for each build. */
  readonly #waiters = new Map<string, number>();
  /** Another process's job ending can free room here: a limit is shared across processes. */
  readonly #sharedLimits: boolean;
  /** When each held lease was last claimed or renewed (this process's clock). */
  readonly #renewedAt = new Map<string, number>();
  readonly #poll: NodeJS.Timeout;
  readonly #renew: NodeJS.Timeout;
  readonly #pump = new SerialPump(
    () =>
      this.#loop().catch((err: unknown) =>
        this.ctx.logger.warn('claiming jobs failed (retried within a second)', { error: err }),
      ),
    () => this.#closed,
  );
  #renewing = false;
  #reaping = false;
  #closed = false;

  constructor(
    readonly ctx: BuilderContext,
    readonly pool: RunnerPool,
    readonly limits: ClaimLimits,
  ) {
    this.#shared = ctx.shared!;
    this.#sharedLimits =
      limits.globalConcurrency !== undefined || pool.slots.some((slot) => slot.sharedLimit !== undefined);
    // expired leases produce no change event: look for them (and anything missed) every second
    this.#poll = setInterval(() => {
      this.pump();
      void this.#endAbandoned();
    }, 1000);
    this.#poll.unref();
    this.#renew = setInterval(() => void this.#renewAll(), Math.min(1000, this.#shared.leaseMs / 3));
    this.#renew.unref();
  }

  enqueue(_item: QueueItem): void {
    this.pump();
  }

  dequeue(): void {
    // nothing is queued in memory: a canceled or deleted job is no longer open in the store
  }

  waitsFor(buildRef: string): boolean {
    return this.#waiters.has(buildRef);
  }

  releaseDependents(): void {
    this.pump();
  }

  /** Fails the Pending exports of a build that ended Failed or Canceled (claimed ones fail where they are claimed). */
  async failDependents(buildRef: string, why: 'Failed' | 'Canceled'): Promise<void> {
    for (const e of await this.ctx.store.list('ImageExport')) {
      if (e.object.spec.source.imageBuildRef !== buildRef) continue;
      if ((getReadyReason(e.object) ?? 'Pending') !== 'Pending') continue;
      try {
        await failExport(this.ctx, e.name, buildRef, why);
      } catch (err) {
        // claimed meanwhile: its claimer fails it
        this.ctx.logger.debug('a dependent export was claimed before it could be failed', { name: e.name, error: err });
      }
    }
  }

  /**
   * A job's state as the change feed shows it (reason undefined: deleted). New work wakes the claim,
   * in every process. An ended job only does when it frees something here: a build that Pending
   * exports wait for, or room under a limit shared across processes. (A job ending in this process
   * wakes it anyway, when it gives its slot back.) Without this, every end woke every process to a
   * claim that found nothing.
   */
  noteJob(kind: JobKind, name: string, reason: string | undefined, buildRef: string | undefined): void {
    if (kind === 'ImageExport') this.#noteWaiting(name, reason === 'Pending' ? buildRef : undefined);
    if (reason === 'Pending') this.pump();
    else if (reason !== undefined && isTerminal(reason)) {
      if (this.#sharedLimits || (kind === 'ImageBuild' && this.#waiters.has(name))) this.pump();
    }
  }

  #noteWaiting(exportName: string, buildRef: string | undefined): void {
    const before = this.#waitingFor.get(exportName);
    if (before === buildRef) return;
    if (before !== undefined) {
      const n = (this.#waiters.get(before) ?? 1) - 1;
      if (n > 0) this.#waiters.set(before, n);
      else this.#waiters.delete(before);
      this.#waitingFor.delete(exportName);
    }
    if (buildRef !== undefined) {
      this.#waitingFor.set(exportName, buildRef);
      this.#waiters.set(buildRef, (this.#waiters.get(buildRef) ?? 0) + 1);
    }
  }

  holdUntil(work: Promise<unknown>): void {
    this.#pump.holdUntil(work);
  }

  pump(): void {
    this.#pump.pump();
  }

  async #loop(): Promise<void> {
    while (!this.#closed && this.running.size < this.limits.concurrency && this.pool.hasCandidate()) {
      const claims = await this.#shared.store.leases.claim(this.#shared.holder, {
        limit: this.limits.concurrency - this.running.size,
        ttlMs: this.#shared.leaseMs,
        maxActive: this.limits.globalConcurrency,
      });
      if (claims.length === 0) return;
      let placed = true;
      for (const claim of claims) placed = (await this.#take(claim)) && placed;
      // engines full across processes: the jobs went back; the next poll tries again
      if (!placed) return;
    }
  }

  /**
   * Takes over the jobs that were running under an expired lease, whether or not this process has a
   * free slot: ending one is a write, not a run, and must not wait for a slot here to free up.
   */
  async #endAbandoned(): Promise<void> {
    if (this.#closed || this.#reaping) return;
    this.#reaping = true;
    try {
      const claims = await this.#shared.store.leases.claim(this.#shared.holder, {
        limit: ABANDONED_PER_POLL,
        ttlMs: this.#shared.leaseMs,
        abandoned: true,
      });
      for (const claim of claims) await this.#take(claim);
    } catch (err) {
      this.ctx.logger.warn('taking over abandoned jobs failed (retried within a second)', { error: err });
    } finally {
      this.#reaping = false;
    }
  }

  /** A slot for the job: a runner of this process with room, whose engine has room across processes. */
  async #place(lease: Lease): Promise<PoolSlot | undefined> {
    const tried = new Set<PoolSlot>();
    for (;;) {
      const slot = await this.pool.acquire(tried);
      if (!slot) return undefined;
      if (slot.sharedLimit === undefined || slot.engineKey === undefined) return slot;
      if (await this.#shared.store.leases.placeOn(lease, slot.engineKey, slot.sharedLimit)) return slot;
      this.pool.release(slot);
      tried.add(slot);
    }
  }

  /** Starts (or ends) a claimed job; false when no engine had room for it (its lease was given back). */
  async #take({ lease, record }: Claim): Promise<boolean> {
    const { kind, name } = lease;
    const key = jobKey(kind, name);
    this.#shared.leases.set(key, lease);
    this.#shared.records.set(key, record);
    this.#renewedAt.set(key, Date.now());
    if (this.#closed) {
      await this.#giveBack(key);
      return true;
    }
    const reason = getReadyReason(record.object) ?? 'Pending';
    if (reason !== 'Pending') {
      const work = this.#endLost({ lease, record }, reason).catch((err: unknown) =>
        this.ctx.logger.warn('could not end a job taken over from a lost process', { kind, name, error: err }),
      );
      this.#takeovers.add(work);
      void work.finally(() => this.#takeovers.delete(work));
      return true;
    }
    if (kind === 'ImageExport') {
      const buildRef = (record.object as ImageExport).spec.source.imageBuildRef;
      const state = await buildState(this.ctx, buildRef);
      if (state === 'wait') {
        await this.#giveBack(key); // not claimable in the store: cannot happen
        return true;
      }
      if (state !== 'ready') {
        await failExport(this.ctx, name, buildRef, state);
        return true;
      }
    }
    const slot = await this.#place(lease);
    if (!slot) {
      await this.#giveBack(key);
      return false;
    }
    const job: ActiveJob = { kind, name, slot, op: undefined, stop: undefined, lastProgress: Date.now() };
    this.running.set(key, job);
    job.done = this.executor!(job)
      .catch((err: unknown) => this.ctx.logger.warn('job ended with an error', { kind, name, error: err }))
      .finally(() => {
        this.running.delete(key);
        this.#cancelAsked.delete(key);
        this.pool.release(slot);
        // ended without a terminal write (canceled before it started): let the lease go
        void this.#giveBack(key);
        this.pump();
      });
    return true;
  }

  async #giveBack(key: string): Promise<void> {
    const lease = this.#shared.leases.get(key);
    if (!lease) return;
    dropLease(this.#shared, key);
    this.#renewedAt.delete(key);
    await this.#shared.store.leases.release(lease).catch(() => false);
  }

  /** A job whose holder stopped renewing while it ran: it ends here, as a restart ends it (no second run). */
  async #endLost({ lease, record }: Claim, reason: string): Promise<void> {
    const { kind, name } = lease;
    const canceling = reason === 'Canceling';
    const to = canceling && record.job?.cancelCause !== 'timeout' ? 'Canceled' : 'Failed';
    const ready = record.object.status?.conditions?.find((c) => c.type === 'Ready')?.message;
    const message = canceling
      ? (ready ?? 'canceled')
      : `${LOST_MESSAGE}: ${lease.previousHolder ?? 'its holder'} stopped renewing the lease of this job while it was ${reason}`;
    const log = await this.ctx.logs.get(kind, name, false);
    this.ctx.logs.write(log, `[builder] ${kind} ${name} ${to === 'Canceled' ? 'canceled' : 'failed'}: ${message}`);
    log.end();
    await this.#shared.logs.flush(kind, name);
    const rec = await setPhase(this.ctx, kind, name, to, message, { from: [reason] });
    if (!rec) await this.#giveBack(jobKey(kind, name));
    if (rec && kind === 'ImageBuild') await this.failDependents(name, to);
    // what the lost process left on engines this process reaches
    const jobId = record.job?.uid;
    if (!jobId) return;
    for (const slot of this.pool.slots) {
      await slot.runner
        .cleanup({ jobId })
        .catch((err: unknown) =>
          this.ctx.logger.warn('cleanup of a lost job failed', { runner: slot.runner.name, jobId, error: err }),
        );
    }
  }

  /** Renews every lease held; a lost one stops its job, a cancel request is passed on. */
  async #renewAll(): Promise<void> {
    if (this.#renewing) return;
    this.#renewing = true;
    try {
      await Promise.all(
        [...this.#shared.leases].map(async ([key, lease]) => {
          let renewed: Awaited<ReturnType<SharedRuntime['store']['leases']['renew']>>;
          const asked = Date.now();
          try {
            renewed = await this.#shared.store.leases.renew(lease, this.#shared.leaseMs);
          } catch (err) {
            // the database is out of reach: past the lease time another process may own the job
            const stale = asked - (this.#renewedAt.get(key) ?? asked) >= this.#shared.leaseMs;
            this.ctx.logger.warn(
              stale ? 'lease lost: renewals failed for the lease time' : 'lease renewal failed (retried)',
              {
                key,
                error: err,
              },
            );
            if (!stale) return;
            renewed = undefined;
          }
          if (this.#shared.leases.get(key) !== lease) return; // released or ended meanwhile
          const job = this.running.get(key);
          if (!renewed) {
            dropLease(this.#shared, key);
            this.#renewedAt.delete(key);
            if (job) {
              const message =
                'this builder process lost the lease of the job (it could not renew it in time); another process ends it';
              job.stop ??= { cause: 'timeout', message };
              job.op?.abort(new Error(message));
            }
            return;
          }
          this.#shared.leases.set(key, renewed.lease);
          this.#renewedAt.set(key, asked);
          if (renewed.cancelRequested && job && !job.stop && !this.#cancelAsked.has(key)) {
            this.#cancelAsked.add(key);
            this.onCancelRequested?.(job.kind, job.name);
          }
        }),
      );
    } finally {
      this.#renewing = false;
    }
  }

  async idle(): Promise<void> {
    await allEnded(this.running);
    await Promise.all([...this.#takeovers]);
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#poll);
    // leases of running jobs are renewed until they end (close() awaits them)
    void this.idle().finally(() => clearInterval(this.#renew));
  }
}
