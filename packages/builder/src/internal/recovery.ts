import { getReadyReason, isActive } from '@imagebuild/core/lifecycle';
import type { CleanupReport } from '@imagebuild/core/runner';
import type { JobKind } from '../watch/events.js';
import { jobKey, noteReason, type BuilderContext } from './context.js';
import type { RunnerPool } from './pool.js';
import type { JobQueue } from './job-queue.js';
import { setPhase } from './writes.js';
import type { SweepReport } from './sweep.js';

/** What the builder found and did when it opened its store. */
export interface RecoveryReport {
  /** Pending jobs queued again. */
  requeued: string[];
  /** Jobs that were running when the previous process stopped, now Failed ("interrupted by restart"). */
  interrupted: string[];
  /** Jobs that were Canceling, now Canceled (or Failed when the cancel came from a timeout). */
  finishedCancels: string[];
  /** Engine leftovers of interrupted jobs, per runner. */
  cleanup: Array<{ runner: string; report?: CleanupReport; error?: string }>;
  /**
   * What the start-up sweep removed (jobs of processes that are gone); set once `ready()` resolves
   * with `cleanupOnStart` on.
   */
  sweep?: SweepReport;
}

/** Ready message of a job recovery fails because it was running when the previous process stopped. */
export const INTERRUPTED_MESSAGE = 'interrupted by restart: the job was running when the builder process stopped';

/**
 * Restart recovery (upstream's startup requeue, done safely): Pending → queued; Canceling → Canceled
 * (Failed for timeouts); Building/Pushing/Converting → Failed "interrupted by restart" with the engine
 * leftovers of those jobs removed through their runner's `cleanup({jobId})`.
 */
export async function recover(
  ctx: BuilderContext,
  sched: JobQueue,
  pool: RunnerPool,
  cleanup: boolean,
): Promise<RecoveryReport> {
  const report: RecoveryReport = { requeued: [], interrupted: [], finishedCancels: [], cleanup: [] };
  const toClean = new Map<string, Set<string>>(); // runner name ('' = unknown) → job uids
  const queue: Array<{ kind: JobKind; name: string; seq: number; buildRef?: string }> = [];
  for (const kind of ['ImageBuild', 'ImageExport'] as const) {
    const records = await ctx.store.list(kind);
    for (const rec of records) {
      const reason = getReadyReason(rec.object) ?? 'Pending';
      const id = `${kind}/${rec.name}`;
      noteReason(ctx, jobKey(kind, rec.name), reason, rec.resourceVersion);
      if (reason === 'Pending') {
        const buildRef =
          kind === 'ImageExport'
            ? (rec.object as { spec: { source: { imageBuildRef: string } } }).spec.source.imageBuildRef
            : undefined;
        queue.push({ kind, name: rec.name, seq: rec.seq, ...(buildRef ? { buildRef } : {}) });
        report.requeued.push(id);
      } else if (reason === 'Canceling') {
        const timedOut = rec.job?.cancelCause === 'timeout';
        const message = rec.object.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? 'canceled';
        await setPhase(ctx, kind, rec.name, timedOut ? 'Failed' : 'Canceled', message, { from: ['Canceling'] });
        report.finishedCancels.push(id);
        noteCleanup(toClean, rec.job?.runner, rec.job?.uid);
      } else if (isActive(kind, reason)) {
        await setPhase(ctx, kind, rec.name, 'Failed', INTERRUPTED_MESSAGE, { from: [reason] });
        report.interrupted.push(id);
        noteCleanup(toClean, rec.job?.runner, rec.job?.uid);
      }
    }
  }
  if (cleanup) {
    for (const [runnerName, uids] of toClean) {
      const runners = runnerName
        ? [pool.byName(runnerName)].filter((r) => r !== undefined)
        : pool.slots.map((s) => s.runner);
      for (const runner of runners) {
        const entry: RecoveryReport['cleanup'][number] = { runner: runner.name, report: { removed: [], failed: [] } };
        try {
          for (const jobId of uids) {
            const r = await runner.cleanup({ jobId });
            entry.report!.removed.push(...r.removed);
            entry.report!.failed.push(...r.failed);
          }
        } catch (err) {
          entry.error = err instanceof Error ? err.message : String(err);
        }
        report.cleanup.push(entry);
      }
    }
  }
  for (const item of queue.sort((a, b) => a.seq - b.seq)) sched.enqueue(item);
  return report;
}

function noteCleanup(map: Map<string, Set<string>>, runner: string | undefined, uid: string | undefined): void {
  if (!uid) return;
  const key = runner ?? '';
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(uid);
}
