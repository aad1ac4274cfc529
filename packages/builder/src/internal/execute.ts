import { redactText } from '@imagebuild/core/errors';
import type { ImageBuilderOptions } from '../options.js';
import type { JobLog } from '../logs/job-log.js';
import type { BuilderContext } from './context.js';
import type { ActiveJob, JobQueue } from './job-queue.js';
import { patchStatus, setPhase } from './writes.js';
import { newJobId, runningJobIds } from './job-owner.js';
import { prepareWaitingExport } from './export-prep.js';
import { JobFailure, startJob } from './start-job.js';

/** Timing knobs of job execution. */
export interface ExecuteSettings {
  staleAfterMs: number;
  maxDurationMs: number | undefined;
  heartbeatIntervalMs: number;
  options: ImageBuilderOptions;
}

const ACTIVE = {
  ImageBuild: ['Building', 'Pushing', 'GeneratingSBOM'],
  ImageExport: ['Converting', 'Pushing'],
} as const;
const RUNNING_MSG = { ImageBuild: 'Build is in progress', ImageExport: 'Export conversion in progress' } as const;

/** Runs one claimed job to a terminal state: runner operation, heartbeat, timeouts, cancel, results. */
export async function executeJob(
  ctx: BuilderContext,
  sched: JobQueue,
  settings: ExecuteSettings,
  job: ActiveJob,
): Promise<void> {
  // A fresh id naming this process: what the job creates is swept only once this process is done with it.
  const uid = newJobId();
  runningJobIds.add(uid);
  try {
    await runJob(ctx, sched, settings, job, uid);
  } finally {
    runningJobIds.delete(uid);
  }
}

async function runJob(
  ctx: BuilderContext,
  sched: JobQueue,
  settings: ExecuteSettings,
  job: ActiveJob,
  uid: string,
): Promise<void> {
  const { kind, name } = job;
  const runner = job.slot.runner;
  const claimed = await setPhase(
    ctx,
    kind,
    name,
    kind === 'ImageBuild' ? 'Building' : 'Converting',
    RUNNING_MSG[kind],
    {
      from: ['Pending'],
      job: { runner: runner.name, uid },
      patch: (o) => {
        o.status = { ...o.status, lastSeen: new Date().toISOString() };
      },
    },
  );
  if (!claimed) return; // canceled or deleted while queued
  const log = await ctx.logs.get(kind, name, false);
  const say = (line: string): void => ctx.logs.write(log, `[builder] ${line}`);
  say(`${kind} ${name} started on runner ${runner.name} (${runner.engine})`);

  let chain: Promise<unknown> = Promise.resolve();
  const enqueueWrite = (fn: () => Promise<unknown>): void => {
    // the job goes on (its final write follows the chain); a lost status write is only logged
    chain = chain
      .then(fn)
      .catch((err: unknown) => ctx.logger.warn('job status write failed', { kind, name, error: err }));
  };
  let seenSince = false;
  const touch = (): void => {
    job.lastProgress = Date.now();
    seenSince = true;
  };
  const stop = (cause: 'user' | 'timeout', message: string): void => {
    job.stop ??= { cause, message };
    job.op?.abort(new Error(message));
  };

  const heartbeat = setInterval(() => {
    const idle = Date.now() - job.lastProgress;
    if (idle > settings.staleAfterMs) {
      stop('timeout', `timed out: no output or progress for ${Math.round(settings.staleAfterMs / 1000)}s`);
    } else if (seenSince) {
      seenSince = false;
      const lastSeen = new Date(job.lastProgress).toISOString();
      enqueueWrite(() =>
        patchStatus(ctx, kind, name, (o) => {
          o.status = { ...o.status, lastSeen };
        }),
      );
    }
  }, settings.heartbeatIntervalMs);
  heartbeat.unref?.();
  const overall =
    settings.maxDurationMs === undefined
      ? undefined
      : setTimeout(
          () =>
            stop('timeout', `timed out: exceeded the overall limit of ${Math.round(settings.maxDurationMs! / 1000)}s`),
          settings.maxDurationMs,
        );
  overall?.unref?.();

  try {
    const object = structuredClone(claimed.object); // the runner's own copy (the event holds the original)
    const run = await startJob(ctx, settings.options, runner, object, uid, {
      log: (line) => {
        ctx.logs.write(log, line);
        touch();
      },
      touch,
      write: enqueueWrite,
    });
    job.op = run;
    if (job.stop)
      run.abort(new Error(job.stop.message)); // canceled while starting
    else if (kind === 'ImageBuild' && sched.waitsFor(name))
      prepareWaitingExport(sched, name, settings.options, ctx.logger);
    const result = await run.completed();
    await chain;
    if (job.stop) throw new JobFailure(job.stop.message);
    // the whole log is stored before the job is seen to end (readers in other processes stop there)
    say(`${kind} ${name} completed`);
    await ctx.shared?.logs.flush(kind, name);
    const done = await setPhase(ctx, kind, name, 'Completed', result.message, {
      from: ACTIVE[kind],
      uid,
      patch: result.patch,
    });
    if (done) {
      if (kind === 'ImageBuild') sched.releaseDependents(name);
    } else await endStopped(ctx, sched, job, log, uid, 'the job finished after it was canceled');
  } catch (err) {
    await chain;
    await endStopped(ctx, sched, job, log, uid, redactText(err instanceof Error ? err.message : String(err)));
  } finally {
    clearInterval(heartbeat);
    if (overall) clearTimeout(overall);
    log.end();
  }
}

/** Writes the terminal state of a job that failed or was stopped, and fails a build's waiting exports. */
async function endStopped(
  ctx: BuilderContext,
  sched: JobQueue,
  job: ActiveJob,
  log: JobLog,
  uid: string | undefined,
  errorText: string,
): Promise<void> {
  const { kind, name } = job;
  const from = [...ACTIVE[kind], 'Canceling'];
  let final: 'Failed' | 'Canceled';
  let message: string;
  if (job.stop?.cause === 'user') {
    final = 'Canceled';
    message = job.stop.message;
  } else {
    final = 'Failed';
    message = job.stop?.cause === 'timeout' ? job.stop.message : errorText;
  }
  ctx.logs.write(log, `[builder] ${kind} ${name} ${final === 'Canceled' ? 'canceled' : 'failed'}: ${message}`);
  await ctx.shared?.logs.flush(kind, name);
  const rec = await setPhase(ctx, kind, name, final, message, { from, uid });
  if (rec && kind === 'ImageBuild') await sched.failDependents(name, final);
}
