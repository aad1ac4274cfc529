import { AbortError, ConflictError } from '@imagebuild/core';
import type { WatchEvent, WatchOptions } from './events.js';

type Result = IteratorResult<WatchEvent, undefined>;

/**
 * One watcher: a queue fed by the hub, consumed as an async iterator. A consumer already waiting in
 * `next()` is handed the event directly by `push`, with no extra hop.
 */
class Subscription implements AsyncIterableIterator<WatchEvent> {
  readonly #queue: WatchEvent[] = [];
  #head = 0;
  #waiter: { resolve: (r: Result) => void; reject: (e: unknown) => void } | undefined;
  #state: 'open' | 'closed' | 'overflow' = 'open';
  readonly #onAbort = (): void => this.#settleWaiter();

  constructor(
    readonly options: WatchOptions,
    readonly detach: (s: Subscription) => void,
  ) {
    options.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  accepts(ev: WatchEvent): boolean {
    return (
      (this.options.kind === undefined || this.options.kind === ev.kind) &&
      (this.options.name === undefined || this.options.name === ev.name)
    );
  }

  push(ev: WatchEvent): void {
    if (this.#state !== 'open') return;
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w.resolve({ value: ev, done: false });
      return;
    }
    if (this.#queue.length - this.#head >= (this.options.maxBuffered ?? 10_000)) this.#state = 'overflow';
    else this.#queue.push(ev);
  }

  close(): void {
    if (this.#state === 'open') this.#state = 'closed';
    this.#settleWaiter();
  }

  /** Ends a pending `next()` per the current state (abort, overflow, closed). */
  #settleWaiter(): void {
    const w = this.#waiter;
    if (!w) return;
    this.#waiter = undefined;
    try {
      w.resolve(this.#take()!);
    } catch (err) {
      w.reject(err);
    }
  }

  /** The next result now, or undefined when the consumer has to wait. Throws on abort and overflow. */
  #take(): Result | undefined {
    if (this.options.signal?.aborted) {
      this.#finish();
      throw new AbortError('watch aborted');
    }
    if (this.#head < this.#queue.length) {
      const value = this.#queue[this.#head++]!;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#head);
        this.#head = 0;
      }
      return { value, done: false };
    }
    if (this.#state === 'overflow') {
      this.#finish();
      throw new ConflictError(
        'watch fell behind: more than maxBuffered events were not consumed; start a new watch and re-list',
      );
    }
    if (this.#state === 'closed') return this.#finish();
    return undefined;
  }

  next(): Promise<Result> {
    try {
      const now = this.#take();
      if (now) return Promise.resolve(now);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#waiter)
      return Promise.reject(new TypeError('watch: next() called again before the previous call settled'));
    return new Promise<Result>((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  async return(): Promise<Result> {
    const r = this.#finish();
    this.#settleWaiter();
    return r;
  }

  #finish(): Result {
    this.#state = 'closed';
    this.options.signal?.removeEventListener('abort', this.#onAbort);
    this.detach(this);
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** Fans builder events out to watchers. Subscribing is synchronous: no event after `watch()` returns is missed. */
export class EventHub {
  readonly #subs = new Set<Subscription>();

  publish(ev: WatchEvent): void {
    for (const s of this.#subs) if (s.accepts(ev)) s.push(ev);
  }

  watch(options: WatchOptions = {}): AsyncIterableIterator<WatchEvent> {
    const sub = new Subscription(options, (s) => this.#subs.delete(s));
    this.#subs.add(sub);
    return sub;
  }

  /** Ends every watch (they finish normally after draining). */
  closeAll(): void {
    for (const s of this.#subs) s.close();
  }

  get size(): number {
    return this.#subs.size;
  }
}
