/** The signals a command may turn into a graceful stop. */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type StopSignal = (typeof SIGNALS)[number];

const listeners = new Set<(signal: StopSignal) => void>();
let installed = false;

/**
 * Takes over the stop signals as the process starts (before the heavy imports), so a Ctrl-C at
 * any moment reaches the running command; with no command listening, the process exits at once (130).
 */
export function installSignalHub(): void {
  if (installed) return;
  installed = true;
  for (const s of SIGNALS)
    process.on(s, () => {
      if (listeners.size === 0) {
        process.stderr.write('interrupted\n');
        process.exit(130); // EXIT.INTERRUPTED, without importing what this must load before
      }
      for (const l of [...listeners]) l(s);
    });
}

/** Calls `fn` on SIGINT, SIGTERM or SIGHUP while subscribed; returns the unsubscribe function. */
export function onStopSignal(fn: (signal: StopSignal) => void): () => void {
  installSignalHub();
  listeners.add(fn);
  return () => listeners.delete(fn);
}
