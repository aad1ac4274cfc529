import { describe, expect, it } from 'vitest';
import { retrying, type RetryEvent } from './retrying.js';

const policy = { retries: 3, baseDelayMs: 1, maxDelayMs: 4 };

describe('retrying', () => {
  it('returns the first success, retrying up to `retries` times', async () => {
    let calls = 0;
    const events: RetryEvent[] = [];
    const value = await retrying(
      policy,
      async ({ attempt }) => {
        calls++;
        if (attempt < 3) throw new Error(`fail ${attempt}`);
        return 'ok';
      },
      { onRetry: (e) => void events.push(e) },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(3);
    expect(events.map((e) => e.retry)).toEqual([1, 2]);
  });
  it('gives up after retries + 1 attempts with the last error, and marks the last attempt', async () => {
    const lasts: boolean[] = [];
    await expect(
      retrying(policy, async ({ attempt, last }) => {
        lasts.push(last);
        throw new Error(`fail ${attempt}`);
      }),
    ).rejects.toThrow('fail 4');
    expect(lasts).toEqual([false, false, false, true]);
  });
  it('stops at an error shouldRetry refuses', async () => {
    let calls = 0;
    await expect(
      retrying(
        policy,
        async () => {
          calls++;
          throw new Error('fatal');
        },
        { shouldRetry: () => false },
      ),
    ).rejects.toThrow('fatal');
    expect(calls).toBe(1);
  });
  it('restarts the count after an attempt that progressed', async () => {
    let calls = 0;
    await expect(
      retrying(
        { ...policy, retries: 1 },
        async () => {
          calls++;
          throw new Error('cut');
        },
        { progressed: () => calls <= 3 },
      ),
    ).rejects.toThrow('cut');
    expect(calls).toBe(4); // three that progressed, then one retry left
  });
  it('honours a Retry-After up to the cap', async () => {
    const delays: number[] = [];
    await expect(
      retrying({ retries: 1, baseDelayMs: 1, maxDelayMs: 3 }, async () => Promise.reject(new Error('x')), {
        retryAfterMs: () => 60_000,
        onRetry: (e) => void delays.push(e.delayMs),
      }),
    ).rejects.toThrow('x');
    expect(delays).toEqual([3]);
  });
  it('rejects with the signal reason when aborted during the wait', async () => {
    const ctl = new AbortController();
    const reason = new Error('stop');
    await expect(
      retrying({ retries: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 }, async () => Promise.reject(new Error('x')), {
        signal: ctl.signal,
        onRetry: () => ctl.abort(reason),
      }),
    ).rejects.toBe(reason);
  });
});
