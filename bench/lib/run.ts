import { spawn } from 'node:child_process';

export interface RunResult {
  ms: number;
  stdout: string;
  stderr: string;
  /** Peak RSS of the child in bytes, from GNU time (`/usr/bin/time -f %M`), when available. */
  peakRss: number | undefined;
}

/** Runs a command (argv, no shell), timing it; throws with stderr on a non-zero exit. */
export function runTool(cmd: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
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
      resolve({ ms, stdout, stderr, peakRss: m ? Number(m[1]) * 1024 : undefined });
    });
  });
}

/** Runs a Node/TypeScript worker script with tsx (source conditions) and parses its last stdout line as JSON. */
export async function runWorker<T>(script: string, args: readonly string[]): Promise<T & { wallMs: number }> {
  const r = await runTool('npx', ['tsx', '--conditions=@imagebuild/source', script, ...args]);
  const last = r.stdout.trim().split('\n').pop() ?? '{}';
  return { ...(JSON.parse(last) as T), wallMs: r.ms };
}
