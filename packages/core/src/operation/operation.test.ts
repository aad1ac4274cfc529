import { describe, expect, it } from 'vitest';
import { AbortError, BuildError, type SdkError } from '../errors/index.js';
import { Operation, throwIfAborted } from './operation.js';

interface Events {
  progress: [n: number];
}

describe('Operation', () => {
  it('emits typed events to listeners attached after construction and resolves done()', async () => {
    const op = new Operation<string, Events>(async ({ emit }) => {
      emit('progress', 1);
      emit('progress', 2);
      return 'ok';
    });
    const seen: number[] = [];
    let ended: SdkError | undefined | null = null;
    op.on('progress', (n) => seen.push(n));
    op.on('end', (e) => (ended = e));
    await expect(op.done()).resolves.toBe('ok');
    expect(seen).toEqual([1, 2]);
    expect(ended).toBeUndefined();
  });

  it('wraps failures as SdkErrors and keeps SdkErrors as they are', async () => {
    const plain = new Operation(async () => {
      throw new Error('kaput');
    });
    await expect(plain.done()).rejects.toMatchObject({ code: 'INTERNAL', message: 'kaput' });
    const typed = new Operation(async () => {
      throw new BuildError('step 3 failed');
    });
    await expect(typed.done()).rejects.toBeInstanceOf(BuildError);
  });

  it('abort() signals the body and rejects done() with AbortError', async () => {
    let sawAbort = false;
    const op = new Operation<void>(
      ({ signal }) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            sawAbort = true;
            reject(new Error('interrupted'));
          });
        }),
    );
    await Promise.resolve();
    op.abort();
    await expect(op.done()).rejects.toBeInstanceOf(AbortError);
    expect(sawAbort).toBe(true);
    expect(op.aborted).toBe(true);
  });

  it("follows the caller's signal, even one aborted before start", async () => {
    const ac = new AbortController();
    ac.abort('user gave up');
    let ran = false;
    const op = new Operation(
      async () => {
        ran = true;
      },
      { signal: ac.signal },
    );
    await expect(op.done()).rejects.toMatchObject({ code: 'ABORTED', message: 'operation aborted: user gave up' });
    expect(ran).toBe(false);
  });

  it('abort after completion changes nothing; throwIfAborted throws only when aborted', async () => {
    const op = new Operation(async () => 1);
    await op.done();
    op.abort();
    expect(op.aborted).toBe(false);
    await expect(op.done()).resolves.toBe(1);
    expect(() => throwIfAborted(undefined)).not.toThrow();
    const ac = new AbortController();
    expect(() => throwIfAborted(ac.signal)).not.toThrow();
    ac.abort();
    expect(() => throwIfAborted(ac.signal)).toThrow(AbortError);
  });
});
