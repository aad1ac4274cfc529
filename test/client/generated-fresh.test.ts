/**
 * The client's generated types (packages/client/src/generated/*.ts) must match a fresh
 * openapi-typescript run over api/*.yaml. Regenerate with `node packages/client/scripts/generate.mjs`.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/openapi-doc.js';

describe('generated client types', () => {
  it('are up to date with api/*.yaml', () => {
    let output = '';
    let code = 0;
    try {
      execFileSync(process.execPath, [resolve(repoRoot, 'packages/client/scripts/generate.mjs'), '--check'], {
        cwd: repoRoot,
        stdio: 'pipe',
        encoding: 'utf8',
      });
    } catch (e) {
      const err = e as { status?: number; stderr?: string };
      code = err.status ?? 1;
      output = err.stderr ?? '';
    }
    expect(output).toBe('');
    expect(code).toBe(0);
  });
});
