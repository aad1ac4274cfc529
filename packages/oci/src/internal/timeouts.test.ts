// Stalled registry connections: a local TCP server that accepts and then goes silent, with small timeouts.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryError } from '@imagebuild/core/errors';
import { RegistryClient } from '../registry-client.js';
import { downloadBlob } from '../download.js';
import { Transport } from './transport.js';

type Handler = (request: string, socket: Socket, index: number) => void;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A server that hands each request head (and its connection's index) to `handler`; stalled sockets are destroyed at the end. */
async function stallServer(handler: Handler): Promise<{ registry: string; requests: string[] }> {
  const requests: string[] = [];
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    let head = '';
    const onData = (b: Buffer): void => {
      head += b.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      requests.push(head.slice(0, head.indexOf('\r\n')));
      handler(head, socket, requests.length - 1);
    };
    socket.on('data', onData);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { registry: `127.0.0.1:${(server.address() as { port: number }).port}`, requests };
}

const client = (registry: string, attempts: number): RegistryClient => {
  const c = new RegistryClient({
    registry,
    scheme: 'http',
    retry: { retries: attempts - 1, baseDelayMs: 5, maxDelayMs: 20 },
    timeouts: { connectMs: 2_000, headersMs: 300, idleMs: 300 },
  });
  cleanups.push(() => void c.close());
  return c;
};

describe('registry timeouts', () => {
  it('a response head that never comes fails an idempotent request after its retries, naming registry and operation', async () => {
    const { registry, requests } = await stallServer(() => undefined); // reads the request, never answers
    const err = await client(registry, 2)
      .getManifest('app', 'v1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    const e = err as RegistryError;
    expect(e.registry).toBe(registry);
    expect(e.operation).toContain('app');
    expect(e.message).toMatch(/no response head within 300 ms/);
    expect(e.details).toMatchObject({ timeout: 'headers', timeoutMs: 300 });
    expect(requests).toHaveLength(2); // retried once
  });

  it('a stalled non-idempotent request is not retried by the transport', async () => {
    const { registry, requests } = await stallServer(() => undefined);
    const t = new Transport({
      registry,
      scheme: 'http',
      retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 20 },
      timeouts: { connectMs: 2_000, headersMs: 300, idleMs: 300 },
    });
    cleanups.push(() => void t.close());
    const err = await t
      .send({
        method: 'POST',
        path: '/v2/app/blobs/uploads/',
        scope: 'repository:app:pull,push',
        operation: 'blob upload start app',
        headers: { 'content-length': '0' },
        retryable: false,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).message).toBe(
      `blob upload start app on ${registry}: connection stalled: no response head within 300 ms (timeouts.headersMs)`,
    );
    expect(requests).toEqual(['POST /v2/app/blobs/uploads/ HTTP/1.1']);
  });

  it('an upload whose session POST stalls fails with a typed error naming the operation', async () => {
    const { registry, requests } = await stallServer((head, socket) => {
      // The existence check is answered (absent); the session POST gets silence.
      if (head.startsWith('HEAD'))
        socket.write('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    });
    const dir = mkdtempSync(join(tmpdir(), 'ib-timeout-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const err = await client(registry, 3)
      .uploadBlob('app', Buffer.from('hello'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).operation).toMatch(/upload start app/);
    expect((err as RegistryError).details).toMatchObject({ timeout: 'headers' });
    expect(requests.filter((r) => r.startsWith('POST')).length).toBeGreaterThan(0);
  });

  it('a blob body that stalls mid-way resumes with Range and completes verified', async () => {
    const blob = randomBytes(3 * 1024 * 1024 + 17);
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const cut = 1024 * 1024 + 5;
    const ranges: (number | undefined)[] = [];
    const { registry, requests } = await stallServer((head, socket, index) => {
      const range = /range: bytes=(\d+)-/i.exec(head);
      const from = range ? Number(range[1]) : 0;
      ranges.push(range ? from : undefined);
      const status = range
        ? `206 Partial Content\r\ncontent-range: bytes ${from}-${blob.length - 1}/${blob.length}`
        : '200 OK';
      socket.write(`HTTP/1.1 ${status}\r\ncontent-length: ${blob.length - from}\r\n\r\n`);
      if (index === 0)
        socket.write(blob.subarray(0, cut)); // then silence, connection open
      else socket.end(blob.subarray(from));
    });
    const dir = mkdtempSync(join(tmpdir(), 'ib-timeout-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'blob');
    const r = await downloadBlob(client(registry, 3), { repository: 'app', digest, file }).done();
    expect(r.size).toBe(blob.length);
    expect(readFileSync(file).equals(blob)).toBe(true);
    expect(requests).toHaveLength(2);
    // The second request resumed after what the first one delivered, from its last 4 KiB boundary (direct writes stay aligned).
    expect(ranges).toEqual([undefined, cut - (cut % 4096)]);
  });

  it('a blob body that keeps stalling fails with a RegistryError and keeps its partial file', async () => {
    const blob = randomBytes(2 * 1024 * 1024);
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const { registry, requests } = await stallServer((head, socket, index) => {
      const range = /range: bytes=(\d+)-/i.exec(head);
      const from = range ? Number(range[1]) : 0;
      const status = range
        ? `206 Partial Content\r\ncontent-range: bytes ${from}-${blob.length - 1}/${blob.length}`
        : '200 OK';
      socket.write(`HTTP/1.1 ${status}\r\ncontent-length: ${blob.length - from}\r\n\r\n`);
      if (index === 0) socket.write(blob.subarray(0, 10_000)); // a little, then silence; later attempts: the head only
    });
    const dir = mkdtempSync(join(tmpdir(), 'ib-timeout-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'blob');
    const err = await downloadBlob(client(registry, 2), { repository: 'app', digest, file })
      .done()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).registry).toBe(registry);
    expect((err as RegistryError).operation).toBe(`blob GET app@${digest}`);
    expect((err as RegistryError).details).toMatchObject({ timeout: 'idle', timeoutMs: 300 });
    expect(statSync(`${file}.partial`).size).toBe(8192); // what arrived, to its last 4 KiB boundary
    expect(requests.length).toBeGreaterThanOrEqual(2);
  });
});
