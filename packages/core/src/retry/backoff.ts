/**
 * Pure retry helpers shared by the SDK's HTTP clients. Each client keeps its own
 * policy (which statuses and methods are retried, how many attempts, defaults).
 */

/** Exponential backoff bounds, in ms. */
export interface BackoffBounds {
  /** First backoff, doubled each retry. */
  baseDelayMs: number;
  /** Cap of one backoff and of an honoured `Retry-After`. */
  maxDelayMs: number;
}

/**
 * Parses a `Retry-After` value (delta-seconds, or an HTTP date) into ms from
 * `now`; undefined when absent or unparsable. A date in the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  if (!/[a-z]/i.test(trimmed)) return undefined; // an HTTP date names its day and month; V8 would read '-5' as a year
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Delay before retry number `attempt` (1-based): the server's `Retry-After`
 * when given (capped at `maxDelayMs`), otherwise `baseDelayMs · 2^(attempt-1)`
 * capped at `maxDelayMs`, with "equal jitter" (a uniform value in [exp/2, exp]).
 */
export function backoffDelay(
  bounds: BackoffBounds,
  attempt: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, bounds.maxDelayMs);
  const exp = Math.min(bounds.baseDelayMs * 2 ** (Math.max(1, attempt) - 1), bounds.maxDelayMs);
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
