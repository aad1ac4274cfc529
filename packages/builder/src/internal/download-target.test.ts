import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { downloadTarget, fileMatches } from './download-target.js';

const dir = mkdtempSync(join(tmpdir(), 'ib-dltarget-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('download target rule', () => {
  it('a missing path without an extension is a folder, created; the file is named inside it', async () => {
    const out = join(dir, 'out');
    expect(await downloadTarget(out, 'b.qcow2')).toBe(join(out, 'b.qcow2'));
    expect(statSync(out).isDirectory()).toBe(true);
  });
  it('an existing folder, or a path ending with / (even with a dot in it), is a folder', async () => {
    expect(await downloadTarget(dir, 'b.iso')).toBe(join(dir, 'b.iso'));
    expect(await downloadTarget(`${join(dir, 'v1.2')}/`, 'b.iso')).toBe(join(dir, 'v1.2', 'b.iso'));
    expect(statSync(join(dir, 'v1.2')).isDirectory()).toBe(true);
  });
  it('a path with an extension is the file; its missing parent folder is created', async () => {
    const f = join(dir, 'deep', 'er', 'disk.qcow2');
    expect(await downloadTarget(f, 'b.qcow2')).toBe(f);
    expect(statSync(join(dir, 'deep', 'er')).isDirectory()).toBe(true);
  });
});

describe('fileMatches', () => {
  it('is true only for the same size and digest', async () => {
    const f = join(dir, 'x.bin');
    writeFileSync(f, 'hello');
    const d = `sha256:${createHash('sha256').update('hello').digest('hex')}`;
    expect(await fileMatches(f, 5, d)).toBe(true);
    expect(await fileMatches(f, 6, d)).toBe(false);
    expect(await fileMatches(f, 5, `sha256:${'0'.repeat(64)}`)).toBe(false);
    expect(await fileMatches(join(dir, 'missing'), 5, d)).toBe(false);
    expect(await fileMatches(dir, 5, d)).toBe(false);
  });
});
