// A blob server that closes every connection part-way through the body, so a download needs many attempts.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../registry-client.js';
import { downloadBlob } from '../download.js';

const dir = mkdtempSync(join(tmpdir(), 'ib-cuts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('download over connections that keep breaking', () => {
  it('completes verified after a dozen cut attempts, each resuming at a 4 KiB boundary of what arrived', async () => {
    const blob = randomBytes(40 * 1024 * 1024 + 999);
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const PER_CONNECTION = 3 * 1024 * 1024 + 777; // less than one 4 MiB slab, never aligned
    const starts: number[] = [];
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
      socket.once('data', (b: Buffer) => {
        const range = /range: bytes=(\d+)-/i.exec(b.toString('latin1'));
        const from = range ? Number(range[1]) : 0;
        starts.push(from);
        const status = range
          ? `206 Partial Content\r\ncontent-range: bytes ${from}-${blob.length - 1}/${blob.length}`
          : '200 OK';
        socket.write(`HTTP/1.1 ${status}\r\ncontent-length: ${blob.length - from}\r\n\r\n`);
        socket.end(blob.subarray(from, from + PER_CONNECTION)); // then close: the body is cut short
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const registry = `127.0.0.1:${(server.address() as { port: number }).port}`;
    const client = new RegistryClient({
      registry,
      scheme: 'http',
      retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
    });
    try {
      const file = join(dir, 'blob');
      const r = await downloadBlob(client, { repository: 'app', digest, size: blob.length, file }).done();
      expect(r.size).toBe(blob.length);
      expect(readFileSync(file).equals(blob)).toBe(true);
      expect(starts.length).toBeGreaterThan(12);
      expect(starts[0]).toBe(0);
      for (let i = 1; i < starts.length; i++) {
        expect(starts[i]! % 4096).toBe(0);
        expect(starts[i]! - starts[i - 1]!).toBe(PER_CONNECTION - (PER_CONNECTION % 4096)); // what arrived, to its last 4 KiB boundary
      }
    } finally {
      await client.close();
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});
