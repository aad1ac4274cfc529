import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = (ext: 'mts' | 'cts') => fileURLToPath(new URL(`./fixtures/missing-engine.${ext}`, import.meta.url));

/** Runs a fixture program in a clean environment where discovery finds nothing. */
function run(
  ext: 'mts' | 'cts',
  engine: string,
  mode: 'build' | 'ready',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: '/nonexistent', HOME: '/nonexistent' };
  delete env['CONTAINER_HOST'];
  delete env['DOCKER_HOST'];
  delete env['DOCKER_CONTEXT'];
  const before = new Set(readdirSync(tmpdir()));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@imagebuild/source', fixture(ext), engine, '1500', mode],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) =>
    child.on('close', (code) => {
      // the program's builder made its log folder: nothing of it may outlive the process
      const left = readdirSync(tmpdir()).filter(
        (n) => n.startsWith('imagebuild-logs-') && n.includes(`-p${child.pid}-`) && !before.has(n),
      );
      resolve({ code, stdout, stderr: stderr + left.map((n) => `LEFT ${n}\n`).join('') });
    }),
  );
}

// Before: the build stayed Pending forever and the program ended (status 13 in ESM, 0 in CJS)
// printing nothing. Now the wait ends with Failed and every discovery attempt, or ready() rejects.
describe('a program whose engine is missing (no silent exit)', () => {
  for (const ext of ['mts', 'cts'] as const) {
    it(`${ext}: an awaited build fails after placementTimeoutMs with the discovery report`, async () => {
      const r = await run(ext, '-', 'build');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('RESULT Failed: no runner reached its engine within 2s (placementTimeoutMs)');
      expect(r.stdout).toContain('podman: CONTAINER_HOST: CONTAINER_HOST is not set');
      expect(r.stdout).toContain('podman: rootful podman socket (/run/podman/podman.sock): socket does not exist');
    });

    it(`${ext}: an explicit socket path that does not exist is named in the failure`, async () => {
      const r = await run(ext, 'unix:///tmp/ib-no-such-dir/podman.sock', 'build');
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('RESULT Failed');
      expect(r.stdout).toContain('connect ENOENT /tmp/ib-no-such-dir/podman.sock');
    });

    it(`${ext}: ready() rejects with the discovery report`, async () => {
      const r = await run(ext, '-', 'ready');
      expect(r.code).toBe(1);
      expect(r.stderr).not.toContain('LEFT ');
      expect(r.stderr).toContain('no container engine found; tried:');
      expect(r.stderr).toContain(
        'podman: rootless podman socket (/nonexistent/podman/podman.sock): socket does not exist',
      );
    });
  }
});
