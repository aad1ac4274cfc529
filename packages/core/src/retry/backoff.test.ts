import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter, sleep } from './backoff.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delta-seconds and HTTP dates, relative to now', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0); // in the past
  });
  it('ignores absent and garbage values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  const bounds = { baseDelayMs: 100, maxDelayMs: 1000 };
  it('doubles per attempt with equal jitter in [exp/2, exp], capped', () => {
    expect(backoffDelay(bounds, 1, undefined, () => 0)).toBe(50);
    expect(backoffDelay(bounds, 1, undefined, () => 1)).toBe(100);
    expect(backoffDelay(bounds, 3, undefined, () => 1)).toBe(400);
    expect(backoffDelay(bounds, 10, undefined, () => 0)).toBe(500);
    expect(backoffDelay(bounds, 10, undefined, () => 1)).toBe(1000);
  });
  it('honours Retry-After up to the cap', () => {
    expect(backoffDelay(bounds, 1, 700, () => 0)).toBe(700);
    expect(backoffDelay(bounds, 1, 60_000, () => 0)).toBe(1000);
  });
});

describe('sleep', () => {
  it('resolves after the delay', async () => {
    const t0 = Date.now();
    await sleep(20);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(15);
  });
  it('rejects with the signal reason when aborted, before or during the wait', async () => {
    const reason = new Error('stop');
    await expect(sleep(10, AbortSignal.abort(reason))).rejects.toBe(reason);
    const c = new AbortController();
    const p = sleep(60_000, c.signal);
    c.abort(reason);
    await expect(p).rejects.toBe(reason);
  });
});
