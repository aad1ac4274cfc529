import { spawn } from 'node:child_process';

export interface RunResult {
  ms: number;
  stdout: string;
  stderr: string;
  /** Peak RSS of the child in bytes, from GNU time (`/usr/bin/time -f %M`), when available. */
  peakRss: number | undefined;
  /** CPU seconds (user + system) of the child, from GNU time, when available. */
  cpuS: number | undefined;
}

/** Runs a command (argv, no shell), timing it; throws with stderr on a non-zero exit. */
export function runTool(
  cmd: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}: ${stderr.slice(-2000)}`));
      const m = /MAXRSS_KB=(\d+)/.exec(stderr);
      const c = /CPU_S=([\d.]+)\+([\d.]+)/.exec(stderr);
      resolve({
        ms,
        stdout,
        stderr,
        peakRss: m ? Number(m[1]) * 1024 : undefined,
        cpuS: c ? Number(c[1]) + Number(c[2]) : undefined,
      });
    });
  });
}

/** Like runTool, under GNU time: the result carries the child's peak RSS and CPU seconds. */
export function runTimed(
  cmd: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return runTool('/usr/bin/time', ['-f', 'MAXRSS_KB=%M CPU_S=%U+%S', cmd, ...args], options);
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Runs a Node/TypeScript worker script with tsx (source conditions) and parses its last stdout line as JSON. */
export async function runWorker<T>(script: string, args: readonly string[]): Promise<T & { wallMs: number }> {
  const r = await runTool('npx', ['tsx', '--conditions=@imagebuild/source', script, ...args]);
  const last = r.stdout.trim().split('\n').pop() ?? '{}';
  return { ...(JSON.parse(last) as T), wallMs: r.ms };
}
