import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// Deprecation warnings are printed once per process, so each check runs in a fresh one.
function warningsOf(engine: string): { warnings: string; out: string } {
  const script = `
    import { EngineConnection } from '@imagebuild/engine';
    const seen = [];
    process.on('warning', (w) => seen.push(w.code + ' ' + w.message));
    const err = await EngineConnection.open({ url: ${JSON.stringify(engine)} }, { timeoutMs: 3000 }).then(
      () => 'connected',
      (e) => e.message,
    );
    await new Promise((r) => setTimeout(r, 50)); // warnings are emitted on the next tick
    console.log(JSON.stringify({ warnings: seen.join('; '), out: err }));
  `;
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=@imagebuild/source', '--input-type=module', '-e', script],
    { encoding: 'utf8', timeout: 30_000 },
  );
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (!last.startsWith('{')) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(last) as { warnings: string; out: string };
}

describe('ssh engine URLs', () => {
  it('reach docker-modem without DEP0170 (no invalid "ssh:<host>:<port><host>" URL)', () => {
    // Nothing listens on port 1: the request is built (where the warning came from), then refused.
    const r = warningsOf('ssh://root@127.0.0.1:1');
    expect(r.out).toContain('127.0.0.1');
    expect(r.warnings).toBe('');
  });
});
