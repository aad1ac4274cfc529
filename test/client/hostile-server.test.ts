/**
 * Issue 12 (client): a malicious or broken server cannot make the client hold unbounded memory, wait
 * forever, leak a request body to another origin, skip a digest or echo raw control characters. The
 * heavy cases (gigabytes, garbage collection, slow readers) run in child processes: test/hostile/.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TimeoutError, ValidationError } from '@imagebuild/core';
import { ApiError, DigestMismatchError, LimitExceededError } from '@imagebuild/core/errors';
import { ImageBuilderClient } from '@imagebuild/client';
import { json, sampleBuild, startScriptedServer, status, type ScriptedServer } from './support/scripted-server.js';

let servers: ScriptedServer[] = [];
let client: ImageBuilderClient | undefined;
afterEach(async () => {
  await client?.close();
  await Promise.all(servers.map((s) => s.close()));
  client = undefined;
  servers = [];
});
const dir = mkdtempSync(join(tmpdir(), 'ib-client-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function serve(script: Parameters<typeof startScriptedServer>[0]): Promise<ScriptedServer> {
  const s = await startScriptedServer(script);
  servers.push(s);
  return s;
}

const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );

describe('finding 2: bounded response bodies', () => {
  it('refuses a JSON body over maxResponseBytes with LimitExceededError naming the limit', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"a":"');
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    client = new ImageBuilderClient({ baseUrl: srv.url, limits: { maxResponseBytes: 1024 * 1024 } });
    const err = await rejection(client.imageBuilds.get('b'));
    expect(err).toBeInstanceOf(LimitExceededError);
    expect(err).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'maxResponseBytes', max: 1024 * 1024 });
  });

  it('cuts an oversized error body, keeping the status', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('E'.repeat(4 * 1024 * 1024));
    });
    client = new ImageBuilderClient({ baseUrl: srv.url, retry: { retries: 0 } });
    const err = (await rejection(client.imageBuilds.get('b'))) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(500);
    expect(err.message.length).toBeLessThan(1000);
    expect((err.body as string).length).toBe(64 * 1024);
  });

  it('a body that is not JSON fails without quoting it', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"password":CANARY-7f3e');
    });
    client = new ImageBuilderClient({ baseUrl: srv.url });
    const err = (await rejection(client.imageBuilds.get('b'))) as ApiError;
    expect(err.message).toMatch(/not valid JSON/);
    expect(JSON.stringify({ m: err.message, c: String(err.cause) })).not.toContain('CANARY');
  });
});

describe('finding 5: SSE lines are bounded', () => {
  it('a line without a newline fails at maxSseLineBytes', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('data: ');
      const timer = setInterval(() => res.write('a'.repeat(16 * 1024)), 1);
      res.on('close', () => clearInterval(timer));
    });
    client = new ImageBuilderClient({ baseUrl: srv.url, limits: { maxSseLineBytes: 256 * 1024 } });
    const lines: string[] = [];
    const err = await rejection(
      (async () => {
        for await (const l of client!.imageBuilds.followLogs('b', { maxReconnects: 0 })) lines.push(l);
      })(),
    );
    expect(err).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'maxSseLineBytes' });
    expect(lines).toEqual([]);
  });
});

describe('finding 6: identity encoding, bounded decompression', () => {
  it('asks for identity, and stops a gzip bomb at the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      res.end(bomb);
    });
    client = new ImageBuilderClient({ baseUrl: srv.url, limits: { maxResponseBytes: 1024 * 1024 } });
    await expect(client.imageBuilds.get('b')).rejects.toMatchObject({ limit: 'maxResponseBytes' });
    expect(srv.seen[0]!.headers['accept-encoding']).toBe('identity');
  });

  it('still reads a small gzip-encoded JSON answer', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify(sampleBuild('g'))));
    });
    client = new ImageBuilderClient({ baseUrl: srv.url });
    expect((await client.imageBuilds.get('g')).metadata.name).toBe('g');
  });
});

describe('finding 12: overall deadline', () => {
  it('a body dripped byte by byte ends at requestTimeoutMs with TimeoutError', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 20);
      res.on('close', () => clearInterval(timer));
    });
    client = new ImageBuilderClient({ baseUrl: srv.url, requestTimeoutMs: 400, retry: { retries: 0 } });
    const err = await rejection(client.imageBuilds.get('b'));
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/not complete within 400 ms/);
  });
});

const artifact = Buffer.alloc(8 * 1024 * 1024, 7);
const sha256 = `sha256:${createHash('sha256').update(artifact).digest('hex')}`;
const sha512 = `sha512:${createHash('sha512').update(artifact).digest('hex')}`;

describe('findings 13-15: downloads', () => {
  it('a gzip-encoded download is decoded and verified, leaving no partial file (13)', async () => {
    const gz = gzipSync(artifact);
    const srv = await serve((_req, res) => {
      res.writeHead(200, {
        'Content-Encoding': 'gzip',
        'Content-Length': String(gz.length),
        'Docker-Content-Digest': sha256,
        'Accept-Ranges': 'bytes',
      });
      res.end(gz);
    });
    client = new ImageBuilderClient({ baseUrl: srv.url });
    const path = join(dir, 'gz.bin');
    const done = await client.imageExports.downloadToFile('e', path);
    expect(done).toMatchObject({ bytes: artifact.length, digest: sha256 });
    expect(readFileSync(path).equals(artifact)).toBe(true);
    expect(existsSync(`${path}.part`)).toBe(false);
  });

  it('verifies sha512 digests and refuses algorithms it cannot verify (14)', async () => {
    let header = sha512;
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(artifact.length), 'Docker-Content-Digest': header });
      res.end(artifact);
    });
    client = new ImageBuilderClient({ baseUrl: srv.url });
    const ok = await client.imageExports.downloadToFile('e', join(dir, 'a.bin'), { expectedDigest: sha512 });
    expect(ok.digest).toBe(sha256);
    header = `sha512:${'0'.repeat(128)}`;
    await expect(client.imageExports.downloadToFile('e', join(dir, 'b.bin'))).rejects.toBeInstanceOf(
      DigestMismatchError,
    );
    expect(existsSync(join(dir, 'b.bin.part'))).toBe(false);
    header = sha256;
    await expect(
      client.imageExports.downloadToFile('e', join(dir, 'c.bin'), { expectedDigest: `sha512:${'1'.repeat(128)}` }),
    ).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(
      client.imageExports.downloadToFile('e', join(dir, 'd.bin'), { expectedDigest: 'md5:abc' }),
    ).rejects.toBeInstanceOf(ValidationError);
    header = `sha384:${'0'.repeat(96)}`;
    await expect(client.imageExports.downloadToFile('e', join(dir, 'e.bin'))).rejects.toThrow(
      /Docker-Content-Digest .* must be sha256/,
    );
  });

  it.each([
    ['attachment; filename="../../etc/passwd"', 'passwd'],
    [`attachment; filename*=UTF-8''..%2F..%2Fx.qcow2`, 'x.qcow2'],
    [`attachment; filename*=UTF-8''a%0Ab`, undefined],
    ['attachment; filename=".."', undefined],
    ['attachment; filename="C:\\\\dir\\\\os.vmdk"', 'os.vmdk'],
  ])('the server file name %s is reduced to a bare name', async (disposition, expected) => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': '1', 'Content-Disposition': disposition });
      res.end('x');
    });
    client = new ImageBuilderClient({ baseUrl: srv.url });
    const session = await client.imageExports.download('e');
    expect(session.info.filename).toBe(expected);
    for await (const _ of session.chunks) {
      // drain
    }
  });

  it('a malformed filename* falls back to filename (15)', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, {
        'Content-Length': '3',
        'Content-Disposition': `attachment; filename*=UTF-8''%E0%A4%A; filename="plain.qcow2"`,
      });
      res.end('abc');
    });
    client = new ImageBuilderClient({ baseUrl: srv.url });
    const session = await client.imageExports.download('e');
    expect(session.info.filename).toBe('plain.qcow2');
    for await (const _ of session.chunks) {
      // drain
    }
  });
});

describe('finding 16: no request body to another origin', () => {
  it('repositories.create refuses a cross-origin 307 and the password never leaves', async () => {
    const other = await serve((_req, res) => json(res, 201, {}));
    const srv = await serve((_req, res) => {
      res.writeHead(307, { Location: `${other.url}/api/v1/repositories` });
      res.end();
    });
    client = new ImageBuilderClient({ baseUrl: srv.url, coreBaseUrl: srv.url, token: 'tok-CANARY' });
    const err = await rejection(
      client.repositories.create({
        apiVersion: 'flightctl.io/v1beta1',
        kind: 'Repository',
        metadata: { name: 'r' },
        spec: {
          type: 'oci',
          registry: 'quay.io',
          scheme: 'https',
          accessMode: 'Read',
          ociAuth: { authType: 'docker', username: 'u', password: 'pw-CANARY-secret' },
        },
      }),
    );
    expect(err).toBeInstanceOf(ApiError);
    expect((err as Error).message).toMatch(/refusing to resend the request body to another origin/);
    expect(srv.seen).toHaveLength(1);
    expect(other.seen).toHaveLength(0);
    expect((err as Error).message).not.toContain('CANARY');
  });

  it('a same-origin 307 is still followed with the body', async () => {
    const srv = await serve((req, res) => {
      if (req.url.pathname === '/api/v1/imagebuilds') {
        res.writeHead(307, { Location: '/moved' });
        res.end();
      } else json(res, 201, JSON.parse(req.body));
    });
    client = new ImageBuilderClient({ baseUrl: srv.url });
    const created = await client.imageBuilds.create(sampleBuild('m') as never);
    expect(created.metadata.name).toBe('m');
    expect(srv.seen.map((s) => s.url.pathname)).toEqual(['/api/v1/imagebuilds', '/moved']);
  });
});

describe('finding 19 (client): server words are escaped and bounded', () => {
  it('an error message with CR, LF and ESC reaches the ApiError escaped', async () => {
    const srv = await serve((_req, res) =>
      json(res, 400, status(400, `bad\r\nFORGED: line\u001b[2J${'z'.repeat(10_000)}`), {
        'X-Request-Id': 'id\u009b2Jcsi',
      }),
    );
    client = new ImageBuilderClient({ baseUrl: srv.url });
    const err = (await rejection(client.imageBuilds.get('b'))) as ApiError;
    for (const c of ['\r', '\n', '\u001b', '\u009b']) {
      expect(err.message).not.toContain(c);
      expect(String(err.requestId)).not.toContain(c);
    }
    expect(err.message).toContain('bad\\r\\nFORGED: line\\x1b[2J');
    expect(err.message.length).toBeLessThan(700);
  });
});
