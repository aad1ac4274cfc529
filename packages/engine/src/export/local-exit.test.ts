import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_FILE } from './converter-script.js';
import { watchExitFile } from './local-exit.js';

const marker = 'a'.repeat(32);
const dirs: string[] = [];
const dir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'imagebuild-exit-test-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const settledWithin = <T>(p: Promise<T>, ms: number): Promise<T | 'pending'> =>
  Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);

describe('watchExitFile', () => {
  it("resolves with the status the script wrote with this run's marker", async () => {
    const d = dir();
    const ac = new AbortController();
    const seen = watchExitFile(d, marker, ac.signal);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(join(d, 'other'), 'x');
    writeFileSync(join(d, EXIT_FILE), `${marker} 3`);
    expect(await settledWithin(seen, 2000)).toBe(3);
    ac.abort();
  });

  it('ignores another marker, a partial write and other files; stops on abort', async () => {
    const d = dir();
    const ac = new AbortController();
    const seen = watchExitFile(d, marker, ac.signal);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(join(d, EXIT_FILE), `${'b'.repeat(32)} 0`);
    writeFileSync(join(d, EXIT_FILE), `${marker} `);
    writeFileSync(join(d, 'disk.qcow2'), `${marker} 0`);
    expect(await settledWithin(seen, 300)).toBe('pending');
    ac.abort();
    expect(await settledWithin(seen, 300)).toBe('pending');
  });
});
