/** What the checkpoint worker is started with (`workerData`). */
export interface WalCheckpointWorkerData {
  /** Resolved path of the SQLite driver module (better-sqlite3 or a compatible one). */
  driver: string;
  /** The database file. */
  path: string;
  /** Time between checkpoints (ms). */
  intervalMs: number;
}

/** A message to the worker: checkpoint now, or stop and close the connection. */
export type WalCheckpointMessage = 'now' | 'stop';

/** The part of `worker_threads.parentPort` the worker uses. */
interface Port {
  on(event: 'message', listener: (m: WalCheckpointMessage) => void): unknown;
  postMessage(value: { error: string }): void;
  close(): void;
}

/** The part of the driver's `Database` the worker uses. */
type DatabaseConstructor = new (
  path: string,
) => {
  pragma(source: string): unknown;
  close(): void;
};

/**
 * The worker's body, a real function that tsc and the linter check: a second connection to the
 * database that runs PASSIVE checkpoints, so the writes and fsyncs of checkpointing never block the
 * thread that serves the builder (a PASSIVE checkpoint takes no lock that writers wait on). It runs
 * in the worker from its own source text (`WAL_CHECKPOINT_WORKER_SOURCE`), so it must stay
 * self-contained: no reference to anything outside it, everything it needs comes in as an argument.
 * A failed checkpoint is reported as `{ error }` and tried again at the next tick.
 */
export function walCheckpointWorkerMain(
  port: Port,
  data: WalCheckpointWorkerData,
  Database: DatabaseConstructor,
): void {
  const db = new Database(data.path);
  db.pragma('busy_timeout = 5000');
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      port.postMessage({ error: String((err as { message?: unknown } | undefined)?.message || err) });
    }
  };
  const timer = setInterval(tick, data.intervalMs);
  port.on('message', (m) => {
    if (m === 'now') return tick();
    if (m === 'stop') {
      stopped = true;
      clearInterval(timer);
      db.close();
      port.close();
    }
  });
}

/**
 * The worker's source for `new Worker(source, { eval: true, workerData })`: `walCheckpointWorkerMain`
 * as compiled into whichever build is running (ESM, CJS, tsx or vitest from source), so there is no
 * worker file to locate or ship. `__name` is defined because esbuild's `keepNames` (tsx) wraps
 * functions in it. The driver is loaded in the worker by the path in `workerData.driver`.
 */
export const WAL_CHECKPOINT_WORKER_SOURCE = `var __name = (f) => f;
const { parentPort, workerData } = require('node:worker_threads');
(${walCheckpointWorkerMain.toString()})(parentPort, workerData, require(workerData.driver));`;
