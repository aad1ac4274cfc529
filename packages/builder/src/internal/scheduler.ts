import type { JobKind } from '../watch/events.js';
import { jobKey, type BuilderContext } from './context.js';
import { SerialPump } from './serial-pump.js';
import { buildState, failExport, type BuildBlocker } from './dependencies.js';
import { allEnded, type ActiveJob, type JobExecutor, type JobQueue, type QueueItem } from './job-queue.js';
import type { RunnerPool } from './pool.js';
import { setMessage, setPhase } from './writes.js';
import { CREATED_MSG } from './jobs.js';

export interface SchedulerLimits {
  concurrency: number;
  /** A queued job no runner can take (none reaches its engine) fails after this long. */
  placementTimeoutMs: number;
}

/** FIFO queue of Pending jobs with a global limit; exports wait for their build; failed builds fail their exports. */
export class Scheduler implements JobQueue {
  readonly #queue: QueueItem[] = [];
  readonly #waiting = new Map<string, QueueItem[]>();
  readonly running = new Map<string, ActiveJob>();
  readonly #pump = new SerialPump(
    () => this.#loop(),
    () => this.#closed,
  );
  #retryTimer: NodeJS.Timeout | undefined;
  #placementTimer: NodeJS.Timeout | undefined;
  /** Queued jobs marked as waiting for a reachable runner (the scans below are skipped at 0). */
  #unplaced = 0;
  #closed = false;
  executor: JobExecutor | undefined;

  constructor(
    readonly ctx: BuilderContext,
    readonly pool: RunnerPool,
    readonly limits: SchedulerLimits,
  ) {}

  /**
   * Queues a Pending job. An export whose build is not Completed yet is parked until the build
   * completes (`releaseDependents`) or ends otherwise (`failDependents`), so waiting exports cost
   * the scheduling loop nothing.
   */
  enqueue(item: QueueItem): void {
    if (item.kind === 'ImageExport') {
      const state = this.#cachedBuildState(item.buildRef!);
      if (state === 'wait') {
        let list = this.#waiting.get(item.buildRef!);
        if (!list) {
          list = [];
          this.#waiting.set(item.buildRef!, list);
        }
        list.push(item);
        return;
      }
      if (state !== 'ready' && state !== 'unknown') {
        void this.failExport(item.name, item.buildRef!, state);
        return;
      }
    }
    this.#insert(item);
    this.pump();
  }

  #insert(item: QueueItem): void {
    // Items arrive in seq order except during recovery and un-parking; keep the queue sorted.
    let i = this.#queue.length;
    while (i > 0 && this.#queue[i - 1]!.seq > item.seq) i--;
    this.#queue.splice(i, 0, item);
  }

  waitsFor(buildRef: string): boolean {
    return this.#waiting.has(buildRef) || this.#queue.some((i) => i.kind === 'ImageExport' && i.buildRef === buildRef);
  }

  /** The build completed: its parked exports become runnable. */
  releaseDependents(buildRef: string): void {
    const list = this.#waiting.get(buildRef);
    if (!list) return;
    this.#waiting.delete(buildRef);
    for (const item of list) this.#insert(item);
    this.pump();
  }

  dequeue(kind: JobKind, name: string): void {
    const i = this.#queue.findIndex((q) => q.kind === kind && q.name === name);
    if (i >= 0) this.#queue.splice(i, 1);
    if (kind === 'ImageExport') {
      for (const [ref, list] of this.#waiting) {
        const j = list.findIndex((q) => q.name === name);
        if (j >= 0) {
          list.splice(j, 1);
          if (list.length === 0) this.#waiting.delete(ref);
          break;
        }
      }
    }
  }

  get queued(): number {
    let n = this.#queue.length;
    for (const list of this.#waiting.values()) n += list.length;
    return n;
  }

  /** Starts no job until `work` settles (then schedules as usual). */
  holdUntil(work: Promise<unknown>): void {
    // the start-up sweep must not race the jobs it would share layers with
    this.#pump.holdUntil(work);
  }

  /** Runs the scheduling loop (serialised; a call during a run schedules another pass). */
  pump(): void {
    this.#pump.pump();
  }

  async #loop(): Promise<void> {
    // Set when a job was left queued because no runner could take it: only then is a retry armed
    // (a queue of exports waiting for their builds must not spin the timer).
    let unplaced = false;
    let i = 0;
    while (i < this.#queue.length && this.running.size < this.limits.concurrency && !this.#closed) {
      const item = this.#queue[i]!;
      if (item.kind === 'ImageExport') {
        const cached = this.#cachedBuildState(item.buildRef!);
        const state = cached === 'unknown' ? await this.#buildState(item.buildRef!) : cached;
        if (state === 'wait') {
          i++;
          continue;
        }
        if (state !== 'ready') {
          this.#queue.splice(i, 1);
          await this.failExport(item.name, item.buildRef!, state);
          continue;
        }
      }
      if (!this.pool.hasCandidate()) {
        unplaced = true;
        await this.#noteUnplaced();
        break;
      }
      const slot = await this.pool.acquire();
      if (!slot) {
        unplaced = true;
        await this.#noteUnplaced();
        break;
      }
      if (this.#queue[i] !== item) {
        // The queue changed while pinging (cancel/delete); release and rescan.
        this.pool.release(slot);
        i = 0;
        continue;
      }
      this.#queue.splice(i, 1);
      const job: ActiveJob = {
        kind: item.kind,
        name: item.name,
        slot,
        op: undefined,
        stop: undefined,
        lastProgress: Date.now(),
      };
      this.running.set(jobKey(item.kind, item.name), job);
      job.done = this.executor!(job)
        .catch((err: unknown) => this.ctx.logger.warn('job ended with an error', { ...item, error: err }))
        .finally(() => {
          this.running.delete(jobKey(item.kind, item.name));
          this.pool.release(slot);
          this.pump();
        });
    }
    if (!this.pool.allDown()) await this.#clearUnplaced();
    if (unplaced) this.#armRetry();
  }

  /**
   * Nothing could be placed. When that is because no runner reaches its engine (not because all
   * are busy), every queued job says so in its Ready message at once, with the runners' discovery
   * reports, and fails once it has waited `placementTimeoutMs` (a timer that keeps the process
   * alive: a program awaiting the job gets its end instead of exiting with nothing pending).
   */
  async #noteUnplaced(): Promise<void> {
    if (!this.pool.allDown()) return this.#clearUnplaced();
    const now = Date.now();
    const wait = duration(this.limits.placementTimeoutMs);
    const report = this.pool.unreachable().message;
    for (const item of [...this.#queue]) {
      if (item.unplacedSince !== undefined) continue;
      item.unplacedSince = now;
      this.#unplaced++;
      await setMessage(
        this.ctx,
        item.kind,
        item.name,
        'Pending',
        `waiting for a runner: none reaches its engine (retrying; the job fails if none does within ${wait}): ${report}`,
      );
    }
    this.#armPlacement();
  }

  async #clearUnplaced(): Promise<void> {
    if (this.#unplaced === 0) return;
    this.#unplaced = 0;
    for (const item of [...this.#queue]) {
      if (item.unplacedSince === undefined) continue;
      item.unplacedSince = undefined;
      await setMessage(this.ctx, item.kind, item.name, 'Pending', CREATED_MSG[item.kind]);
    }
  }

  #armPlacement(): void {
    if (this.#placementTimer || this.#closed) return;
    const since = this.#queue.map((q) => q.unplacedSince).filter((t) => t !== undefined);
    if (since.length === 0) return;
    const at = Math.min(...since) + this.limits.placementTimeoutMs;
    this.#placementTimer = setTimeout(
      () => {
        this.#placementTimer = undefined;
        // a failed store write leaves the due jobs Pending, out of the queue: say so
        void this.#expireUnplaced().catch((err: unknown) =>
          this.ctx.logger.warn('placement timeout could not fail the waiting jobs', { error: err }),
        );
      },
      Math.max(10, at - Date.now()),
    );
  }

  async #expireUnplaced(): Promise<void> {
    if (this.#closed) return;
    if (!this.pool.allDown()) {
      await this.#clearUnplaced();
      this.pump();
      return;
    }
    const now = Date.now();
    const wait = duration(this.limits.placementTimeoutMs);
    const report = this.pool.unreachable().message;
    const due = this.#queue.filter(
      (q) => q.unplacedSince !== undefined && now - q.unplacedSince >= this.limits.placementTimeoutMs,
    );
    for (const item of due) {
      this.dequeue(item.kind, item.name);
      this.#unplaced = Math.max(0, this.#unplaced - 1);
      const message = `no runner reached its engine within ${wait} (placementTimeoutMs): ${report}`;
      const rec = await setPhase(this.ctx, item.kind, item.name, 'Failed', message, { from: ['Pending'] });
      if (!rec) continue;
      const log = await this.ctx.logs.get(item.kind, item.name, false);
      this.ctx.logs.write(log, `[builder] ${message}`);
      log.end();
      if (item.kind === 'ImageBuild') await this.failDependents(item.name, 'Failed');
    }
    this.#armPlacement();
  }

  #armRetry(): void {
    if (this.#retryTimer || this.#queue.length === 0 || this.running.size >= this.limits.concurrency) return;
    const at = this.pool.nextRetryAt();
    if (at === undefined) return;
    this.#retryTimer = setTimeout(
      () => {
        this.#retryTimer = undefined;
        this.pump();
      },
      Math.max(10, at - Date.now()),
    );
    this.#retryTimer.unref?.();
  }

  #cachedBuildState(buildRef: string): 'ready' | 'wait' | 'Failed' | 'Canceled' | 'unknown' {
    const reason = this.ctx.reasons.get(jobKey('ImageBuild', buildRef));
    if (reason === undefined) return 'unknown';
    if (reason === 'Completed') return 'ready';
    if (reason === 'Failed' || reason === 'Canceled') return reason;
    return 'wait';
  }

  #buildState(buildRef: string): Promise<'ready' | 'wait' | BuildBlocker> {
    return buildState(this.ctx, buildRef);
  }

  /** Fails a Pending export promptly because its build will never complete. */
  failExport(name: string, buildRef: string, why: BuildBlocker): Promise<void> {
    return failExport(this.ctx, name, buildRef, why);
  }

  /** Fails the queued exports of a build that ended Failed or Canceled (called when the build ends). */
  async failDependents(buildRef: string, why: 'Failed' | 'Canceled'): Promise<void> {
    const items = [
      ...this.#queue.filter((q) => q.kind === 'ImageExport' && q.buildRef === buildRef),
      ...(this.#waiting.get(buildRef) ?? []),
    ];
    this.#waiting.delete(buildRef);
    for (const item of items) {
      this.dequeue('ImageExport', item.name);
      await this.failExport(item.name, buildRef, why);
    }
  }

  idle(): Promise<void> {
    return allEnded(this.running);
  }

  close(): void {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    if (this.#placementTimer) clearTimeout(this.#placementTimer);
  }
}

const duration = (ms: number): string => (ms >= 1000 ? `${Math.round(ms / 1000)}s` : `${ms}ms`);
