import { ConflictError, NotFoundError, type ImageBuild, type ImageExport } from '@imagebuild/core';
import { canCancel, getReadyReason, isTerminal } from '@imagebuild/core/lifecycle';
import type { JobKind } from '../watch/events.js';
import { forgetReason, jobKey, notifySettled, publish, waitSettled, type BuilderContext } from './context.js';
import type { JobQueue } from './job-queue.js';
import { setPhase } from './writes.js';

const CANCEL_MSG = {
  ImageBuild: 'Build cancellation requested',
  ImageExport: 'Export cancellation requested',
} as const;
const MAX_RETRIES = 10;
/** How long a cancel of a job running in another process waits for that process to act. */
const ASK_HOLDER_WAIT_MS = 5000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** cancel and delete, with upstream's cascade rules (and without its Pending-forever exports). */
export class CancelDelete {
  constructor(
    readonly ctx: BuilderContext,
    readonly sched: JobQueue,
    readonly deleteCancelTimeoutMs: number,
  ) {}

  /**
   * Pending → Canceled at once; Building/Pushing/Converting → Canceling, then Canceled when the runner
   * has stopped. Other states → `ConflictError`. Canceling a build cancels its exports too.
   */
  async cancel(kind: JobKind, name: string, message: string = CANCEL_MSG[kind]): Promise<ImageBuild | ImageExport> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const rec = await this.ctx.store.get(kind, name);
      if (!rec) throw new NotFoundError(`${kind} "${name}" not found`);
      const reason = getReadyReason(rec.object) ?? 'Pending';
      if (!canCancel(kind, reason))
        throw new ConflictError(`${kind} "${name}" is not in a cancelable state (it is ${reason})`);
      let moved: Awaited<ReturnType<typeof setPhase>>;
      const shared = this.ctx.shared;
      if (shared && reason !== 'Pending' && !shared.leases.has(jobKey(kind, name))) {
        // another process runs it: only that process may write it
        const asked = await this.#askHolder(kind, name);
        if (kind === 'ImageBuild') await this.#cascade(name, message);
        return asked;
      }
      if (reason === 'Pending') {
        this.sched.dequeue(kind, name);
        try {
          moved = await setPhase(this.ctx, kind, name, 'Canceled', message, {
            from: ['Pending'],
            job: { cancelCause: 'user' },
          });
        } catch (err) {
          // a shared store refuses the write: a process has just claimed the job
          if (!(shared && err instanceof ConflictError)) throw err;
          const asked = await this.#askHolder(kind, name);
          if (kind === 'ImageBuild') await this.#cascade(name, message);
          return asked;
        }
        if (moved) {
          const log = await this.ctx.logs.get(kind, name, false);
          this.ctx.logs.write(log, `[builder] canceled while pending: ${message}`);
          log.end();
          await this.ctx.shared?.logs.flush(kind, name);
        }
      } else {
        moved = await setPhase(this.ctx, kind, name, 'Canceling', message, {
          from: [reason],
          job: { cancelCause: 'user' },
        });
        if (moved) {
          const active = this.sched.running.get(jobKey(kind, name));
          if (active) {
            active.stop ??= { cause: 'user', message };
            active.op?.abort(new Error(message));
          } else {
            // Not running in this process (should not happen outside recovery): finish the cancel here.
            await setPhase(this.ctx, kind, name, 'Canceled', message, { from: ['Canceling'] });
          }
        }
      }
      if (!moved) continue; // the state changed under us; re-read
      if (kind === 'ImageBuild') await this.#cascade(name, message);
      return structuredClone(moved.object);
    }
    throw new ConflictError(`${kind} "${name}" is changing state too fast to cancel; retry`);
  }

  /**
   * Asks the process holding the job's lease to cancel it (it sees the request within a second) and
   * waits up to 5 s for the job to reach Canceling or end; resolves the job as it then is. Not "until it
   * leaves the state it was read in": this process's feed may still be behind that read.
   */
  async #askHolder(kind: JobKind, name: string): Promise<ImageBuild | ImageExport> {
    const shared = this.ctx.shared!;
    if (!(await shared.store.requestCancel(kind, name))) throw new NotFoundError(`${kind} "${name}" not found`);
    const key = jobKey(kind, name);
    const deadline = Date.now() + ASK_HOLDER_WAIT_MS;
    const answered = (r: string | undefined): boolean => r === undefined || r === 'Canceling' || isTerminal(r);
    while (!answered(this.ctx.reasons.get(key)) && Date.now() < deadline) await sleep(25);
    const rec = await this.ctx.store.get(kind, name);
    if (!rec) throw new NotFoundError(`${kind} "${name}" not found`);
    return structuredClone(rec.object);
  }

  async #cascade(buildName: string, message: string): Promise<void> {
    const exports = await this.ctx.store.list('ImageExport');
    for (const e of exports) {
      if (e.object.spec.source.imageBuildRef !== buildName) continue;
      if (!canCancel('ImageExport', getReadyReason(e.object))) continue;
      try {
        await this.cancel('ImageExport', e.name, `${message} (ImageBuild "${buildName}" was canceled)`);
      } catch (err) {
        if (!(err instanceof ConflictError || err instanceof NotFoundError)) throw err;
      }
    }
  }

  /** Waits until the job is terminal or gone (at most `timeoutMs`). */
  async #awaitSettled(kind: JobKind, name: string): Promise<void> {
    const key = jobKey(kind, name);
    const settled = (): boolean => {
      const r = this.ctx.reasons.get(key);
      return r === undefined || isTerminal(r);
    };
    await waitSettled(this.ctx, kind, name, settled, this.deleteCancelTimeoutMs);
  }

  /**
   * Deletes a build or export. An export: cancel (if cancelable) and wait ≤ deleteCancelTimeoutMs, then
   * delete. A build: each of its exports that way first, then the build. Resolves false when absent.
   */
  async delete(kind: JobKind, name: string): Promise<boolean> {
    if (kind === 'ImageBuild') {
      for (let round = 0; round < MAX_RETRIES; round++) {
        const exports = (await this.ctx.store.list('ImageExport')).filter(
          (e) => e.object.spec.source.imageBuildRef === name,
        );
        if (exports.length === 0) break;
        for (const e of exports) await this.delete('ImageExport', e.name);
      }
    }
    const rec = await this.ctx.store.get(kind, name);
    if (!rec) return false;
    const reason = getReadyReason(rec.object) ?? 'Pending';
    if (canCancel(kind, reason)) {
      try {
        await this.cancel(kind, name, kind === 'ImageBuild' ? 'Build deleted' : 'Export deleted');
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    await this.#awaitSettled(kind, name);
    this.sched.dequeue(kind, name);
    const gone = await this.ctx.store.delete(kind, name);
    if (!gone) return false;
    forgetReason(this.ctx, jobKey(kind, name));
    this.ctx.logs.remove(kind, name);
    await this.ctx.shared?.store.logs.remove(kind, name);
    publish(this.ctx, { type: 'deleted', kind, name, time: new Date().toISOString() });
    notifySettled(this.ctx, kind, name);
    return true;
  }
}
