// A progress display for builder jobs: one updating line on a TTY, plain lines otherwise.
import type { ImageBuilder, JobKind } from '@imagebuild/builder';

export interface Progress {
  /** Records a phase change of a job. */
  phase(kind: JobKind, name: string, phase: string): void;
  /** Shows a log line of a job. */
  line(kind: JobKind, name: string, text: string): void;
  /** Clears the live line (before printing normal output). */
  done(): void;
  /** Per-phase durations seen so far: `[kind, phase, ms]`. */
  readonly timings: Array<[string, string, number]>;
}

export function progress(out: NodeJS.WriteStream = process.stdout): Progress {
  const tty = out.isTTY === true;
  const started = Date.now();
  const current = new Map<string, { phase: string; since: number }>();
  const timings: Array<[string, string, number]> = [];
  let last = '';
  const render = (): void => {
    if (!tty) return;
    const secs = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
    const jobs = [...current]
      .map(([k, v]) => `${k.split('/')[0]} ${v.phase} ${((Date.now() - v.since) / 1000).toFixed(0)}s`)
      .join(' | ');
    const width = (out.columns ?? 100) - 1;
    out.write(`\r\x1b[2K${`[${secs}s] ${jobs}  ${last}`.slice(0, width)}`);
  };
  const timer = tty ? setInterval(render, 250) : undefined;
  timer?.unref();
  return {
    timings,
    phase(kind, name, phase) {
      const key = `${kind}/${name}`;
      const prev = current.get(key);
      if (prev) timings.push([kind, prev.phase, Date.now() - prev.since]);
      current.set(key, { phase, since: Date.now() });
      if (tty) render();
      else out.write(`${new Date().toISOString()} ${kind} ${name}: ${phase}\n`);
    },
    line(kind, _name, text) {
      last = text.replace(/\s+/g, ' ').trim();
      if (tty) render();
      else out.write(`  ${kind === 'ImageBuild' ? 'build ' : 'export'} | ${text}\n`);
    },
    done() {
      if (timer) clearInterval(timer);
      if (tty) out.write('\r\x1b[2K');
    },
  };
}

/** Follows a job's log into the display until the job ends. */
export async function followLogs(builder: ImageBuilder, kind: JobKind, name: string, p: Progress): Promise<void> {
  for await (const line of builder.logs(kind, name, { follow: true })) p.line(kind, name, line);
}
