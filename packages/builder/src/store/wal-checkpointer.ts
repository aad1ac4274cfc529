import { Worker } from 'node:worker_threads';

// The worker's code, evaluated as CommonJS in its own thread: a second connection to the database
// that runs PASSIVE checkpoints, so the writes and fsyncs of checkpointing never block the thread
// that serves the builder. A PASSIVE checkpoint takes no lock that writers wait on.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
let stopped = false;
const tick = () => {
  if (stopped) return;
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'now') return tick();
  if (m === 'stop') { stopped = true; clearInterval(timer); db.close(); parentPort.close(); }
});
`;

/**
 * Checkpoints a WAL database from a worker thread every `intervalMs` (and when nudged), in place of
 * SQLite's automatic checkpoints, which run inside the committing call on the caller's thread.
 */
export class WalCheckpointer {
  readonly #worker: Worker;
  #stopped: Promise<void> | undefined;
  lastError: string | undefined;

  constructor(driver: string, path: string, intervalMs: number, onFailure: () => void) {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path, intervalMs } });
    this.#worker.on('message', (m: { error?: string }) => (this.lastError = m.error));
    this.#worker.on('error', (err) => {
      this.lastError = err.message;
      onFailure();
    });
    this.#worker.unref();
  }

  /** Asks for a checkpoint soon (the WAL has grown). */
  nudge(): void {
    if (!this.#stopped) this.#worker.postMessage('now');
  }

  /** Stops the worker and closes its connection. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => void this.#worker.terminate().then(() => resolve()), 5000);
      this.#worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#worker.postMessage('stop');
    });
    return this.#stopped;
  }
}
