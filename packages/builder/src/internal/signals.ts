import { isMainThread } from 'node:worker_threads';

/** What a signal closes. */
export interface Closable {
  close(): Promise<void>;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type Sig = (typeof SIGNALS)[number];

const open = new Set<Closable>();
let closing = false;
const listeners = new Map<Sig, () => void>();

function install(): void {
  if (listeners.size > 0 || !isMainThread) return;
  for (const sig of SIGNALS) {
    const fn = (): void => onSignal(sig);
    listeners.set(sig, fn);
    process.on(sig, fn);
  }
}

function uninstall(): void {
  for (const [sig, fn] of listeners) process.removeListener(sig, fn);
  listeners.clear();
}

/**
 * Closes every open builder (their running jobs abort and remove what they created), then lets
 * the signal do what it would have done without us: when nobody else listens, it is raised again
 * and ends the process. A second signal while closing ends it at once (the next builder's
 * start-up sweep removes what is left).
 */
function onSignal(sig: Sig): void {
  if (closing) {
    uninstall();
    process.kill(process.pid, sig);
    return;
  }
  closing = true;
  void Promise.allSettled([...open].map((b) => b.close())).then(() => {
    closing = false;
    uninstall();
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    else if (open.size > 0) install();
  });
}

const atExit = new Set<() => void>();
let exitHooked = false;

/**
 * Runs `fn` (synchronous) if the process exits before the returned function is called: a
 * program that ends without `close()` still leaves no folder behind.
 */
export function onExit(fn: () => void): () => void {
  atExit.add(fn);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => {
      for (const f of atExit) {
        try {
          f();
        } catch {
          // exiting anyway
        }
      }
    });
  }
  return () => atExit.delete(fn);
}

/** Closes `builder` on SIGINT/SIGTERM/SIGHUP until the returned function is called. */
export function closeOnSignals(builder: Closable): () => void {
  open.add(builder);
  install();
  return () => {
    open.delete(builder);
    if (open.size === 0 && !closing) uninstall();
  };
}
