import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { HASH_WORKER_SOURCE, type HashWorkerMessage } from './hash-worker.js';

/**
 * An incremental sha256 for a download. `update` hashes the bytes in call
 * order; when it returns a promise, the caller must not change the bytes until
 * it settles (the worker is still reading them); `undefined` means the bytes
 * were consumed at once.
 */
export interface StreamHash {
  update(bytes: Uint8Array): Promise<void> | undefined;
  /** Starts over with no bytes hashed (ordered after the updates before it). */
  reset(): void;
  /** `sha256:<hex>` of everything since the last reset; the hash is finished. */
  digest(): Promise<string>;
  /** Drops the hash (no digest). */
  discard(): void;
}

/** sha256 on this thread. */
export function inlineHash(): StreamHash {
  let hash = createHash('sha256');
  return {
    update(bytes) {
      hash.update(bytes);
      return undefined;
    },
    reset() {
      hash = createHash('sha256');
    },
    digest: () => Promise.resolve(`sha256:${hash.digest('hex')}`),
    discard() {},
  };
}

/*
 * One worker thread per process hashes every large download's bytes, so that
 * the sha256 (~0.6 s/GiB with SHA-NI here) runs alongside the socket reads and
 * the disk writes instead of between them. Bytes in a SharedArrayBuffer are
 * read in place (the download slabs are shared memory); others are copied.
 * The worker answers in the order it was asked, so one FIFO of resolvers
 * serves every stream. Its code is `hashWorkerMain` (hash-worker.ts), started
 * from its own source text. It keeps the process alive only while it owes an
 * answer.
 */
interface Pending {
  resolve: (v: number | string) => void;
  reject: (e: Error) => void;
}

class HashWorker {
  readonly worker: Worker;
  readonly pending: Pending[] = [];
  dead: Error | undefined;

  constructor(onDeath: () => void) {
    this.worker = new Worker(HASH_WORKER_SOURCE, { eval: true, name: 'imagebuild-sha256' });
    this.worker.unref();
    this.worker.on('message', (v: number | string) => {
      this.pending.shift()?.resolve(v);
      if (this.pending.length === 0) this.worker.unref();
    });
    const die = (err: Error): void => {
      if (this.dead) return;
      this.dead = new Error(`sha256 worker stopped: ${err.message}`, { cause: err });
      onDeath();
      for (const p of this.pending.splice(0)) p.reject(this.dead);
    };
    this.worker.on('error', die);
    this.worker.on('exit', (code) => die(new Error(`exit code ${code}`)));
  }

  ask(message: HashWorkerMessage, transfer: ArrayBuffer[] = []): Promise<number | string> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) this.worker.ref();
      this.pending.push({ resolve, reject });
      this.worker.postMessage(message, transfer);
    });
  }

  tell(message: HashWorkerMessage): void {
    if (!this.dead) this.worker.postMessage(message);
  }
}

let shared: HashWorker | undefined;
let nextId = 1;

function hashWorker(): HashWorker {
  shared ??= new HashWorker(() => {
    shared = undefined;
  });
  return shared;
}

/** sha256 on the shared worker thread; inline when a worker cannot be started. */
export function workerHash(): StreamHash {
  let w: HashWorker;
  try {
    w = hashWorker();
  } catch {
    // No worker here (e.g. a sandbox without worker_threads): the same hash, on this thread.
    return inlineHash();
  }
  const id = nextId++;
  return {
    update(bytes) {
      if (bytes.buffer instanceof SharedArrayBuffer) return w.ask({ op: 'u', id, b: bytes }).then(() => undefined);
      const copy = new Uint8Array(bytes); // the caller may reuse its buffer at once; the copy moves to the worker
      return w.ask({ op: 'u', id, b: copy }, [copy.buffer]).then(() => undefined);
    },
    reset() {
      w.tell({ op: 'r', id });
    },
    digest: async () => `sha256:${String(await w.ask({ op: 'd', id }))}`,
    discard() {
      w.tell({ op: 'x', id });
    },
  };
}
