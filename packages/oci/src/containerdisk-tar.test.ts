import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containerDiskTar, containerDiskTarParts } from './containerdisk-tar.js';

const dir = mkdtempSync(join(tmpdir(), 'ib-cdisk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function pack(path: string, size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of containerDiskTar(path, size)) parts.push(b);
  return Buffer.concat(parts);
}

describe('containerdisk layer tar', () => {
  for (const size of [0, 1, 511, 512, 70_001]) {
    it(`${size} bytes: GNU tar reads disk/disk.qcow2 as 107:107 0440, bytes equal, size known up front`, async () => {
      const disk = join(dir, `d${size}.qcow2`);
      const content = Buffer.alloc(size, 0).map((_, i) => (i * 7) % 251);
      writeFileSync(disk, content);
      const tar = await pack(disk, size);
      expect(tar.length).toBe(containerDiskTarParts(size).layerSize);
      expect(tar.length % 512).toBe(0);
      const file = join(dir, `l${size}.tar`);
      writeFileSync(file, tar);
      const listing = execFileSync('tar', ['--numeric-owner', '-tvf', file], { encoding: 'utf8' }).trim().split('\n');
      expect(listing[0]).toMatch(/^drwxr-xr-x 0\/0 +0 .* disk\/$/);
      expect(listing[1]).toMatch(new RegExp(`^-r--r----- 107/107 +${size} .* disk/disk\\.qcow2$`));
      const out = join(dir, `x${size}`);
      execFileSync('mkdir', ['-p', out]);
      execFileSync('tar', ['-xf', file, '-C', out]);
      expect(
        createHash('sha256')
          .update(readFileSync(join(out, 'disk/disk.qcow2')))
          .digest('hex'),
      ).toBe(createHash('sha256').update(content).digest('hex'));
    });
  }

  it('sizes beyond 8 GiB use the base-256 size field', () => {
    const size = 9 * 1024 ** 3 + 3;
    const { head, layerSize } = containerDiskTarParts(size);
    const field = head.subarray(512 + 124, 512 + 136);
    expect(field[0]).toBe(0x80);
    let v = 0n;
    for (const b of field.subarray(1)) v = (v << 8n) | BigInt(b);
    expect(Number(v)).toBe(size);
    expect(layerSize).toBe(1024 + size + (512 - (size % 512)) + 1024);
  });

  it('fails when the file does not have the announced size', async () => {
    const disk = join(dir, 'short.qcow2');
    writeFileSync(disk, Buffer.alloc(10));
    await expect(pack(disk, 20)).rejects.toThrow(/shrank while being packed \(10 of 20 bytes\)/);
    await expect(pack(disk, 5)).rejects.toThrow(/grew while being packed/);
  });
});
