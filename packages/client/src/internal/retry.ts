import type { RetryPolicy } from '@imagebuild/core/retry';
import type { RetryOptions } from '../config.js';

export { sleep } from '@imagebuild/core/retry';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const RETRYABLE_STATUS = new Set([408, 429, 502, 503, 504]);

/** The client's options as core's one retry policy (defaults: 2 retries, 250 ms doubling, 5 s cap). */
export function retryPolicy(options: RetryOptions | undefined): RetryPolicy {
  return {
    retries: Math.max(0, options?.retries ?? 2),
    baseDelayMs: Math.max(0, options?.minDelayMs ?? 250),
    maxDelayMs: Math.max(0, options?.maxDelayMs ?? 5_000),
  };
}

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method.toUpperCase());
}

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status);
}
