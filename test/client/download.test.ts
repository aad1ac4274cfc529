/** Downloads: progress, size and digest checks, resume after a drop (Range), `.part` continuation, restart on 200. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DigestMismatchError } from '@imagebuild/core/errors';
import { ImageBuilderClient } from '@imagebuild/client';
import { startScriptedServer, type ScriptedServer, type SeenRequest } from './support/scripted-server.js';

let srv: ScriptedServer | undefined;
let client: ImageBuilderClient | undefined;
afterEach(async () => {
  await client?.close();
  await srv?.close();
  client = srv = undefined;
});

const blob = randomBytes(256 * 1024 + 17);
const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'ib-client-dl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Behaviour {
  honourRange?: boolean;
  /** Cut the connection after this many body bytes on the first request. */
  cutFirstAt?: number;
  digestHeader?: string;
}

function serve(b: Behaviour) {
  let count = 0;
  return (req: SeenRequest, res: ServerResponse): void => {
    count++;
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    const start = b.honourRange && range ? Number(range[1]) : 0;
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': 'attachment; filename="my-build.qcow2"',
      'Docker-Content-Digest': b.digestHeader ?? digest,
      'Content-Length': String(blob.length - start),
      ...(b.honourRange ? { 'Accept-Ranges': 'bytes' } : {}),
    };
    if (start > 0) headers['Content-Range'] = `bytes ${start}-${blob.length - 1}/${blob.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    const body = blob.subarray(start);
    if (count === 1 && b.cutFirstAt !== undefined) {
      res.write(body.subarray(0, b.cutFirstAt), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(body);
  };
}

describe('download', () => {
  it('writes the file, reports progress and verifies size and digest', async () => {
    srv = await startScriptedServer(serve({}));
    client = new ImageBuilderClient({ baseUrl: srv.url });
    const progress: number[] = [];
    const path = join(dir, 'a.qcow2');
    const r = await client.imageExports.downloadToFile('e', path, { onProgress: (p) => progress.push(p.bytesDone) });
    expect(r).toMatchObject({ path, bytes: blob.length, digest, filename: 'my-build.qcow2', resumedFrom: 0 });
    expect(readFileSync(path).equals(blob)).toBe(true);
    expect(progress.at(-1)).toBe(blob.length);
    expect(existsSync(`${path}.part`)).toBe(false);
  });

  it('rejects a digest mismatch and keeps nothing under the final name', async () => {
    srv = await startScriptedServer(serve({ digestHeader: `sha256:${'0'.repeat(64)}` }));
    client = new ImageBuilderClient({ baseUrl: srv.url });
    const path = join(dir, 'bad.qcow2');
    await expect(client.imageExports.downloadToFile('e', path)).rejects.toBeInstanceOf(DigestMismatchError);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.part`)).toBe(false);
  });

  it('resumes with Range after the transfer breaks off', async () => {
    srv = await startScriptedServer(serve({ honourRange: true, cutFirstAt: 100_000 }));
    client = new ImageBuilderClient({ baseUrl: srv.url });
    const session = await client.imageExports.download('e');
    const parts: Buffer[] = [];
    for await (const c of session.chunks) parts.push(Buffer.from(c));
    expect(Buffer.concat(parts).equals(blob)).toBe(true);
    expect(session.completed?.digest).toBe(digest);
    expect(srv.seen.map((s) => s.headers.range)).toEqual([undefined, expect.stringMatching(/^bytes=\d+-$/)]);
  });

  it('fails a broken transfer when the server does not honour Range', async () => {
    srv = await startScriptedServer(serve({ cutFirstAt: 100_000 }));
    client = new ImageBuilderClient({ baseUrl: srv.url });
    const path = join(dir, 'noresume.qcow2');
    await expect(client.imageExports.downloadToFile('e', path)).rejects.toThrow(/does not honour Range/);
  });

  it('continues an existing .part with Range, and starts over when the server answers 200', async () => {
    const path = join(dir, 'part.qcow2');
    writeFileSync(`${path}.part`, blob.subarray(0, 5000));
    srv = await startScriptedServer(serve({ honourRange: true }));
    client = new ImageBuilderClient({ baseUrl: srv.url });
    const r = await client.imageExports.downloadToFile('e', path);
    expect(r.resumedFrom).toBe(5000);
    expect(srv.seen[0]!.headers.range).toBe('bytes=5000-');
    expect(readFileSync(path).equals(blob)).toBe(true);
    await srv.close();
    await client.close();

    const path2 = join(dir, 'restart.qcow2');
    writeFileSync(`${path2}.part`, Buffer.from('garbage that is not a prefix'));
    srv = await startScriptedServer(serve({ honourRange: false }));
    client = new ImageBuilderClient({ baseUrl: srv.url });
    const r2 = await client.imageExports.downloadToFile('e', path2);
    expect(r2.resumedFrom).toBe(0);
    expect(readFileSync(path2).equals(blob)).toBe(true);
  });
});
