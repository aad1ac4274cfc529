import { RetryableStatus, type RetryPolicy } from '@imagebuild/core/retry';

/** The registry client's default: 4 retries (5 attempts in all), 200 ms doubling, 10 s cap. */
export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseDelayMs: 200, maxDelayMs: 10_000 };

/** Statuses worth another attempt of an idempotent request. */
export const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** What a retry log record says about the failure: the status, or the error's code or name. */
export function failureFields(error: unknown): Record<string, string | number> {
  if (error instanceof RetryableStatus) return { status: error.status };
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number') return { status };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return { code };
  return { code: error instanceof Error ? error.name : 'unknown' };
}
