// Bare-socket HTTP (raw-http.ts) against local servers that misbehave on purpose.
import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { rawRequest, RawUnsupported } from './raw-http.js';
import { writeFileRange } from './file-body.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const servers: (Server | HttpServer)[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
const listen = async (s: Server | HttpServer): Promise<URL> => {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return new URL(`http://127.0.0.1:${(s.address() as { port: number }).port}/v2/a/blobs/x?q=1`);
};
const tls = { rejectUnauthorized: true, minVersion: 'TLSv1.2' as const };

describe('rawRequest', () => {
  it('streams a body larger than the slab pool through a slow sink, in order, and the request line carries path and query', async () => {
    const body = randomBytes(20 * 1024 * 1024 + 123);
    let requestLine = '';
    const url = await listen(
      createHttpServer((req, res) => {
        requestLine = `${req.method} ${req.url}`;
        res.writeHead(200, { 'content-length': body.length });
        // The head and the first body bytes in one write, the rest in odd-sized pieces.
        for (let i = 0; i < body.length; i += 300_001) res.write(body.subarray(i, i + 300_001));
        res.end();
      }),
    );
    const hash = createHash('sha256');
    let got = 0;
    const r = await rawRequest({
      url,
      headers: { accept: '*/*' },
      tls,
      onHead: () => async (bytes) => {
        hash.update(bytes);
        got += bytes.length;
        await new Promise((res) => setTimeout(res, 2));
      },
    });
    expect(requestLine).toBe('GET /v2/a/blobs/x?q=1');
    expect(r.status).toBe(200);
    expect(r.streamed).toBe(body.length);
    expect(got).toBe(body.length);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('collects an error body and its headers instead of streaming it', async () => {
    const url = await listen(
      createHttpServer((_req, res) => {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="r"', 'content-type': 'application/json' });
        res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      }),
    );
    const r = await rawRequest({ url, headers: {}, tls, onHead: () => undefined });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Basic realm="r"');
    expect(r.body?.toString()).toContain('UNAUTHORIZED');
  });

  it('refuses a chunked body it would have to stream (the caller falls back)', async () => {
    const url = await listen(
      createHttpServer((_req, res) => {
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        res.end('hello');
      }),
    );
    await expect(rawRequest({ url, headers: {}, tls, onHead: () => async () => undefined })).rejects.toBeInstanceOf(
      RawUnsupported,
    );
  });

  it('keeps an error response that arrives while the body is still being sent (server closes early)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raw-http-'));
    try {
      const file = join(dir, 'f');
      writeFileSync(file, randomBytes(32 * 1024 * 1024));
      const url = await listen(
        createNetServer((s) => {
          s.once('data', () => {
            s.end('HTTP/1.1 413 Payload Too Large\r\ncontent-length: 7\r\ncontent-type: text/plain\r\n\r\ntoo big');
            s.on('data', () => undefined);
            setTimeout(() => s.destroy(), 20);
          });
          s.on('error', () => undefined);
        }),
      );
      const r = await rawRequest({
        method: 'PUT',
        url,
        headers: { 'content-length': String(32 * 1024 * 1024) },
        tls,
        onHead: () => undefined,
        body: (socket) => writeFileRange(socket, file, 0, 32 * 1024 * 1024, () => undefined),
      });
      expect(r.status).toBe(413);
      expect(r.body?.toString()).toBe('too big');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails when the connection closes before the body is complete, after handing over what arrived', async () => {
    const url = await listen(
      createNetServer((s) => {
        s.once('data', () => s.end(`HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n${'x'.repeat(5000)}`));
      }),
    );
    let got = 0;
    await expect(
      rawRequest({
        url,
        headers: {},
        tls,
        onHead: () => async (b) => {
          got += b.length;
        },
      }),
    ).rejects.toThrow(/body bytes missing/);
    expect(got).toBe(5000);
  });
});
