import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('./fixtures/signal-child.ts', import.meta.url));

function runAndInterrupt(arg: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=@imagebuild/source', child, arg], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let sent = false;
  const collect = (d: Buffer): void => {
    out += d.toString();
    if (!sent && out.includes('RUNNING')) {
      sent = true;
      proc.kill('SIGINT');
    }
  };
  proc.stdout.on('data', collect);
  proc.stderr.on('data', collect);
  return new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal, out })));
}

describe('SIGINT', () => {
  it('closes the builder (the running job ends Failed), then ends the process by the signal', async () => {
    const r = await runAndInterrupt('default');
    expect(r.out).toContain('PHASE Failed: the builder was closed while the job was running');
    expect(r.out).toContain('WATCH ENDED');
    expect(r.signal).toBe('SIGINT');
  });

  it('leaves the decision to a program that listens to SIGINT itself', async () => {
    const r = await runAndInterrupt('own');
    expect(r.out).toContain('APP SIGINT');
    expect(r.out).toContain('PHASE Failed: the builder was closed while the job was running');
    expect(r.out).toContain('APP STILL HERE');
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
  });
});
