/**
 * Runs file operations one at a time, in order. The job logs share one lane, so their disk work
 * (file creation above all, which is costly on some file systems) occupies at most one thread of
 * the libuv pool and never competes with the event loop for more than one CPU.
 */
export class IoLane {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    // the caller gets the error through `result`; the lane goes on with the next task
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
