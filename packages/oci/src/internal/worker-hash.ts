import { Worker } from 'node:worker_threads';
import { SdkError } from '@imagebuild/core/errors';

/**
 * sha256 on a worker thread, so that hashing a downloaded blob runs alongside
 * the socket reads and file writes instead of after each of them. Bytes in a
 * `SharedArrayBuffer` are shared with the worker (no copy); other bytes are
 * copied. The worker hashes in the order of the calls; `update` resolves once
 * it has read the bytes (a shared slab may be reused from then on).
 *
 * The worker is inline source (`eval`), so it loads the same way from the ESM
 * and CJS builds and from source, with no separate file to ship.
 */
const SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let hash = createHash('sha256');
parentPort.on('message', (m) => {
  if (m.t === 'u') { hash.update(m.b); parentPort.postMessage(0); }
  else if (m.t === 'r') hash = createHash('sha256');
  else if (m.t === 'd') parentPort.postMessage(hash.digest('hex'));
});
`;

export class WorkerHash {
  readonly #worker: Worker;
  /** Resolvers of the messages in flight, in order (acks, then a digest). */
  readonly #pending: { resolve: (v: number | string) => void; reject: (e: Error) => void }[] = [];
  #failed: Error | undefined;
  #closed = false;

  constructor() {
    this.#worker = new Worker(SOURCE, { eval: true });
    this.#worker.unref();
    this.#worker.on('message', (v: number | string) => this.#pending.shift()?.resolve(v));
    const fail = (err: Error): void => {
      if (this.#closed) return;
      this.#failed ??= new SdkError('INTERNAL', `sha256 worker failed: ${err.message}`, { cause: err });
      for (const p of this.#pending.splice(0)) p.reject(this.#failed);
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
  }

  #ask(message: object, transfer: ArrayBuffer[] = []): Promise<number | string> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closed) return Promise.reject(new SdkError('INTERNAL', 'sha256 worker already closed'));
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#worker.postMessage(message, transfer);
    });
  }

  /** Appends `bytes`; resolves once the worker has hashed them. */
  async update(bytes: Uint8Array): Promise<void> {
    if (bytes.buffer instanceof SharedArrayBuffer) {
      await this.#ask({ t: 'u', b: bytes });
    } else {
      const copy = new Uint8Array(bytes); // a copy (Buffer#slice would be a view)
      await this.#ask({ t: 'u', b: copy }, [copy.buffer as ArrayBuffer]);
    }
  }

  /** Starts over with no bytes hashed (ordered after the updates before it). */
  reset(): void {
    if (!this.#failed && !this.#closed) this.#worker.postMessage({ t: 'r' });
  }

  /** `sha256:<hex>` of everything since the last reset. */
  async digest(): Promise<string> {
    return `sha256:${String(await this.#ask({ t: 'd' }))}`;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending.splice(0);
    await this.#worker.terminate();
  }
}
