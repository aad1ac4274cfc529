import type { createHash as CreateHash } from 'node:crypto';

/** A message to the hash worker: update, reset, digest or drop stream `id`. */
export type HashWorkerMessage =
  | { op: 'u'; id: number; b: Uint8Array }
  | { op: 'r'; id: number }
  | { op: 'd'; id: number }
  | { op: 'x'; id: number };

/** The part of `worker_threads.parentPort` the worker uses. */
interface Port {
  on(event: 'message', listener: (m: HashWorkerMessage) => void): unknown;
  postMessage(value: number | string): void;
}

/**
 * The hash worker's body, a real function that tsc and the linter check. It runs in the worker from
 * its own source text (`HASH_WORKER_SOURCE`), so it must stay self-contained: no reference to
 * anything outside it, everything it needs comes in as an argument. Each `u` is answered with 0 once
 * hashed (the caller may reuse the bytes then), each `d` with the hex digest, in the order asked.
 */
export function hashWorkerMain(port: Port, createHash: typeof CreateHash): void {
  const streams = new Map<number, ReturnType<typeof CreateHash>>();
  port.on('message', (m) => {
    if (m.op === 'u') {
      let h = streams.get(m.id);
      if (!h) {
        h = createHash('sha256');
        streams.set(m.id, h);
      }
      h.update(m.b);
      port.postMessage(0);
    } else if (m.op === 'd') {
      const h = streams.get(m.id) ?? createHash('sha256');
      streams.delete(m.id);
      port.postMessage(h.digest('hex'));
    } else {
      streams.delete(m.id); // 'r' (reset: the next update starts a new hash) and 'x' (drop)
    }
  });
}

/**
 * The worker's source for `new Worker(source, { eval: true })`: `hashWorkerMain` as compiled into
 * whichever build is running (ESM, CJS, tsx or vitest from source), so there is no worker file to
 * locate or ship. `__name` is defined because esbuild's `keepNames` (tsx) wraps functions in it.
 */
export const HASH_WORKER_SOURCE = `var __name = (f) => f;
(${hashWorkerMain.toString()})(require('node:worker_threads').parentPort, require('node:crypto').createHash);`;
