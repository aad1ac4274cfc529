import { AbortError, ConflictError } from '@imagebuild/core';
import type { WatchEvent, WatchOptions } from './events.js';

/** One watcher: a queue fed by the hub, consumed as an async iterator. */
class Subscription implements AsyncIterableIterator<WatchEvent> {
  readonly #queue: WatchEvent[] = [];
  #head = 0;
  #wake: (() => void) | undefined;
  #state: 'open' | 'closed' | 'overflow' = 'open';
  readonly #onAbort = (): void => this.#signalWake();

  constructor(
    readonly options: WatchOptions,
    readonly detach: (s: Subscription) => void,
  ) {
    options.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  accepts(ev: WatchEvent): boolean {
    return (this.options.kind === undefined || this.options.kind === ev.kind) && (this.options.name === undefined || this.options.name === ev.name);
  }

  push(ev: WatchEvent): void {
    if (this.#state !== 'open') return;
    if (this.#queue.length - this.#head >= (this.options.maxBuffered ?? 10_000)) this.#state = 'overflow';
    else this.#queue.push(ev);
    this.#signalWake();
  }

  close(): void {
    if (this.#state === 'open') this.#state = 'closed';
    this.#signalWake();
  }

  #signalWake(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  async next(): Promise<IteratorResult<WatchEvent, undefined>> {
    for (;;) {
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
        throw new ConflictError('watch fell behind: more than maxBuffered events were not consumed; start a new watch and re-list');
      }
      if (this.#state === 'closed') return this.#finish();
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  async return(): Promise<IteratorResult<WatchEvent, undefined>> {
    return this.#finish();
  }

  #finish(): IteratorResult<WatchEvent, undefined> {
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
