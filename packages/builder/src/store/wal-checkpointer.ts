import { Worker } from 'node:worker_threads';
import {
  WAL_CHECKPOINT_WORKER_SOURCE,
  type WalCheckpointMessage,
  type WalCheckpointWorkerData,
} from './wal-checkpoint-worker.js';

/**
 * Checkpoints a WAL database from a worker thread every `intervalMs` (and when nudged), in place of
 * SQLite's automatic checkpoints, which run inside the committing call on the caller's thread. The
 * worker's code is `walCheckpointWorkerMain` (wal-checkpoint-worker.ts), started from its source.
 */
export class WalCheckpointer {
  readonly #worker: Worker;
  #stopped: Promise<void> | undefined;
  lastError: string | undefined;

  constructor(driver: string, path: string, intervalMs: number, onFailure: () => void) {
    const workerData: WalCheckpointWorkerData = { driver, path, intervalMs };
    this.#worker = new Worker(WAL_CHECKPOINT_WORKER_SOURCE, { eval: true, workerData });
    this.#worker.on('message', (m: { error?: string }) => (this.lastError = m.error));
    this.#worker.on('error', (err) => {
      this.lastError = err.message;
      onFailure();
    });
    this.#worker.unref();
  }

  /** Asks for a checkpoint soon (the WAL has grown). */
  nudge(): void {
    if (!this.#stopped) this.#tell('now');
  }

  /** Stops the worker and closes its connection. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => void this.#worker.terminate().then(() => resolve()), 5000);
      this.#worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#tell('stop');
    });
    return this.#stopped;
  }

  #tell(message: WalCheckpointMessage): void {
    this.#worker.postMessage(message);
  }
}
