import { EventEmitter } from 'eventemitter3';
import { AbortError, SdkError } from '../errors/index.js';

/** Events every long operation emits, merged with its own. */
export interface OperationBaseEvents {
  /** The operation ended; `error` is set unless it succeeded. */
  end: [error: SdkError | undefined];
}

/** What the body of an operation receives. */
export interface OperationScope<E extends object> {
  /** Aborted when `abort()` is called or the caller's signal fires. */
  readonly signal: AbortSignal;
  /** Emits one of the operation's typed events. */
  emit<K extends keyof E & string>(event: K, ...args: E[K] extends unknown[] ? E[K] : never): void;
}

/** Options of an `Operation`. */
export interface OperationOptions {
  /** The caller's signal: aborting it aborts the operation. */
  signal?: AbortSignal | undefined;
}

type EventMap<E> = { [K in keyof E]: E[K] extends unknown[] ? E[K] : never };

/**
 * A long operation as an object (in the manner of AWS SDK v3's `Upload`):
 * typed events, `done()` resolving to the result, `abort()`. The body starts
 * on the next microtask, so listeners attached right after construction see
 * every event. Errors thrown by the body reject `done()` as SdkErrors.
 */
export class Operation<R, E extends object = object> extends EventEmitter<EventMap<E & OperationBaseEvents>> {
  readonly #controller = new AbortController();
  readonly #promise: Promise<R>;
  #settled = false;

  constructor(
    body: (ctx: OperationScope<E>) => Promise<R>,
    options: OperationOptions = {},
    wrap: (err: unknown) => SdkError = defaultWrap,
  ) {
    super();
    const external = options.signal;
    const onExternalAbort = (): void => this.abort(external?.reason);
    if (external?.aborted) this.#controller.abort(external.reason);
    else external?.addEventListener('abort', onExternalAbort, { once: true });

    const ctx: OperationScope<E> = {
      signal: this.#controller.signal,
      emit: (event, ...args) => {
        (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
      },
    };
    this.#promise = Promise.resolve()
      .then(() => {
        if (this.#controller.signal.aborted) throw abortErrorFrom(this.#controller.signal);
        return body(ctx);
      })
      .then(
        (result) => {
          this.#settle(external, onExternalAbort, undefined);
          return result;
        },
        (err: unknown) => {
          const error =
            this.#controller.signal.aborted && !(err instanceof SdkError && err.code !== 'ABORTED')
              ? abortErrorFrom(this.#controller.signal, err)
              : wrap(err);
          this.#settle(external, onExternalAbort, error);
          throw error;
        },
      );
    // Avoid unhandled-rejection noise when the caller only listens to events.
    this.#promise.catch(() => undefined);
  }

  #settle(external: AbortSignal | undefined, listener: () => void, error: SdkError | undefined): void {
    this.#settled = true;
    external?.removeEventListener('abort', listener);
    (this.emit as (e: string, ...a: unknown[]) => boolean)('end', error);
  }

  /** Resolves with the result, or rejects with an SdkError (`AbortError` when aborted). */
  done(): Promise<R> {
    return this.#promise;
  }

  /** Requests cancellation; `done()` then rejects with `AbortError` once the work has stopped and cleaned up. */
  abort(reason?: unknown): void {
    if (!this.#settled && !this.#controller.signal.aborted) this.#controller.abort(reason ?? new AbortError());
  }

  /** True once `abort()` was called or the caller's signal fired. */
  get aborted(): boolean {
    return this.#controller.signal.aborted;
  }
}

function defaultWrap(err: unknown): SdkError {
  if (err instanceof SdkError) return err;
  return new SdkError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
}

function abortErrorFrom(signal: AbortSignal, cause?: unknown): AbortError {
  if (signal.reason instanceof AbortError) return signal.reason;
  const why =
    signal.reason instanceof Error
      ? signal.reason.message
      : typeof signal.reason === 'string'
        ? signal.reason
        : undefined;
  return new AbortError(why ? `operation aborted: ${why}` : 'operation aborted', { cause: cause ?? signal.reason });
}

/** Throws an AbortError if the signal is aborted (for use at await points inside operation bodies). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortErrorFrom(signal);
}
