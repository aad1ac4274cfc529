import type { BackoffBounds } from '@imagebuild/core/retry';

/** The registry client's retry policy: exponential backoff with jitter, honouring `Retry-After`. */
export interface RetryPolicy extends BackoffBounds {
  /** Attempts in total, including the first (default 5). */
  attempts: number;
  /** First backoff in ms (default 200), doubled each time. */
  baseDelayMs: number;
  /** Cap of one backoff and of an honoured Retry-After, in ms (default 10 000). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 10_000 };

/** Statuses worth another attempt of an idempotent request. */
export const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
