import { backoffDelay, sleep } from './backoff.js';

/**
 * How often and how patiently a call is retried: exponential backoff with equal jitter,
 * honouring a server's `Retry-After` up to `maxDelayMs`.
 */
export interface RetryPolicy {
  /** Extra attempts after the first (0: never retried). */
  retries: number;
  /** First backoff in ms, doubled each retry. */
  baseDelayMs: number;
  /** Cap of one backoff and of an honoured `Retry-After`, in ms. */
  maxDelayMs: number;
}

/** One retry about to happen, as `onRetry` sees it. */
export interface RetryEvent {
  /** The retry's number (1 for the second attempt). */
  retry: number;
  /** Wait before the next attempt, in ms. */
  delayMs: number;
  /** What the failed attempt threw. */
  error: unknown;
}

/** What one attempt knows about its place in the loop. */
export interface AttemptInfo {
  /** 1 for the first attempt. */
  attempt: number;
  /** No retry follows this attempt whatever it throws (it may return an answer it would otherwise retry). */
  last: boolean;
}

/** How `retrying` decides, waits and reports: which errors to retry, the server's delay, progress. */
export interface RetryingOptions {
  /** Aborts the wait between attempts (rejecting with the signal's reason); each attempt watches it too. */
  signal?: AbortSignal | undefined;
  /** Whether an attempt's error is worth another attempt. Default: every error is. */
  shouldRetry?: ((error: unknown) => boolean) | undefined;
  /** A server's wish of delay (`Retry-After`) carried by the error, in ms. */
  retryAfterMs?: ((error: unknown) => number | undefined) | undefined;
  /**
   * True when the failed attempt moved the work forward (a resumed transfer received bytes):
   * the retry count then starts again, so a long transfer over a flaky link is not cut short.
   */
  progressed?: (() => boolean) | undefined;
  /** Called before each wait (to log, or to prepare the next attempt). */
  onRetry?: ((event: RetryEvent) => void | Promise<void>) | undefined;
  /** Jitter source (tests). */
  random?: (() => number) | undefined;
}

/**
 * The SDK's one retry loop: runs `attempt` until it returns, an error is not worth retrying, or
 * `policy.retries` retries are spent; then rethrows the last error as it is.
 */
export async function retrying<T>(
  policy: RetryPolicy,
  attempt: (info: AttemptInfo) => Promise<T>,
  options: RetryingOptions = {},
): Promise<T> {
  const retries = Math.max(0, Math.floor(policy.retries));
  let retry = 0;
  for (let n = 1; ; n++) {
    try {
      return await attempt({ attempt: n, last: retry >= retries });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (options.progressed?.()) retry = 0;
      if (retry >= retries || options.shouldRetry?.(error) === false) throw error;
      retry++;
      const delayMs = backoffDelay(policy, retry, options.retryAfterMs?.(error), options.random);
      await options.onRetry?.({ retry, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}

/**
 * Thrown by an attempt that got a status worth retrying (and is not the last attempt): the loop's
 * `shouldRetry` accepts it and `retryAfterMs` reads the server's wish from it. Never leaves the loop.
 */
export class RetryableStatus extends Error {
  constructor(
    /** The HTTP status that asked for a retry (e.g. 429, 503). */
    readonly status: number,
    /** The response's `Retry-After`, in ms, when it sent one. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}`);
  }
}
