import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryClient, type UploadSessionEnd } from '../src/index.js';
import { harnessEnv, randomFile, uniqueRepo, uploadSessions } from './helpers.js';

const env = harnessEnv();
const work = mkdtempSync(join(tmpdir(), 'oci-resume-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Logged {
  method: string;
  path: string;
  range: string | undefined;
  bytes: number;
  forwarded: boolean;
}

/**
 * An HTTP-aware loopback proxy in front of registry A that swallows the `drop`-th
 * PATCH whole — it reads the request body, then closes the connection without
 * forwarding anything — so the registry's session is untouched and still valid.
 * Host headers are passed through, so the registry's Location URLs point at the proxy.
 */
async function startDroppingProxy(drop: number): Promise<{ port: number; log: Logged[]; close: () => Promise<void> }> {
  const log: Logged[] = [];
  let patches = 0;
  const [host, port] = env.plain.split(':') as [string, string];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const entry: Logged = {
      method: req.method ?? '',
      path: req.url ?? '',
      range: req.headers['content-range'],
      bytes: 0,
      forwarded: true,
    };
    log.push(entry);
    req.on('data', (c: Buffer) => {
      entry.bytes += c.length;
    });
    if (req.method === 'PATCH' && ++patches === drop) {
      entry.forwarded = false;
      req.on('end', () => req.socket.destroy());
      req.resume();
      return;
    }
    const up = request(
      { host, port: Number(port), method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        void pipeline(upRes, res).catch(() => undefined);
      },
    );
    up.on('error', () => req.socket.destroy());
    void pipeline(req, up).catch(() => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    log,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('chunked upload resume (registry A behind a proxy that drops one whole chunk request)', () => {
  it('resumes from the offset the registry reports, in the same session, each byte reaching the registry once', async () => {
    const MiB = 1024 * 1024;
    const file = join(work, 'resume.bin');
    const size = 5 * MiB + 123;
    const digest = await randomFile(file, size);
    const proxy = await startDroppingProxy(3); // the third chunk: bytes [2 MiB, 3 MiB)
    const client = new RegistryClient({
      registry: `127.0.0.1:${proxy.port}`,
      scheme: 'http',
      chunkSize: MiB,
      retry: { retries: 4, baseDelayMs: 20, maxDelayMs: 200 },
    });
    const repo = uniqueRepo('resume');
    const sessions: UploadSessionEnd[] = [];
    try {
      const pushed = await client.uploadBlob(repo, { file }, { onSession: (s) => sessions.push(s) });
      expect(pushed).toMatchObject({ digest, size });
    } finally {
      await client.close();
      await proxy.close();
    }
    const patches = proxy.log.filter((l) => l.method === 'PATCH');
    const dropped = patches.filter((l) => !l.forwarded);
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ range: `${2 * MiB}-${3 * MiB - 1}`, bytes: MiB });
    // After the drop: a status GET on the session, then the same range again — not a restart from 0.
    const i = proxy.log.indexOf(dropped[0] as Logged);
    expect(proxy.log[i + 1]).toMatchObject({ method: 'GET', forwarded: true });
    expect(proxy.log[i + 1]?.path).toContain('/blobs/uploads/');
    expect(proxy.log[i + 2]).toMatchObject({ method: 'PATCH', range: `${2 * MiB}-${3 * MiB - 1}`, forwarded: true });
    // One session only, committed; the registry received every byte exactly once.
    expect(proxy.log.filter((l) => l.method === 'POST')).toHaveLength(1);
    expect(sessions.map((s) => s.outcome)).toEqual(['committed']);
    const forwarded = patches.filter((l) => l.forwarded);
    expect(forwarded.reduce((n, l) => n + l.bytes, 0)).toBe(size);
    expect(forwarded.map((l) => l.range)).toEqual(
      Array.from({ length: 6 }, (_, k) => `${k * MiB}-${Math.min((k + 1) * MiB, size) - 1}`),
    );
    const put = proxy.log.filter((l) => l.method === 'PUT');
    expect(put).toHaveLength(1);
    expect(decodeURIComponent(put[0]?.path ?? '')).toContain(`digest=${digest}`);
    expect(uploadSessions(env, repo)).toEqual([]);
  });
});
