import type { JobKind } from '../watch/events.js';
import type { PoolSlot } from './pool.js';

/** A Pending job to run. */
export interface QueueItem {
  kind: JobKind;
  name: string;
  seq: number;
  /** For exports: the build they wait for. */
  buildRef?: string | undefined;
  /** Since when (ms) no runner could take it because none reaches its engine. */
  unplacedSince?: number | undefined;
}

/** A job running in this process. */
export interface ActiveJob {
  readonly kind: JobKind;
  readonly name: string;
  readonly slot: PoolSlot;
  /** The runner's operation, once started (aborting it stops the job). */
  op: { abort(reason: Error): void } | undefined;
  /** Set when the job is being stopped: by a user cancel, or by the heartbeat (timeout). */
  stop: { cause: 'user' | 'timeout'; message: string } | undefined;
  lastProgress: number;
  /** Settles when the job's execution has ended. */
  done?: Promise<void> | undefined;
}

export type JobExecutor = (job: ActiveJob) => Promise<void>;

/**
 * Where jobs wait and who starts them: the in-memory `Scheduler` (one process owns the store) or
 * the `ClaimLoop` (a shared store: jobs are claimed from the database by any process).
 */
export interface JobQueue {
  /** Jobs running in this process, by job key. */
  readonly running: Map<string, ActiveJob>;
  /** Jobs waiting in this process (a shared store's queue is the database: 0). */
  readonly queued: number;
  /** Runs one started job to its end. */
  executor: JobExecutor | undefined;
  /** A new Pending job. */
  enqueue(item: QueueItem): void;
  /** The job was canceled or deleted while waiting. */
  dequeue(kind: JobKind, name: string): void;
  /** Some Pending export here waits for this build. */
  waitsFor(buildRef: string): boolean;
  /** The build completed: its exports may run. */
  releaseDependents(buildRef: string): void;
  /** The build ended Failed or Canceled: its waiting exports fail. */
  failDependents(buildRef: string, why: 'Failed' | 'Canceled'): Promise<void>;
  /** Starts nothing until `work` settles. */
  holdUntil(work: Promise<unknown>): void;
  /** Looks for work to start. */
  pump(): void;
  /** Starts nothing more. */
  close(): void;
  /** Resolves when no job runs in this process. */
  idle(): Promise<void>;
}

/** Resolves once every job running now has ended. */
export async function allEnded(running: Map<string, ActiveJob>): Promise<void> {
  while (running.size > 0) await Promise.all([...running.values()].map((j) => j.done));
}
