import type { Logger } from '@imagebuild/core';
import type { EventHub } from '../watch/event-hub.js';
import type { LogBook } from '../logs/log-book.js';
import type { Store } from '../store/store.js';
import type { CredentialSealer } from './credentials.js';
import type { JobKind } from '../watch/events.js';

/** Shared state of one ImageBuilder, passed to its internal parts. */
export interface BuilderContext {
  readonly store: Store;
  readonly hub: EventHub;
  readonly logs: LogBook;
  readonly sealer: CredentialSealer;
  /** Last known Ready reason of every job (this process is the store's only writer). */
  readonly reasons: Map<string, string>;
  /** Called when a job reaches a terminal state or is deleted. */
  readonly settled: Map<string, Set<() => void>>;
  /** Receives job-pipeline failures no caller sees (component `jobs`). */
  readonly logger: Logger;
}

export const jobKey = (kind: JobKind, name: string): string => `${kind}/${name}`;

/** Resolves when the job is terminal or gone, or after `timeoutMs` (resolves false then). */
export function waitSettled(
  ctx: BuilderContext,
  kind: JobKind,
  name: string,
  isSettled: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
  if (isSettled()) return Promise.resolve(true);
  const key = jobKey(kind, name);
  return new Promise((resolve) => {
    let set = ctx.settled.get(key);
    if (!set) {
      set = new Set();
      ctx.settled.set(key, set);
    }
    const done = (): void => {
      clearTimeout(timer);
      set.delete(done);
      if (set.size === 0 && ctx.settled.get(key) === set) ctx.settled.delete(key);
      resolve(true);
    };
    const timer = setTimeout(() => {
      set.delete(done);
      resolve(false);
    }, timeoutMs);
    timer.unref?.();
    set.add(done);
  });
}

/** Wakes the waiters of a job that became terminal or was deleted. */
export function notifySettled(ctx: BuilderContext, kind: JobKind, name: string): void {
  const set = ctx.settled.get(jobKey(kind, name));
  if (set) for (const fn of [...set]) fn();
}
