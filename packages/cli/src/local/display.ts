import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import pc from 'picocolors';

/** What the local `build` reports while it runs; three renderings (TTY, plain lines, JSON lines). */
export interface Display {
  phase(kind: string, name: string, phase: string, message?: string): void;
  download(name: string, bytesDone: number, bytesTotal: number | undefined): void;
  downloaded(name: string, file: string, size: number, digest: string): void;
  info(message: string): void;
  event(value: Record<string, unknown>): void;
  stop(): void;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Canceled']);

function colorPhase(phase: string): string {
  if (phase === 'Completed') return pc.green(phase);
  if (phase === 'Failed' || phase === 'Canceled') return pc.red(phase);
  return pc.yellow(phase);
}

export function jsonDisplay(write: (line: string) => void): Display {
  const emit = (value: Record<string, unknown>): void =>
    write(`${JSON.stringify({ time: new Date().toISOString(), ...value })}\n`);
  const lastPct = new Map<string, number>();
  return {
    phase: (kind, name, phase, message) => emit({ type: 'phase', kind, name, phase, ...(message ? { message } : {}) }),
    download: (name, bytesDone, bytesTotal) => {
      // One event per whole percent keeps a multi-GiB download to ~100 lines.
      const pct = bytesTotal ? Math.floor((bytesDone * 100) / bytesTotal) : -1;
      if (pct === lastPct.get(name)) return;
      lastPct.set(name, pct);
      emit({ type: 'download', name, bytesDone, bytesTotal: bytesTotal ?? null });
    },
    downloaded: (name, file, size, digest) => emit({ type: 'downloaded', name, file, size, digest }),
    info: (message) => emit({ type: 'info', message }),
    event: emit,
    stop: () => undefined,
  };
}

export function plainDisplay(write: (line: string) => void): Display {
  const lastPct = new Map<string, number>();
  return {
    phase: (kind, name, phase, message) =>
      write(
        `${kind} ${name}: ${phase}${message && TERMINAL.has(phase) && phase !== 'Completed' ? ` (${message})` : ''}\n`,
      ),
    download: (name, bytesDone, bytesTotal) => {
      const pct = bytesTotal ? Math.floor((bytesDone * 4) / bytesTotal) * 25 : -1; // 0, 25, 50, 75, 100 %
      if (pct === lastPct.get(name)) return;
      lastPct.set(name, pct);
      write(`download ${name}: ${bytesDone}${bytesTotal ? `/${bytesTotal}` : ''} bytes\n`);
    },
    downloaded: (name, file, size, digest) => write(`download ${name}: ${file} (${size} bytes, ${digest}, verified)\n`),
    info: (message) => write(`${message}\n`),
    event: () => undefined,
    stop: () => undefined,
  };
}

/** Live bars on a terminal (cli-progress): one line per job, byte bars for downloads. */
export function ttyDisplay(stream: NodeJS.WriteStream): Display {
  const multi = new MultiBar(
    {
      stream,
      format: '{label} {bar} {status}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      autopadding: true,
      formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? String(v) : String(v)),
    },
    Presets.shades_grey,
  );
  const bars = new Map<string, SingleBar>();
  let stopped = false;
  const bar = (key: string, label: string, total: number): SingleBar => {
    let b = bars.get(key);
    if (!b) {
      b = multi.create(total, 0, { label: label.padEnd(40).slice(0, 40), status: '' });
      bars.set(key, b);
    }
    return b;
  };
  return {
    phase: (kind, name, phase, message) => {
      const b = bar(`${kind}/${name}`, `${kind === 'ImageBuild' ? 'build ' : 'export'} ${name}`, 1);
      const failed = phase === 'Failed' && message ? ` ${pc.dim(message.slice(0, 60))}` : '';
      b.update(TERMINAL.has(phase) ? 1 : 0, { status: `${colorPhase(phase)}${failed}` });
    },
    download: (name, bytesDone, bytesTotal) => {
      const b = bar(`download/${name}`, `download ${name}`, bytesTotal ?? 0);
      if (bytesTotal) b.setTotal(bytesTotal);
      b.update(bytesDone, {
        status: `${(bytesDone / 1048576).toFixed(1)}/${bytesTotal ? (bytesTotal / 1048576).toFixed(1) : '?'} MiB`,
      });
    },
    downloaded: (name, file, size) => {
      const b = bar(`download/${name}`, `download ${name}`, size);
      b.update(size, { status: `${pc.green('verified')} ${file}` });
    },
    info: (message) => multi.log(`${message}\n`),
    event: () => undefined,
    stop: () => {
      if (stopped) return;
      stopped = true;
      multi.stop();
    },
  };
}
