import { NotFoundError } from '@imagebuild/core';
import { getReadyCondition, isTerminal } from '@imagebuild/core/lifecycle';
import { throwIfAborted } from '@imagebuild/core/operation';
import { DEFAULT_LOG_TAIL, type LogReadOptions, type LogWindow, type LogWindowOptions } from '../logs/log-book.js';
import type { JobKind } from '../watch/events.js';
import type { BuilderContext } from './context.js';

/** Lines per read from the store (each read is bounded). */
const PAGE = 1000;
/** How often a follower looks for new lines of a running job. */
const POLL_MS = 200;
/**
 * A job's last lines may be stored just after its terminal write (a cancel while pending, an export
 * failed with its build: the line follows the transition, flushed at once): a follower reads on
 * until this long after it first saw the job ended. Not the transition's time: a job that fails or
 * is canceled keeps its Ready condition's time (the status stays False).
 */
const SETTLE_MS = 1000;

const sleep = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * The job's log key in the store (its creation `seq`), and since when its last line is surely
 * stored: undefined while it runs; a Completed job's transition time (its runner flushed before
 * writing it); now for a job that Failed or was Canceled (its last line may follow the write).
 */
async function jobState(
  ctx: BuilderContext,
  kind: JobKind,
  name: string,
): Promise<{ uid: string; endSeen: number | undefined }> {
  const rec = await ctx.store.get(kind, name);
  if (!rec) throw new NotFoundError(`${kind} "${name}" not found`);
  const ready = getReadyCondition(rec.object.status?.conditions);
  const reason = ready?.reason ?? 'Pending';
  const now = Date.now();
  if (!isTerminal(reason)) return { uid: String(rec.seq), endSeen: undefined };
  return {
    uid: String(rec.seq),
    endSeen: reason === 'Completed' ? Math.min(now, Date.parse(ready?.lastTransitionTime ?? '') || now) : now,
  };
}

/** A job's log from the shared store, wherever it runs; with `follow`, until it has ended. */
export async function* readSharedLog(
  ctx: BuilderContext,
  kind: JobKind,
  name: string,
  options: LogReadOptions,
): AsyncGenerator<string, void, undefined> {
  const logs = ctx.shared!.store.logs;
  const { signal } = options;
  let state = await jobState(ctx, kind, name);
  let endSeen = state.endSeen;
  let next = Math.max(0, options.from ?? 0);
  for (;;) {
    throwIfAborted(signal);
    const lines = await logs.read(kind, name, state.uid, next, PAGE);
    for (const line of lines) {
      yield line;
      next++;
    }
    if (lines.length === PAGE) continue;
    if (!options.follow) return;
    if (endSeen !== undefined && Date.now() - endSeen >= SETTLE_MS) return;
    await sleep(endSeen === undefined ? POLL_MS : SETTLE_MS - (Date.now() - endSeen), signal);
    if (endSeen === undefined) {
      state = await jobState(ctx, kind, name);
      endSeen = state.endSeen;
    }
  }
}

/** A window of a job's log from the shared store (see `ImageBuilder.readLog`). */
export async function sharedLogWindow(
  ctx: BuilderContext,
  kind: JobKind,
  name: string,
  options: LogWindowOptions,
): Promise<LogWindow> {
  const logs = ctx.shared!.store.logs;
  const { uid } = await jobState(ctx, kind, name);
  const total = await logs.count(kind, name, uid);
  const from = Math.min(total, Math.max(0, options.from ?? total - (options.tail ?? DEFAULT_LOG_TAIL)));
  const to = options.limit === undefined ? total : Math.min(total, from + Math.max(0, options.limit));
  async function* lines(): AsyncGenerator<string, void, undefined> {
    for (let at = from; at < to; ) {
      throwIfAborted(options.signal);
      const page = await logs.read(kind, name, uid, at, Math.min(PAGE, to - at));
      if (page.length === 0) return;
      for (const line of page) yield line;
      at += page.length;
    }
  }
  return { from, to, total, lines: lines() };
}
