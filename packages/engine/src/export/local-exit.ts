import { readFile, watch } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT_FILE } from './converter-script.js';

/**
 * The converter script's exit status, seen the moment it writes `EXIT_FILE` into the output volume
 * (inotify on the volume's mount point, a runner on the engine's host only): podman's log stream
 * polls its file every 250 ms, so the last log line can come that much after the end. Resolves with
 * the status written with this run's marker; stays pending otherwise (the log and the engine's wait
 * still tell the end) and when `signal` aborts. The watch never keeps the process alive.
 */
export function watchExitFile(dir: string, marker: string, signal: AbortSignal): Promise<number> {
  const file = join(dir, EXIT_FILE);
  const pattern = /^([0-9a-f]{32}) (\d{1,3})$/;
  const read = async (): Promise<number | undefined> => {
    // not there yet, or being written: the next event reads it again
    const text = await readFile(file, 'utf8').catch(() => '');
    const m = pattern.exec(text);
    return m && m[1] === marker ? Number(m[2]) : undefined;
  };
  return new Promise<number>((resolve) => {
    void (async () => {
      try {
        for await (const ev of watch(dir, { signal, persistent: false })) {
          if (ev.filename !== EXIT_FILE) continue;
          const code = await read();
          if (code !== undefined) return resolve(code);
        }
      } catch {
        // aborted, or the directory cannot be watched: the other ways of seeing the end remain
      }
    })();
  });
}
