import { backoffDelay, parseRetryAfter } from '@imagebuild/core/retry';
import type { RetryOptions } from '../config.js';

export { sleep } from '@imagebuild/core/retry';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const RETRYABLE_STATUS = new Set([408, 429, 502, 503, 504]);

export interface RetryPolicy {
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export function retryPolicy(options: RetryOptions | undefined): RetryPolicy {
  return {
    retries: Math.max(0, options?.retries ?? 2),
    minDelayMs: Math.max(0, options?.minDelayMs ?? 250),
    maxDelayMs: Math.max(0, options?.maxDelayMs ?? 5_000),
  };
}

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method.toUpperCase());
}

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status);
}

/** Delay before attempt `attempt` (1-based retry number), honouring a `Retry-After` header. */
export function retryDelay(policy: RetryPolicy, attempt: number, retryAfter: string | null): number {
  return backoffDelay(
    { baseDelayMs: policy.minDelayMs, maxDelayMs: policy.maxDelayMs },
    attempt,
    parseRetryAfter(retryAfter),
  );
}
