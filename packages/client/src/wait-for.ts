import { AbortError, TimeoutError } from '@imagebuild/core';
import { isApiStatus } from './errors.js';
import { sleep } from './internal/retry.js';
import type { ImageBuild, ImageExport, ImagePromotion, Repository } from './types.js';

/** The resource kinds `waitFor` can poll, each mapped to the type it resolves with. */
export interface WaitableKinds {
  /** Read with `imageBuilds.get`. */
  ImageBuild: ImageBuild;
  /** Read with `imageExports.get`. */
  ImageExport: ImageExport;
  /** Read with `imagePromotions.get`. */
  ImagePromotion: ImagePromotion;
  /** Read with `repositories.get` (needs `coreBaseUrl`). */
  Repository: Repository;
}
/** A kind name `waitFor` accepts. */
export type WaitableKind = keyof WaitableKinds;

/** Options of `waitFor`. */
export interface WaitForOptions {
  /** Stops the wait (AbortError). */
  signal?: AbortSignal;
  /** Give up after this long (TimeoutError). Default: wait forever. */
  timeout?: number;
  /** Poll interval. Default 2 s. */
  intervalMs?: number;
  /** Keep polling while the resource does not exist yet (404). Default false. */
  allowNotFound?: boolean;
}

/** Anything with conditions (every resource of these APIs). */
export interface HasConditions {
  /** The resource's status; only the conditions' type and reason are read. */
  status?: { conditions?: ReadonlyArray<{ type: string; reason: string }> | undefined } | undefined;
}

/** The Ready condition's reason, when there is one. */
export function readyReason(resource: HasConditions): string | undefined {
  return resource.status?.conditions?.find((c) => c.type === 'Ready')?.reason;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Canceled']);

/** A predicate for `waitFor`: the Ready reason reached a terminal state (Completed, Failed, Canceled). */
export function isFinished(resource: HasConditions): boolean {
  return TERMINAL.has(readyReason(resource) ?? '');
}

/**
 * Polls `get` until `predicate` holds, returning the resource that satisfied it. Rejects with
 * TimeoutError after `timeout`, AbortError when `signal` aborts, or the ApiError of a failed read.
 */
export async function pollUntil<T>(
  get: (signal: AbortSignal) => Promise<T>,
  predicate: (resource: T) => boolean,
  what: string,
  options: WaitForOptions = {},
): Promise<T> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer =
    options.timeout === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort(new Error('timeout'));
        }, options.timeout);
  try {
    for (;;) {
      try {
        const resource = await get(controller.signal);
        if (predicate(resource)) return resource;
      } catch (err) {
        if (!(options.allowNotFound && isApiStatus(err, 404))) throw err;
      }
      await sleep(options.intervalMs ?? 2000, controller.signal);
    }
  } catch (err) {
    if (timedOut)
      throw new TimeoutError(`waiting for ${what}: condition not met within ${options.timeout} ms`, { cause: err });
    if (options.signal?.aborted)
      throw err instanceof AbortError ? err : new AbortError(`waiting for ${what} aborted`, { cause: err });
    throw err;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
